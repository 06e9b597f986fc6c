/**
 * Account webhooks and their deliveries over GraphQL (spec/API.md §3.7,
 * spec/EVENTS.md §1.2): each mutation's success and failures (typed errors
 * with nothing changed), and the delivery log, newest first.
 *
 * Decision: webhooks are for administrators only. `Account.webhooks` answers
 * anyone else with a typed ForbiddenError (not an empty list), and a webhook
 * or delivery reached by `node(id)` is null with an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountWebhooksDocument,
  CreateWebhookDocument,
  DeleteWebhookDocument,
  UpdateInboxDocument,
  UpdateWebhookDocument,
  WebhookNodeDocument,
  type CreateWebhookInput,
} from '../generated/graphql.ts';
import { globalId, graphql, success } from '../support/graphql.ts';
import { accountPath, adminApi, createAgent, createInbox } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.ts';

let server: TestServer;
let sink: WebhookSink;
let account: string;
let agent: Awaited<ReturnType<typeof createAgent>>;
let bot: { id: number; token: string };
let other: Awaited<ReturnType<typeof seedOtherAccount>>;
let counter = 0;

const db = () => server.app.database.prisma;
const BOT_REFUSAL = { __typename: 'ForbiddenError', code: 'FORBIDDEN', message: 'Access to this endpoint is not authorized for bots' };
const FORBIDDEN = { __typename: 'ForbiddenError', code: 'FORBIDDEN' };
const DEFAULT_SUBSCRIPTIONS = [
  'conversation_status_changed',
  'conversation_updated',
  'conversation_created',
  'contact_created',
  'contact_updated',
  'message_created',
  'message_updated',
  'webwidget_triggered',
];

beforeAll(async () => {
  server = await startServer();
  sink = await startWebhookSink();
  account = globalId('Account', server.accountId);
  agent = await createAgent(server);
  other = await seedOtherAccount();
  const created = await db().agentBot.create({ data: { accountId: server.accountId, name: 'Helper bot' } });
  bot = { id: created.id, token: `webhook-bot-token-${created.id}-abcdefgh` };
  await db().accessToken.create({ data: { token: bot.token, agentBotId: bot.id } });
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
});

/** Another tenant, with its inbox and webhook. */
async function seedOtherAccount() {
  const { inbox, webhook } = await seedForeignTenant(server);
  return { inbox, webhook };
}

const url = () => `https://hooks.example/${process.pid}/${++counter}`;
const create = (input: Partial<CreateWebhookInput> & Record<string, unknown>, token = server.adminToken) =>
  graphql(server, token, CreateWebhookDocument, { input: { accountId: account, url: url(), ...input } });
const webhookCount = () => db().webhook.count();
const problemsOf = (result: { __typename?: string; problems?: { path: string[]; message: string }[] } | undefined | null) =>
  result?.__typename === 'ValidationError' ? result.problems : result;

describe('createWebhook', () => {
  it('creates a webhook with the default subscriptions and a signing secret, listed for administrators', async () => {
    const first = success((await create({})).data?.createWebhook);
    expect(first).toMatchObject({ name: null, subscriptions: DEFAULT_SUBSCRIPTIONS, disabledAt: null, inbox: null });
    expect(first.secret).toMatch(/^whsec_/);
    const { id: inboxId } = await createInbox(server);
    const second = success(
      (
        await create({
          name: 'Everything about messages',
          inboxId: globalId('Inbox', inboxId),
          subscriptions: ['message_created', 'message_updated', 'message_created', 'inbox_updated'],
        })
      ).data?.createWebhook,
    );
    expect(second).toMatchObject({
      name: 'Everything about messages',
      subscriptions: ['message_created', 'message_updated', 'inbox_updated'],
      inbox: { databaseId: inboxId },
    });
    const listed = success((await graphql(server, server.adminToken, AccountWebhooksDocument, { id: account })).data?.account).webhooks;
    const ids = success(listed).map((w) => w.id);
    expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
  });

  it('answers a bad url, unknown or missing subscriptions and a taken url with field paths, creating nothing', async () => {
    const taken = success((await create({})).data?.createWebhook).url;
    const before = await webhookCount();
    const cases: [Record<string, unknown>, { path: string[]; message: string }[]][] = [
      [{ url: 'ftp://files.example/hook' }, [{ path: ['url'], message: 'Url is invalid' }]],
      [{ url: 'not a url' }, [{ path: ['url'], message: 'Url is invalid' }]],
      [{ url: `https://long.example/${'a'.repeat(2048)}` }, [{ path: ['url'], message: 'Url is too long (maximum is 2048 characters)' }]],
      [{ subscriptions: ['message_created', 'message_exploded'] }, [{ path: ['subscriptions'], message: 'Subscriptions Invalid events' }]],
      [{ subscriptions: [] }, [{ path: ['subscriptions'], message: 'Subscriptions Invalid events' }]],
      [{ url: taken }, [{ path: ['url'], message: 'Url has already been taken' }]],
      [{ inboxId: 'garbage' }, [{ path: ['inboxId'], message: 'inboxId is not a valid Inbox id' }]],
    ];
    for (const [input, problems] of cases) {
      const result = (await create(input)).data?.createWebhook;
      expect(result?.__typename, JSON.stringify(input).slice(0, 80)).toBe('ValidationError');
      expect(problemsOf(result)).toEqual(problems);
    }
    const foreignInbox = await create({ inboxId: globalId('Inbox', other.inbox.id) });
    expect(foreignInbox.data?.createWebhook).toMatchObject({ __typename: 'NotFoundError', message: 'Inbox not found' });
    expect(await webhookCount()).toBe(before);
  });

  it('refuses agents and bots, and other accounts', async () => {
    const before = await webhookCount();
    expect((await create({}, agent.token)).data?.createWebhook).toMatchObject(FORBIDDEN);
    expect((await create({}, bot.token)).data?.createWebhook).toMatchObject(BOT_REFUSAL);
    const foreign = await graphql(server, server.adminToken, CreateWebhookDocument, {
      input: { accountId: globalId('Account', other.inbox.accountId), url: url() },
    });
    expect(foreign.data?.createWebhook).toMatchObject({ __typename: 'NotFoundError' });
    expect(await webhookCount()).toBe(before);
  });
});

