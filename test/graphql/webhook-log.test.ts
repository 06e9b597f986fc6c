/**
 * The webhook delivery log over GraphQL (issue 6 items 4 and 6):
 * `Inbox.webhookDeliveries` and `Webhook.deliveries(state:)`,
 * `redeliverWebhookDelivery`, `rotateWebhookSecret` and
 * `rotateInboxWebhookSecret`. Administrators only: agents get null logs and
 * secrets and ForbiddenErrors from the mutations; other accounts' objects
 * are NotFound.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateWebhookDocument,
  InboxDeliveryLogDocument,
  RedeliverWebhookDeliveryDocument,
  RotateInboxWebhookSecretDocument,
  RotateWebhookSecretDocument,
  WebhookDeliveryLogDocument,
} from '../generated/graphql.ts';
import { globalId, graphql, success } from '../support/graphql.ts';
import { accountPath, addInboxMember, adminApi, createAgent, createContactInInbox, createConversation, createInbox } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';
import { snyptoSignatureVerifies, standardSignatureVerifies } from '../support/webhook-signature.ts';
import { foreignDelivery } from '../support/webhook-deliveries.ts';
import { answersByPath, startWebhookSink, type ReceivedWebhook, type SinkAnswer, type WebhookSink } from '../support/webhook-sink.ts';

let server: TestServer;
let sink: WebhookSink;
let agent: Awaited<ReturnType<typeof createAgent>>;
let bot: string;
let counter = 0;
/** The status the sink answers on each path (200 when not set). */
let answers: ReturnType<typeof answersByPath>;

beforeAll(async () => {
  server = await startServer();
  sink = await startWebhookSink();
  answers = answersByPath(sink);
  agent = await createAgent(server);
  const created = await db().agentBot.create({ data: { accountId: server.accountId, name: 'Log bot' } });
  bot = `webhook-log-bot-token-${created.id}-abcdefgh`;
  await db().accessToken.create({ data: { token: bot, agentBotId: created.id } });
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
});

const db = () => server.app.database.prisma;
const FORBIDDEN = { __typename: 'ForbiddenError', code: 'FORBIDDEN' };
const NOT_FOUND = { __typename: 'NotFoundError', code: 'NOT_FOUND' };
const freshPath = (name: string) => `/${name}-${process.pid}-${++counter}`;

/** An API inbox whose webhook_url is a fresh sink path, with one conversation (so a delivery or more). */
async function inboxWithDeliveries(answer?: (hook: ReceivedWebhook) => SinkAnswer) {
  const hookPath = freshPath('gql-inbox');
  if (answer) answers.set(hookPath, answer);
  const inbox = await createInbox(server, `${sink.url}${hookPath}`);
  const { sourceId } = await createContactInInbox(server, inbox.id);
  await createConversation(server, sourceId);
  return { inbox, id: globalId('Inbox', inbox.id), path: hookPath };
}

const inboxLog = (id: string, variables: { first?: number; after?: string; state?: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'DISABLED' } = {}, caller = server.adminToken) =>
  graphql(server, caller, InboxDeliveryLogDocument, { id, ...variables });

async function inboxLogOf(id: string, variables: Parameters<typeof inboxLog>[1] = {}) {
  const node = (await inboxLog(id, variables)).data?.node;
  if (node?.__typename !== 'Inbox') throw new Error(`expected an Inbox, got ${JSON.stringify(node)}`);
  return node;
}

async function webhookLogOf(id: string, state?: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'DISABLED') {
  const node = (await graphql(server, server.adminToken, WebhookDeliveryLogDocument, { id, state })).data?.node;
  if (node?.__typename !== 'Webhook') throw new Error(`expected a Webhook, got ${JSON.stringify(node)}`);
  return node;
}

const redeliver = (deliveryId: string, caller = server.adminToken) =>
  graphql(server, caller, RedeliverWebhookDeliveryDocument, { input: { deliveryId } });

