/**
 * An API inbox's webhook_url is a webhook destination like an account
 * webhook's url (issue 16 item 4, src/domain/webhooks/destination.ts): every
 * scheme but http(s), an out-of-range port, whitespace or no host is refused
 * with 422 on create and update, over REST and GraphQL, and nothing is
 * stored; account webhooks refuse the same URLs. A bare host (Chatwoot's
 * CONFORMANCE D-22) is kept as given and delivered over http, as Chatwoot's
 * sender does. Hosts are `.invalid` or loopback: nothing leaves the machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateInboxDocument, UpdateInboxDocument } from '../generated/graphql.ts';
import { expectRefused, invalidRecord } from '../support/bad-input.ts';
import { globalId, graphql } from '../support/graphql.ts';
import type { Reply } from '../support/http.ts';
import { accountPath, adminApi, createInbox, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.ts';
import { postMessage } from '../support/webhook-deliveries.ts';

let server: TestServer;
let sink: WebhookSink;
let inboxId: number;

beforeAll(async () => {
  [server, sink] = await Promise.all([startServer(), startWebhookSink()]);
  inboxId = (await createInbox(server, 'https://hooks.example.invalid/kept')).id;
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
});

const api = () => adminApi(server);
const path = (p: string) => accountPath(server, p);

/** URLs no webhook may have: other schemes, bad ports, whitespace, no host. */
const INVALID_URLS = [
  'file:///etc/passwd',
  'javascript:alert(1)',
  'data:text/plain,hello',
  'ftp://files.example.invalid/hook',
  'mailto:ops@example.invalid',
  'gopher://hooks.example.invalid:70/_x',
  'http://hooks.example.invalid:99999/hook',
  'http://hooks.example.invalid:65536/hook',
  'http://hooks.example.invalid:0/hook',
  'http://hooks.example.invalid:-1/hook',
  'http://hooks.example.invalid:8o/hook',
  'http://hooks example.invalid/hook',
  'http://hooks.example.invalid/ho\tok',
  'http://hooks.example.invalid/hook\n',
  ' http://hooks.example.invalid/hook',
  'https://',
  'http://[::1/hook',
  // With a scheme-like prefix a value is not a bare host: "localhost:" is its scheme.
  'localhost:3000/hook',
  'hooks.example.invalid:8080/hook',
  // A bare host is read over http, with the same port rule.
  'hooks.example.invalid:99999',
  '127.0.0.1:99999/hook',
];

const INBOX_INVALID = invalidRecord('Webhook url is invalid', 'webhook_url');
const GRAPHQL_INVALID = { __typename: 'ValidationError', code: 'VALIDATION_FAILED', problems: [{ path: ['webhookUrl'], message: 'Webhook url is invalid' }] };

/** A GraphQL mutation's payload as a Reply, for expectRefused. */
const asReply = (status: number, body: unknown) => ({ status, body }) as Reply;

describe.each(INVALID_URLS)('the webhook url %j', (url) => {
  it('is refused on inbox creation over REST, and nothing is stored', async () => {
    await expectRefused(server, () => api().post(path('/inboxes'), { name: 'Hooked', channel: { type: 'api', webhook_url: url } }), 422, INBOX_INVALID);
  });

  it('is refused on inbox update over REST, and nothing changes', async () => {
    await expectRefused(server, () => api().patch(path(`/inboxes/${inboxId}`), { name: 'Renamed', channel: { webhook_url: url } }), 422, INBOX_INVALID);
  });

  it('is refused by createInbox and updateInbox over GraphQL, and nothing is stored', async () => {
    await expectRefused(
      server,
      async () => {
        const reply = await graphql(server, server.adminToken, CreateInboxDocument, {
          input: { accountId: globalId('Account', server.accountId), name: 'Hooked', webhookUrl: url },
        });
        return asReply(reply.status, reply.data?.createInbox);
      },
      200,
      expect.objectContaining(GRAPHQL_INVALID),
    );
    await expectRefused(
      server,
      async () => {
        const reply = await graphql(server, server.adminToken, UpdateInboxDocument, {
          input: { id: globalId('Inbox', inboxId), name: 'Renamed', webhookUrl: url },
        });
        return asReply(reply.status, reply.data?.updateInbox);
      },
      200,
      expect.objectContaining(GRAPHQL_INVALID),
    );
  });

  it('is refused for an account webhook, on create and update', async () => {
    const refused = invalidRecord('Url is invalid', 'url');
    await expectRefused(server, () => api().post(path('/webhooks'), { url }), 422, refused);
    const created = await api().post(path('/webhooks'), { url: `https://hooks.example.invalid/${Math.random()}` });
    expect(created.status).toBe(200);
    const id = created.body.payload.webhook.id;
    await expectRefused(server, () => api().patch(path(`/webhooks/${id}`), { url }), 422, refused);
    expect((await api().delete(path(`/webhooks/${id}`))).status).toBe(200);
  });
});

describe('valid webhook urls', () => {
  it.each([
    ['https://hooks.example.invalid:8443/hook?x=1', 'https://hooks.example.invalid:8443/hook?x=1'],
    ['http://hooks.example.invalid:65535/', 'http://hooks.example.invalid:65535/'],
    ['webhook.test', 'webhook.test'],
    ['hooks.example.invalid/path', 'hooks.example.invalid/path'],
  ])('%s is stored as given, on create and update', async (url, stored) => {
    const created = await api().post(path('/inboxes'), { name: 'Hooked', channel: { type: 'api', webhook_url: url } });
    expect(created.status).toBe(200);
    expect(created.body.webhook_url).toBe(stored);
    const updated = await api().patch(path(`/inboxes/${inboxId}`), { channel: { webhook_url: url } });
    expect(updated.status).toBe(200);
    expect(updated.body.webhook_url).toBe(stored);
  });

  it('a blank webhook_url removes it, over REST and GraphQL', async () => {
    const { id } = await createInbox(server, 'https://hooks.example.invalid/to-clear');
    const cleared = await api().patch(path(`/inboxes/${id}`), { channel: { webhook_url: '  ' } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.webhook_url).toBeNull();
    await api().patch(path(`/inboxes/${id}`), { channel: { webhook_url: 'https://hooks.example.invalid/again' } });
    const viaGraphql = await graphql(server, server.adminToken, UpdateInboxDocument, { input: { id: globalId('Inbox', id), webhookUrl: '' } });
    expect(viaGraphql.data?.updateInbox.__typename).toBe('UpdateInboxSuccess');
    const channel = await server.app.database.prisma.inbox.findUniqueOrThrow({ where: { id }, include: { channel: true } });
    expect(channel.channel.webhookUrl).toBeNull();
  });

  it('a bare host is delivered to over http, as Chatwoot does', async () => {
    const bare = `${new URL(sink.url).host}/bare-host`;
    const { conversation } = await seedConversation(server, bare);
    await postMessage(server, conversation.id, 'to a bare host');
    const hook = await sink.next((received) => received.path === '/bare-host' && received.body.event === 'message_created');
    expect(hook.body.content).toBe('to a bare host');
  });
});