describe('who sees webhooks', () => {
  it('answers Account.webhooks with a ForbiddenError for agents and bots, and node(id) with null', async () => {
    const webhook = success((await create({})).data?.createWebhook);
    const asAgent = success((await graphql(server, agent.token, AccountWebhooksDocument, { id: account })).data?.account);
    expect(asAgent.webhooks).toMatchObject(FORBIDDEN);
    const asBot = success((await graphql(server, bot.token, AccountWebhooksDocument, { id: account })).data?.account);
    expect(asBot.webhooks).toMatchObject(BOT_REFUSAL);
    const node = await graphql(server, agent.token, WebhookNodeDocument, { id: webhook.id });
    expect(node.data?.node).toBeNull();
    expect(node.errors?.length).toBeGreaterThan(0);
    expect((await graphql(server, server.adminToken, WebhookNodeDocument, { id: webhook.id })).data?.node).toEqual({
      __typename: 'Webhook',
      url: webhook.url,
    });
    expect((await graphql(server, server.adminToken, WebhookNodeDocument, { id: globalId('Webhook', other.webhook.id) })).data?.node).toBeNull();
  });
});

describe('updateWebhook', () => {
  it('changes url and subscriptions, and clears name and inbox with null', async () => {
    const { id: inboxId } = await createInbox(server);
    const webhook = success((await create({ name: 'Old', inboxId: globalId('Inbox', inboxId) })).data?.createWebhook);
    const newUrl = url();
    const reply = await graphql(server, server.adminToken, UpdateWebhookDocument, {
      input: { id: webhook.id, url: newUrl, name: null, inboxId: null, subscriptions: ['conversation_typing_on'] },
    });
    expect(success(reply.data?.updateWebhook)).toMatchObject({
      url: newUrl,
      name: null,
      inbox: null,
      subscriptions: ['conversation_typing_on'],
      secret: webhook.secret,
    });
    const same = await graphql(server, server.adminToken, UpdateWebhookDocument, { input: { id: webhook.id, url: newUrl, name: 'Kept' } });
    expect(success(same.data?.updateWebhook)).toMatchObject({ url: newUrl, name: 'Kept', subscriptions: ['conversation_typing_on'] });
  });

  it('answers bad input, a taken url and foreign webhooks with typed errors, changing nothing', async () => {
    const taken = success((await create({})).data?.createWebhook);
    const webhook = success((await create({})).data?.createWebhook);
    const before = await db().webhook.findUniqueOrThrow({ where: { id: webhook.databaseId } });
    const update = (input: Record<string, unknown>, token = server.adminToken) =>
      graphql(server, token, UpdateWebhookDocument, { input: { id: webhook.id, ...input } });
    expect(problemsOf((await update({ url: taken.url })).data?.updateWebhook)).toEqual([
      { path: ['url'], message: 'Url has already been taken' },
    ]);
    expect(problemsOf((await update({ url: 'javascript:alert(1)', subscriptions: ['nope'] })).data?.updateWebhook)).toEqual([
      { path: ['url'], message: 'Url is invalid' },
      { path: ['subscriptions'], message: 'Subscriptions Invalid events' },
    ]);
    expect((await update({ inboxId: globalId('Inbox', other.inbox.id) })).data?.updateWebhook).toMatchObject({ __typename: 'NotFoundError' });
    expect((await update({ name: 'Mine' }, agent.token)).data?.updateWebhook).toMatchObject(FORBIDDEN);
    expect((await update({ name: 'Mine' }, bot.token)).data?.updateWebhook).toMatchObject(BOT_REFUSAL);
    expect(await db().webhook.findUniqueOrThrow({ where: { id: webhook.databaseId } })).toEqual(before);

    const foreign = await graphql(server, server.adminToken, UpdateWebhookDocument, {
      input: { id: globalId('Webhook', other.webhook.id), name: 'Mine' },
    });
    expect(foreign.data?.updateWebhook).toMatchObject({ __typename: 'NotFoundError', message: 'Webhook not found' });
    const malformed = await graphql(server, server.adminToken, UpdateWebhookDocument, { input: { id: 'Webhook:1', name: 'x' } });
    expect(problemsOf(malformed.data?.updateWebhook)).toEqual([{ path: ['id'], message: 'id is not a valid Webhook id' }]);
    expect((await db().webhook.findUniqueOrThrow({ where: { id: other.webhook.id } })).name).toBeNull();
  });
});

