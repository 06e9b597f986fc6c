/**
 * The same subscription over every transport, each with its official
 * client: graphql-sse's protocol at /graphql/stream (single and distinct
 * connection modes) and Yoga's GraphQL over SSE at /graphql. graphql-ws is
 * covered in test/foundation/graphql.test.ts. Agents authenticate with a
 * bearer token, contacts with their inbox identifier and source_id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ContactMessageCreatedDocument, MessageCreatedDocument } from '../generated/graphql.ts';
import { connectGraphqlSse } from '../support/graphql-sse.ts';
import { connectGraphqlWs, untilLive } from '../support/graphql-ws.ts';
import { globalId } from '../support/graphql.ts';
import { accountPath, adminApi, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let seeded: Awaited<ReturnType<typeof seedConversation>>;
beforeAll(async () => {
  server = await startServer();
  seeded = await seedConversation(server);
});
afterAll(async () => {
  await server?.stop();
});

const post = (body: Record<string, unknown>) =>
  adminApi(server).post(accountPath(server, `/conversations/${seeded.conversation.id}/messages`), body);
const probe = () => post({ content: 'probe', message_type: 'incoming' });
const isProbe = (result: { data?: { messageCreated?: { content?: string | null } } | null }) =>
  result.data?.messageCreated?.content === 'probe';
const agentHeaders = () => ({ authorization: `Bearer ${server.adminToken}` });
const accountScope = () => ({ scope: { accountId: globalId('Account', server.accountId) } });

describe.each([
  { transport: 'graphql-sse, single connection mode, /graphql/stream', path: '/graphql/stream', singleConnection: true },
  { transport: 'graphql-sse, distinct connections mode, /graphql/stream', path: '/graphql/stream', singleConnection: false },
  { transport: "Yoga's GraphQL over SSE, /graphql", path: '/graphql', singleConnection: false },
])('messageCreated over $transport', ({ path, singleConnection }) => {
  it('delivers a message created through REST to an administrator', async () => {
    const sse = connectGraphqlSse(`${server.url}${path}`, { headers: agentHeaders(), singleConnection });
    try {
      const subscription = sse.subscribe(MessageCreatedDocument, accountScope());
      await untilLive(subscription, probe, isProbe);
      const created = await post({ content: `over ${path}`, message_type: 'outgoing' });
      const result = await subscription.nextMatching((r) => !isProbe(r));
      expect(result.errors).toBeUndefined();
      expect(result.data?.messageCreated).toMatchObject({
        databaseId: created.body.id,
        content: `over ${path}`,
        messageType: 'OUTGOING',
        conversation: { displayId: seeded.conversation.id },
      });
    } finally {
      sse.dispose();
    }
  });

  it('lets a contact hear their own conversation but never a private note', async () => {
    const sse = connectGraphqlSse(`${server.url}${path}`, {
      headers: { 'x-inbox-identifier': seeded.inbox.inbox_identifier, 'x-contact-identifier': seeded.sourceId },
      singleConnection,
    });
    try {
      const subscription = sse.subscribe(ContactMessageCreatedDocument, {});
      await untilLive(subscription, probe, isProbe);
      await post({ content: 'internal note', message_type: 'outgoing', private: true });
      const reply = await post({ content: 'reply to the contact', message_type: 'outgoing' });
      const result = await subscription.nextMatching((r) => !isProbe(r));
      expect(result.errors).toBeUndefined();
      expect(result.data?.messageCreated).toMatchObject({
        id: globalId('Message', reply.body.id),
        content: 'reply to the contact',
        messageType: 'OUTGOING',
      });
      await subscription.expectNothing(300, (r) => r.data?.messageCreated?.content === 'internal note');
    } finally {
      sse.dispose();
    }
  });

  it('refuses an unknown token', async () => {
    const sse = connectGraphqlSse(`${server.url}${path}`, { headers: { authorization: 'Bearer not-a-token-000' }, singleConnection });
    try {
      const result = await sse.subscribe(MessageCreatedDocument, accountScope()).next();
      // graphql-sse's protocol refuses before the stream (401); Yoga's SSE reports it as the operation's error.
      expect(JSON.stringify(result.errors)).toMatch(path === '/graphql' ? /Invalid Access Token/ : /401/);
    } finally {
      sse.dispose();
    }
  });
});

describe('graphql-sse refusals', () => {
  it('answers unknown credentials with 401 and the GraphQL error as the body', async () => {
    const reply = await fetch(`${server.url}/graphql/stream`, {
      method: 'PUT',
      headers: { 'x-inbox-identifier': seeded.inbox.inbox_identifier, 'x-contact-identifier': 'no-such-contact' },
    });
    expect(reply.status).toBe(401);
    expect(await reply.json()).toEqual({ errors: [{ message: 'Invalid Access Token', extensions: { code: 'INVALID_TOKEN' } }] });
  });
});

describe('contacts over graphql-ws', () => {
  it('authenticates a contact by pubsub token and scopes them to their own conversations', async () => {
    const other = await seedConversation(server);
    const session = await server.app.database.prisma.contactInbox.findFirstOrThrow({
      where: { sourceId: seeded.sourceId },
    });
    const ws = connectGraphqlWs(server.wsUrl, { pubsubToken: session.pubsubToken });
    try {
      await ws.connected;
      const subscription = ws.subscribe(ContactMessageCreatedDocument, {});
      await untilLive(subscription, probe, isProbe);
      await adminApi(server).post(accountPath(server, `/conversations/${other.conversation.id}/messages`), {
        content: 'someone else',
        message_type: 'incoming',
      });
      await post({ content: 'mine', message_type: 'outgoing' });
      const result = await subscription.nextMatching((r) => !isProbe(r));
      expect(result.data?.messageCreated.content).toBe('mine');
      await subscription.expectNothing(300, (r) => r.data?.messageCreated?.content === 'someone else');
    } finally {
      await ws.dispose();
    }
  });

  it('closes with 4403 for a contact identifier that does not exist', async () => {
    const ws = connectGraphqlWs(server.wsUrl, { inboxIdentifier: seeded.inbox.inbox_identifier, contactIdentifier: 'nobody' });
    await expect(ws.connected).rejects.toThrow();
    expect(await ws.closed).toBe(4403);
    await ws.dispose();
  });
});

describe('graphql-ws close codes (raw protocol frames)', () => {
  /** Opens a raw graphql-transport-ws socket, sends `frames` in order and resolves with the close code. */
  async function closeCodeAfter(frames: unknown[]): Promise<number> {
    const socket = new WebSocket(`${server.wsUrl}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    for (const frame of frames) socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    return closed;
  }
  const init = () => ({ type: 'connection_init', payload: { api_access_token: server.adminToken } });
  const subscribe = { id: '1', type: 'subscribe', payload: { query: 'subscription { messageCreated { id } }' } };

  it('closes with 4401 when a subscribe comes before connection_init', async () => {
    expect(await closeCodeAfter([subscribe])).toBe(4401);
  });

  it('closes with 4429 on a second connection_init', async () => {
    expect(await closeCodeAfter([init(), init()])).toBe(4429);
  });

  it('closes with 4400 on a frame that is not a protocol message', async () => {
    expect(await closeCodeAfter([init(), '{"type":"nonsense"}'])).toBe(4400);
  });

  it('closes with 4403 for unknown credentials', async () => {
    expect(await closeCodeAfter([{ type: 'connection_init', payload: { api_access_token: 'nope-nope-nope' } }])).toBe(4403);
  });
});