describe('Inbox.webhookDeliveries', () => {
  it('lists an API inbox\'s deliveries newest first, paged with first/after, filtered by state', async () => {
    const { inbox, id, path } = await inboxWithDeliveries();
    // A second conversation: conversation_created again, so at least two deliveries.
    const { sourceId } = await createContactInInbox(server, inbox.id);
    await createConversation(server, sourceId);
    const total = await db().webhookDelivery.count({ where: { inboxId: inbox.id } });
    expect(total).toBeGreaterThanOrEqual(2);
    await expect.poll(async () => (await inboxLogOf(id, { state: 'SUCCEEDED' })).webhookDeliveries?.totalCount, { timeout: 10_000 }).toBe(total);

    const newest = await db().webhookDelivery.findMany({ where: { inboxId: inbox.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    const first = (await inboxLogOf(id, { first: 1 })).webhookDeliveries!;
    expect(first.totalCount).toBe(total);
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(first.edges.map((e) => e.node.deliveryId)).toEqual([newest[0]!.id]);
    expect(first.edges[0]!.node).toMatchObject({
      destination: 'API_INBOX_WEBHOOK',
      url: `${sink.url}${path}`,
      state: 'SUCCEEDED',
      attempts: 1,
      responseStatus: 200,
      lastError: null,
    });
    const rest = (await inboxLogOf(id, { first: 50, after: first.pageInfo.endCursor! })).webhookDeliveries!;
    expect(rest.edges.map((e) => e.node.deliveryId)).toEqual(newest.slice(1).map((d) => d.id));
    expect((await inboxLogOf(id, { state: 'FAILED' })).webhookDeliveries).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('is null, as the secret is, for an agent who is a member of the inbox', async () => {
    const { inbox, id } = await inboxWithDeliveries();
    await addInboxMember(server, inbox.id, agent.id);
    const asAdmin = await inboxLogOf(id);
    expect(asAdmin.webhookSecret).toMatch(/^whsec_/);
    expect(asAdmin.webhookDeliveries?.totalCount).toBeGreaterThan(0);
    const asAgent = await inboxLog(id, {}, agent.token);
    expect(asAgent.data?.node).toMatchObject({ __typename: 'Inbox', webhookSecret: null, webhookDeliveries: null });
    expect(asAgent.errors).toBeUndefined();
  });
});

describe('Webhook.deliveries(state:)', () => {
  it('filters a webhook\'s deliveries by state', async () => {
    const hookPath = freshPath('gql-state');
    answers.set(hookPath, (h) => (h.body?.name === 'State Fails' ? 500 : 200));
    const webhook = success(
      (
        await graphql(server, server.adminToken, CreateWebhookDocument, {
          input: { accountId: globalId('Account', server.accountId), url: `${sink.url}${hookPath}`, subscriptions: ['contact_created'] },
        })
      ).data?.createWebhook,
    );
    for (const name of ['State Works', 'State Fails'])
      expect((await adminApi(server).post(accountPath(server, '/contacts'), { name })).status).toBe(200);
    await expect
      .poll(() => db().webhookDelivery.count({ where: { webhookId: webhook.databaseId, attempts: { gt: 0 } } }), { timeout: 10_000 })
      .toBe(2);
    expect((await webhookLogOf(webhook.id)).deliveries.totalCount).toBe(2);
    const pending = (await webhookLogOf(webhook.id, 'PENDING')).deliveries;
    expect(pending.totalCount).toBe(1);
    expect(pending.edges[0]!.node).toMatchObject({ state: 'PENDING', responseStatus: 500, lastError: '500 Internal Server Error' });
    expect((await webhookLogOf(webhook.id, 'SUCCEEDED')).deliveries.totalCount).toBe(1);
  });
});

describe('redeliverWebhookDelivery', () => {
  it('sends a failed delivery again with the same id, by global id or by its UUID', async () => {
    let status = 500;
    const { id, path } = await inboxWithDeliveries(() => status);
    const first = await sink.next((h) => h.path === path);
    const deliveryId = String(first.headers['webhook-id']);
    await expect.poll(async () => (await db().webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).attempts, { timeout: 10_000 }).toBe(1);
    const node = (await inboxLogOf(id)).webhookDeliveries!.edges.find((e) => e.node.deliveryId === deliveryId)!.node;
    expect(node).toMatchObject({ state: 'PENDING', attempts: 1, responseStatus: 500, lastError: '500 Internal Server Error' });

    status = 200;
    const again = success((await redeliver(node.id)).data?.redeliverWebhookDelivery);
    expect(again).toMatchObject({ deliveryId, state: 'PENDING', attempts: 1 });
    const second = await sink.next((h) => h.path === path && h !== first, 4_000);
    expect(second.headers['webhook-id']).toBe(deliveryId);
    expect(second.rawBody).toBe(first.rawBody);
    await expect.poll(async () => (await db().webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).state, { timeout: 10_000 }).toBe('succeeded');

    success((await redeliver(deliveryId)).data?.redeliverWebhookDelivery);
    const third = await sink.next((h) => h.path === path && h !== first && h !== second);
    expect(third.headers['webhook-id']).toBe(deliveryId);
  });

  it('re-enables a webhook disabled by a 410', async () => {
    let status = 410;
    const hookPath = freshPath('gql-gone');
    answers.set(hookPath, () => status);
    const webhook = success(
      (
        await graphql(server, server.adminToken, CreateWebhookDocument, {
          input: { accountId: globalId('Account', server.accountId), url: `${sink.url}${hookPath}`, subscriptions: ['contact_created'] },
        })
      ).data?.createWebhook,
    );
    expect((await adminApi(server).post(accountPath(server, '/contacts'), { name: 'Gql Gone' })).status).toBe(200);
    await expect.poll(async () => (await webhookLogOf(webhook.id)).disabledAt, { timeout: 10_000 }).not.toBeNull();
    const gone = (await webhookLogOf(webhook.id)).deliveries.edges[0]!.node;
    expect(gone).toMatchObject({ state: 'DISABLED', responseStatus: 410 });

    status = 200;
    success((await redeliver(gone.id)).data?.redeliverWebhookDelivery);
    expect((await webhookLogOf(webhook.id)).disabledAt).toBeNull();
    await expect.poll(async () => (await webhookLogOf(webhook.id, 'SUCCEEDED')).deliveries.totalCount, { timeout: 10_000 }).toBe(1);
  });

  it('refuses agents and bots, and answers foreign, unknown and malformed ids with NotFound, changing nothing', async () => {
    const { path } = await inboxWithDeliveries();
    const first = await sink.next((h) => h.path === path);
    const deliveryId = String(first.headers['webhook-id']);
    await expect.poll(async () => (await db().webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).state, { timeout: 10_000 }).toBe('succeeded');
    const gid = globalId('WebhookDelivery', deliveryId);
    expect((await redeliver(gid, agent.token)).data?.redeliverWebhookDelivery).toMatchObject(FORBIDDEN);
    expect((await redeliver(gid, bot)).data?.redeliverWebhookDelivery).toMatchObject(FORBIDDEN);
    expect((await db().webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).state).toBe('succeeded');

    const foreign = await seedForeignTenant(server);
    const theirs = await foreignDelivery(server, foreign);
    for (const id of [
      theirs.id,
      globalId('WebhookDelivery', theirs.id),
      globalId('WebhookDelivery', '00000000-0000-4000-8000-000000000000'),
      globalId('WebhookDelivery', 'not-a-uuid'),
      globalId('Webhook', 1),
      'not-a-uuid',
      '',
    ])
      expect((await redeliver(id)).data?.redeliverWebhookDelivery, id).toMatchObject(NOT_FOUND);
    expect((await db().webhookDelivery.findUniqueOrThrow({ where: { id: theirs.id } })).state).toBe('failed');
  });
});

describe('rotating secrets', () => {
  it('rotateWebhookSecret: a new secret signs the next delivery; the old one no longer verifies', async () => {
    const hookPath = freshPath('gql-rotate');
    const webhook = success(
      (
        await graphql(server, server.adminToken, CreateWebhookDocument, {
          input: { accountId: globalId('Account', server.accountId), url: `${sink.url}${hookPath}`, subscriptions: ['contact_created'] },
        })
      ).data?.createWebhook,
    );
    const rotated = success(
      (await graphql(server, server.adminToken, RotateWebhookSecretDocument, { input: { webhookId: webhook.id } })).data?.rotateWebhookSecret,
    );
    expect(rotated.id).toBe(webhook.id);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(webhook.secret);
    expect((await webhookLogOf(webhook.id)).secret).toBe(rotated.secret);

    expect((await adminApi(server).post(accountPath(server, '/contacts'), { name: 'Gql Rotated' })).status).toBe(200);
    const hook = await sink.next((h) => h.path === hookPath);
    expect(snyptoSignatureVerifies(hook, rotated.secret)).toBe(true);
    expect(standardSignatureVerifies(hook, rotated.secret)).toBe(true);
    expect(snyptoSignatureVerifies(hook, webhook.secret)).toBe(false);
    expect(standardSignatureVerifies(hook, webhook.secret)).toBe(false);

    const input = { webhookId: webhook.id };
    expect((await graphql(server, agent.token, RotateWebhookSecretDocument, { input })).data?.rotateWebhookSecret).toMatchObject(FORBIDDEN);
    expect((await graphql(server, bot, RotateWebhookSecretDocument, { input })).data?.rotateWebhookSecret).toMatchObject(FORBIDDEN);
    expect((await webhookLogOf(webhook.id)).secret).toBe(rotated.secret);
    const foreign = await seedForeignTenant(server);
    const theirs = await graphql(server, server.adminToken, RotateWebhookSecretDocument, { input: { webhookId: globalId('Webhook', foreign.webhook.id) } });
    expect(theirs.data?.rotateWebhookSecret).toMatchObject(NOT_FOUND);
    expect((await db().webhook.findUniqueOrThrow({ where: { id: foreign.webhook.id } })).secret).toBe('whsec_hook');
  });

  it('rotateInboxWebhookSecret: a new secret signs the next delivery to webhook_url; the old one no longer verifies', async () => {
    const hookPath = freshPath('gql-inbox-rotate');
    const inbox = await createInbox(server, `${sink.url}${hookPath}`);
    const id = globalId('Inbox', inbox.id);
    const old = (await inboxLogOf(id)).webhookSecret!;
    const rotated = success(
      (await graphql(server, server.adminToken, RotateInboxWebhookSecretDocument, { input: { inboxId: id } })).data?.rotateInboxWebhookSecret,
    );
    expect(rotated).toEqual({ id, webhookSecret: expect.stringMatching(/^whsec_/) });
    expect(rotated.webhookSecret).not.toBe(old);

    const { sourceId } = await createContactInInbox(server, inbox.id);
    await createConversation(server, sourceId);
    const hook = await sink.next((h) => h.path === hookPath);
    expect(snyptoSignatureVerifies(hook, rotated.webhookSecret!)).toBe(true);
    expect(standardSignatureVerifies(hook, rotated.webhookSecret!)).toBe(true);
    expect(snyptoSignatureVerifies(hook, old)).toBe(false);
    expect(standardSignatureVerifies(hook, old)).toBe(false);

    await addInboxMember(server, inbox.id, agent.id);
    const input = { inboxId: id };
    expect((await graphql(server, agent.token, RotateInboxWebhookSecretDocument, { input })).data?.rotateInboxWebhookSecret).toMatchObject(
      FORBIDDEN,
    );
    expect((await graphql(server, bot, RotateInboxWebhookSecretDocument, { input })).data?.rotateInboxWebhookSecret).toMatchObject(FORBIDDEN);
    expect((await inboxLogOf(id)).webhookSecret).toBe(rotated.webhookSecret);
    const foreign = await seedForeignTenant(server);
    const theirs = await graphql(server, server.adminToken, RotateInboxWebhookSecretDocument, {
      input: { inboxId: globalId('Inbox', foreign.inbox.id) },
    });
    expect(theirs.data?.rotateInboxWebhookSecret).toMatchObject(NOT_FOUND);
    const malformed = await graphql(server, server.adminToken, RotateInboxWebhookSecretDocument, { input: { inboxId: 'nope' } });
    expect(malformed.data?.rotateInboxWebhookSecret).toMatchObject({ __typename: 'ValidationError' });
    expect((await db().channelApi.findUniqueOrThrow({ where: { id: foreign.inbox.channelId } })).secret).toBe('whsec_foreign');
  });
});