describe('deleteWebhook', () => {
  it('deletes a webhook and returns its id; agents and bots are refused; gone is NotFound', async () => {
    const webhook = success((await create({})).data?.createWebhook);
    const input = { id: webhook.id };
    expect((await graphql(server, agent.token, DeleteWebhookDocument, { input })).data?.deleteWebhook).toMatchObject(FORBIDDEN);
    expect((await graphql(server, bot.token, DeleteWebhookDocument, { input })).data?.deleteWebhook).toMatchObject(BOT_REFUSAL);
    expect(await db().webhook.findUnique({ where: { id: webhook.databaseId } })).not.toBeNull();
    expect(success((await graphql(server, server.adminToken, DeleteWebhookDocument, { input })).data?.deleteWebhook)).toBe(webhook.id);
    expect(await db().webhook.findUnique({ where: { id: webhook.databaseId } })).toBeNull();
    const again = await graphql(server, server.adminToken, DeleteWebhookDocument, { input });
    expect(again.data?.deleteWebhook).toMatchObject({ __typename: 'NotFoundError' });
    const foreign = await graphql(server, server.adminToken, DeleteWebhookDocument, { input: { id: globalId('Webhook', other.webhook.id) } });
    expect(foreign.data?.deleteWebhook).toMatchObject({ __typename: 'NotFoundError' });
    expect(await db().webhook.findUnique({ where: { id: other.webhook.id } })).not.toBeNull();
  });
});

describe('webhook deliveries', () => {
  it('delivers inbox_updated with Chatwoot\'s changed_attributes to a subscribed webhook', async () => {
    const path = `/inbox-events-${++counter}`;
    success((await create({ url: `${sink.url}${path}`, subscriptions: ['inbox_updated'] })).data?.createWebhook);
    const { id, name } = await createInbox(server);
    success(
      (await graphql(server, server.adminToken, UpdateInboxDocument, { input: { id: globalId('Inbox', id), name: 'Renamed for hooks' } }))
        .data?.updateInbox,
    );
    const hook = await sink.next((h) => h.path === path);
    expect(hook.body).toMatchObject({ event: 'inbox_updated', channel: { id: expect.any(Number) } });
    expect(hook.body.changed_attributes).toEqual([
      { name: { previous_value: name, current_value: 'Renamed for hooks' } },
      { updated_at: { previous_value: expect.any(String), current_value: expect.any(String) } },
    ]);
  });

  it('lists a webhook\'s deliveries newest first, with the outcome of each attempt', async () => {
    const webhook = success(
      (await create({ url: `${sink.url}/deliveries-${++counter}`, subscriptions: ['contact_created'] })).data?.createWebhook,
    );
    for (const name of ['First', 'Second'])
      expect((await adminApi(server).post(accountPath(server, '/contacts'), { name })).status).toBe(200);
    await sink.next((hook) => hook.path === new URL(webhook.url).pathname && hook.body?.name === 'Second');
    await expect
      .poll(() => db().webhookDelivery.count({ where: { webhookId: webhook.databaseId, state: 'succeeded' } }), { timeout: 10_000 })
      .toBe(2);

    const listed = success((await graphql(server, server.adminToken, AccountWebhooksDocument, { id: account, deliveries: 1 })).data?.account);
    const found = success(listed.webhooks).find((w) => w.id === webhook.id)!;
    expect(found.deliveries.totalCount).toBe(2);
    expect(found.deliveries.edges).toHaveLength(1);
    const newest = await db().webhookDelivery.findFirstOrThrow({
      where: { webhookId: webhook.databaseId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    expect(found.deliveries.edges[0]?.node).toMatchObject({
      deliveryId: newest.id,
      eventName: 'contact_created',
      destination: 'ACCOUNT_WEBHOOK',
      url: webhook.url,
      state: 'SUCCEEDED',
      attempts: 1,
      responseStatus: 200,
      lastError: null,
    });
    expect(found.deliveries.edges[0]?.node.durationMs).toEqual(expect.any(Number));
    expect(found.deliveries.edges[0]?.node.lastAttemptAt).toEqual(expect.any(String));

    const deliveryGid = found.deliveries.edges[0]!.node.id;
    expect((await graphql(server, server.adminToken, WebhookNodeDocument, { id: deliveryGid })).data?.node).toEqual({
      __typename: 'WebhookDelivery',
    });
    const asAgent = await graphql(server, agent.token, WebhookNodeDocument, { id: deliveryGid });
    expect(asAgent.data?.node).toBeNull();
  });
});
