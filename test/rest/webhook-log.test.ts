/**
 * The webhook delivery log, redelivery and signing secrets over REST
 * (issue 6 items 4 and 6; Snypto extensions under /api/v1/accounts/:id/webhooks/…),
 * against a local sink whose answer each test chooses by path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { accountPath, adminApi, createAgent, createContactInInbox, createConversation, createInbox } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';
import { snyptoSignatureVerifies, standardSignatureVerifies } from '../support/webhook-signature.ts';
import { foreignDelivery } from '../support/webhook-deliveries.ts';
import { answersByPath, startWebhookSink, type ReceivedWebhook, type SinkAnswer, type WebhookSink } from '../support/webhook-sink.ts';

let server: TestServer;
let sink: WebhookSink;
let counter = 0;
/** The status the sink answers on each path (200 when not set). */
let answers: ReturnType<typeof answersByPath>;

beforeAll(async () => {
  server = await startServer();
  sink = await startWebhookSink();
  answers = answersByPath(sink);
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
});

const db = () => server.app.database.prisma;
const path = (p: string) => accountPath(server, p);
const NOT_AUTHORIZED = { error: 'You are not authorized to do this action' };
const NOT_FOUND = { error: 'Resource could not be found' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A webhook of the account on a fresh sink path, subscribed to contact_created. */
async function createHook(answer?: (hook: ReceivedWebhook) => SinkAnswer | Promise<SinkAnswer>) {
  const hookPath = `/log-${process.pid}-${++counter}`;
  if (answer) answers.set(hookPath, answer);
  const reply = await adminApi(server).post(path('/webhooks'), { url: `${sink.url}${hookPath}`, subscriptions: ['contact_created'] });
  expect(reply.status).toBe(200);
  return { id: reply.body.payload.webhook.id as number, path: hookPath };
}

async function createContact(name: string) {
  const reply = await adminApi(server).post(path('/contacts'), { name });
  expect(reply.status).toBe(200);
}

const received = (hookPath: string) => sink.received.filter((hook) => hook.path === hookPath);

/** The webhook's deliveries, as the log lists them. */
async function log(webhookId: number, query = '') {
  const reply = await adminApi(server).get(path(`/webhooks/${webhookId}/deliveries${query}`));
  expect(reply.status, reply.text).toBe(200);
  return reply.body as { meta: { count: number; current_page: number }; payload: Record<string, any>[] };
}

describe('delivery log and redelivery', () => {
  it('logs a failed attempt with its status and error, and redelivers it with the same delivery id and body', async () => {
    let status = 500;
    const hook = await createHook(() => status);
    await createContact('Log Failure');
    const first = await sink.next((h) => h.path === hook.path);
    await expect.poll(async () => (await log(hook.id)).payload[0]?.attempts, { timeout: 10_000 }).toBe(1);

    const listed = await log(hook.id);
    expect(listed.meta).toEqual({ count: 1, current_page: 1 });
    const delivery = listed.payload[0]!;
    expect(delivery).toEqual({
      id: first.headers['webhook-id'],
      event: 'contact_created',
      destination: 'account_webhook',
      webhook_id: hook.id,
      inbox_id: null,
      url: `${sink.url}${hook.path}`,
      state: 'pending',
      attempts: 1,
      response_status: 500,
      duration_ms: expect.any(Number),
      last_error: '500 Internal Server Error',
      next_attempt_at: expect.any(Number),
      last_attempt_at: expect.any(Number),
      created_at: expect.any(Number),
    });
    expect(delivery.id).toMatch(UUID);
    // The schedule's second attempt waits 5 s; the redelivery does not.
    expect(delivery.next_attempt_at).toBeGreaterThanOrEqual(delivery.last_attempt_at + 4);

    status = 200;
    const redelivered = await adminApi(server).post(path(`/webhooks/deliveries/${delivery.id}/redeliver`));
    expect(redelivered.status).toBe(200);
    expect(redelivered.body).toMatchObject({ id: delivery.id, state: 'pending', attempts: 1 });
    expect(redelivered.body.next_attempt_at).toBeLessThan(delivery.next_attempt_at);

    const second = await sink.next((h) => h.path === hook.path && h !== first, 4_000);
    expect(second.headers['webhook-id']).toBe(delivery.id);
    expect(second.headers['x-snypto-delivery']).toBe(delivery.id);
    expect(second.rawBody).toBe(first.rawBody);
    await expect.poll(async () => (await log(hook.id)).payload[0]?.state, { timeout: 10_000 }).toBe('succeeded');
    expect((await log(hook.id)).payload[0]).toMatchObject({ attempts: 2, response_status: 200, last_error: null });
  });

  it('redelivers a delivery that already succeeded, again with the same id', async () => {
    const hook = await createHook();
    await createContact('Log Again');
    const first = await sink.next((h) => h.path === hook.path);
    await expect.poll(async () => (await log(hook.id)).payload[0]?.state, { timeout: 10_000 }).toBe('succeeded');
    const id = String(first.headers['webhook-id']);
    expect((await adminApi(server).post(path(`/webhooks/deliveries/${id}/redeliver`))).status).toBe(200);
    const second = await sink.next((h) => h.path === hook.path && h !== first);
    expect(second.headers['webhook-id']).toBe(id);
    await expect.poll(async () => (await log(hook.id)).payload[0]?.attempts, { timeout: 10_000 }).toBe(2);
  });

  it('refuses to redeliver a delivery while a worker is sending it (422), and redelivers it once the attempt ends', async () => {
    let release!: (status: number) => void;
    const held = new Promise<number>((resolve) => (release = resolve));
    const hook = await createHook(() => held);
    await createContact('Held Answer');
    const first = await sink.next((h) => h.path === hook.path);
    const id = String(first.headers['webhook-id']);
    const refused = await adminApi(server).post(path(`/webhooks/deliveries/${id}/redeliver`));
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({ error: 'Delivery is being attempted right now; redeliver it when the attempt ends' });

    release(200);
    await expect.poll(async () => (await log(hook.id)).payload[0]?.state, { timeout: 10_000 }).toBe('succeeded');
    expect((await log(hook.id)).payload[0]?.attempts).toBe(1);
    expect((await adminApi(server).post(path(`/webhooks/deliveries/${id}/redeliver`))).status).toBe(200);
    await expect.poll(async () => (await log(hook.id)).payload[0]?.attempts, { timeout: 10_000 }).toBe(2);
  });

  it('disables a webhook that answers 410, plans nothing more for it, and re-enables it on redelivery', async () => {
    let status = 410;
    const hook = await createHook(() => status);
    await createContact('Gone One');
    await sink.next((h) => h.path === hook.path);
    await expect.poll(async () => (await log(hook.id)).payload[0]?.state, { timeout: 10_000 }).toBe('disabled');
    const gone = (await log(hook.id)).payload[0]!;
    expect(gone).toMatchObject({ response_status: 410, attempts: 1, last_error: expect.stringContaining('410') });
    expect((await db().webhook.findUniqueOrThrow({ where: { id: hook.id } })).disabledAt).not.toBeNull();

    await createContact('Gone Two');
    expect((await log(hook.id)).meta.count).toBe(1);

    status = 200;
    const redelivered = await adminApi(server).post(path(`/webhooks/deliveries/${gone.id}/redeliver`));
    expect(redelivered.status).toBe(200);
    expect((await db().webhook.findUniqueOrThrow({ where: { id: hook.id } })).disabledAt).toBeNull();
    await expect.poll(async () => (await log(hook.id)).payload[0]?.state, { timeout: 10_000 }).toBe('succeeded');
    expect(received(hook.path).filter((h) => h.headers['webhook-id'] === gone.id)).toHaveLength(2);

    await createContact('Back Again');
    await sink.next((h) => h.path === hook.path && h.body?.name === 'Back Again');
    expect((await log(hook.id)).meta.count).toBe(2);
  });

  it('pages 25 deliveries a page, newest first, and filters by state', async () => {
    const hook = await createHook((h) => (h.body?.name === 'Page Fails' ? 500 : 200));
    for (let i = 1; i <= 26; i++) await createContact(`Page ${i}`);
    await createContact('Page Fails');
    await expect
      .poll(() => db().webhookDelivery.count({ where: { webhookId: hook.id, attempts: { gt: 0 } } }), { timeout: 20_000 })
      .toBe(27);

    const first = await log(hook.id);
    expect(first.meta).toEqual({ count: 27, current_page: 1 });
    expect(first.payload).toHaveLength(25);
    const newest = await db().webhookDelivery.findMany({ where: { webhookId: hook.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    expect(first.payload.map((d) => d.id)).toEqual(newest.slice(0, 25).map((d) => d.id));
    expect(first.payload[0]!.created_at).toBeGreaterThanOrEqual(first.payload[24]!.created_at);

    const second = await log(hook.id, '?page=2');
    expect(second.meta).toEqual({ count: 27, current_page: 2 });
    expect(second.payload.map((d) => d.id)).toEqual(newest.slice(25).map((d) => d.id));
    expect((await log(hook.id, '?page=9')).payload).toEqual([]);
    expect((await log(hook.id, '?page=abc')).meta.current_page).toBe(1);

    const pending = await log(hook.id, '?state=pending');
    expect(pending.meta.count).toBe(1);
    expect(pending.payload[0]).toMatchObject({ state: 'pending', response_status: 500 });
    expect((await log(hook.id, '?state=succeeded')).meta.count).toBe(26);
    expect((await log(hook.id, '?state=succeeded&page=2')).payload).toHaveLength(1);
    expect((await log(hook.id, '?state=failed')).meta.count).toBe(0);

    const bad = await adminApi(server).get(path(`/webhooks/${hook.id}/deliveries?state=lost`));
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ message: 'State is not included in the list', attributes: ['state'] });
  });

  it('lists the deliveries to an API inbox\'s webhook_url, not those of account webhooks', async () => {
    const inboxPath = `/inbox-log-${process.pid}-${++counter}`;
    const hook = await createHook();
    const inbox = await createInbox(server, `${sink.url}${inboxPath}`);
    const { sourceId } = await createContactInInbox(server, inbox.id);
    await createConversation(server, sourceId);
    const delivered = await sink.next((h) => h.path === inboxPath && h.body?.event === 'conversation_created');

    await expect
      .poll(async () => (await adminApi(server).get(path(`/webhooks/inboxes/${inbox.id}/deliveries?state=succeeded`))).body.meta.count, {
        timeout: 10_000,
      })
      .toBe(1);
    const reply = await adminApi(server).get(path(`/webhooks/inboxes/${inbox.id}/deliveries`));
    expect(reply.status).toBe(200);
    expect(reply.body.meta).toEqual({ count: 1, current_page: 1 });
    expect(reply.body.payload[0]).toMatchObject({
      id: delivered.headers['webhook-id'],
      event: 'conversation_created',
      destination: 'api_inbox_webhook',
      webhook_id: null,
      inbox_id: inbox.id,
      url: `${sink.url}${inboxPath}`,
      state: 'succeeded',
      attempts: 1,
      response_status: 200,
    });
    // The account webhook got the contact's event; the inbox's log does not show it.
    await sink.next((h) => h.path === hook.path);
    expect(reply.body.payload.every((d: { destination: string }) => d.destination === 'api_inbox_webhook')).toBe(true);

    const empty = await createInbox(server);
    expect((await adminApi(server).get(path(`/webhooks/inboxes/${empty.id}/deliveries`))).body).toEqual({
      meta: { count: 0, current_page: 1 },
      payload: [],
    });
  });
});

describe('signing secrets', () => {
  it('shows and rotates an account webhook\'s secret; the next delivery verifies with the new one only', async () => {
    const hook = await createHook();
    const shown = await adminApi(server).get(path(`/webhooks/${hook.id}/secret`));
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({ secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+={0,2}$/) });
    const old = shown.body.secret as string;

    await createContact('Signed Before');
    const before = await sink.next((h) => h.path === hook.path && h.body?.name === 'Signed Before');
    expect(snyptoSignatureVerifies(before, old)).toBe(true);
    expect(standardSignatureVerifies(before, old)).toBe(true);

    const rotated = await adminApi(server).post(path(`/webhooks/${hook.id}/rotate_secret`));
    expect(rotated.status).toBe(200);
    const secret = rotated.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(old);
    expect((await adminApi(server).get(path(`/webhooks/${hook.id}/secret`))).body).toEqual({ secret });

    await createContact('Signed After');
    const after = await sink.next((h) => h.path === hook.path && h.body?.name === 'Signed After');
    expect(snyptoSignatureVerifies(after, secret)).toBe(true);
    expect(standardSignatureVerifies(after, secret)).toBe(true);
    expect(snyptoSignatureVerifies(after, old)).toBe(false);
    expect(standardSignatureVerifies(after, old)).toBe(false);
  });

  it('signs a retry of an earlier delivery with the rotated secret', async () => {
    let status = 500;
    const hook = await createHook(() => status);
    const old = (await adminApi(server).get(path(`/webhooks/${hook.id}/secret`))).body.secret as string;
    await createContact('Retry Signed');
    const first = await sink.next((h) => h.path === hook.path);
    expect(snyptoSignatureVerifies(first, old)).toBe(true);
    await expect.poll(async () => (await log(hook.id)).payload[0]?.attempts, { timeout: 10_000 }).toBe(1);

    const secret = (await adminApi(server).post(path(`/webhooks/${hook.id}/rotate_secret`))).body.secret as string;
    status = 200;
    expect((await adminApi(server).post(path(`/webhooks/deliveries/${first.headers['webhook-id']}/redeliver`))).status).toBe(200);
    const retry = await sink.next((h) => h.path === hook.path && h !== first);
    expect(retry.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(snyptoSignatureVerifies(retry, secret)).toBe(true);
    expect(snyptoSignatureVerifies(retry, old)).toBe(false);
  });

  it('shows and rotates an API inbox\'s secret; the next delivery to its webhook_url verifies with the new one only', async () => {
    const inboxPath = `/inbox-secret-${process.pid}-${++counter}`;
    const inbox = await createInbox(server, `${sink.url}${inboxPath}`);
    const shown = await adminApi(server).get(path(`/webhooks/inboxes/${inbox.id}/secret`));
    expect(shown.status).toBe(200);
    const old = shown.body.secret as string;
    const channel = await db().inbox.findUniqueOrThrow({ where: { id: inbox.id }, select: { channel: { select: { secret: true } } } });
    expect(old).toBe(channel.channel.secret);

    const rotated = await adminApi(server).post(path(`/webhooks/inboxes/${inbox.id}/rotate_secret`));
    expect(rotated.status).toBe(200);
    const secret = rotated.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(old);
    expect((await adminApi(server).get(path(`/webhooks/inboxes/${inbox.id}/secret`))).body).toEqual({ secret });

    const { sourceId } = await createContactInInbox(server, inbox.id);
    await createConversation(server, sourceId);
    const hook = await sink.next((h) => h.path === inboxPath);
    expect(snyptoSignatureVerifies(hook, secret)).toBe(true);
    expect(standardSignatureVerifies(hook, secret)).toBe(true);
    expect(snyptoSignatureVerifies(hook, old)).toBe(false);
    expect(standardSignatureVerifies(hook, old)).toBe(false);
  });
});

describe('who may use the log', () => {
  it('refuses agents with 401 on every endpoint, changing nothing', async () => {
    const agent = await createAgent(server);
    const hook = await createHook();
    const inbox = await createInbox(server);
    await createContact('Agent Refused');
    await sink.next((h) => h.path === hook.path);
    const [delivery] = (await log(hook.id)).payload;
    const before = await db().webhook.findUniqueOrThrow({ where: { id: hook.id } });
    const api = client(server.url, agent.token);
    for (const reply of [
      await api.get(path(`/webhooks/${hook.id}/deliveries`)),
      await api.get(path(`/webhooks/inboxes/${inbox.id}/deliveries`)),
      await api.post(path(`/webhooks/deliveries/${delivery!.id}/redeliver`)),
      await api.get(path(`/webhooks/${hook.id}/secret`)),
      await api.post(path(`/webhooks/${hook.id}/rotate_secret`)),
      await api.get(path(`/webhooks/inboxes/${inbox.id}/secret`)),
      await api.post(path(`/webhooks/inboxes/${inbox.id}/rotate_secret`)),
    ]) {
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(NOT_AUTHORIZED);
    }
    expect((await db().webhook.findUniqueOrThrow({ where: { id: hook.id } })).secret).toBe(before.secret);
  });

  it('answers unknown, foreign and malformed webhook, inbox and delivery ids with 404, changing nothing', async () => {
    const foreign = await seedForeignTenant(server);
    const delivery = await foreignDelivery(server, foreign);
    const api = adminApi(server);
    for (const id of ['999999', String(foreign.webhook.id), 'abc', '99999999999999999999']) {
      for (const reply of [
        await api.get(path(`/webhooks/${id}/deliveries`)),
        await api.get(path(`/webhooks/${id}/secret`)),
        await api.post(path(`/webhooks/${id}/rotate_secret`)),
      ]) {
        expect(reply.status, `${id}: ${reply.text}`).toBe(404);
        expect(reply.body).toEqual(NOT_FOUND);
      }
    }
    for (const id of ['999999', String(foreign.inbox.id), 'abc']) {
      for (const reply of [
        await api.get(path(`/webhooks/inboxes/${id}/deliveries`)),
        await api.get(path(`/webhooks/inboxes/${id}/secret`)),
        await api.post(path(`/webhooks/inboxes/${id}/rotate_secret`)),
      ]) {
        expect(reply.status, `${id}: ${reply.text}`).toBe(404);
        expect(reply.body).toEqual(NOT_FOUND);
      }
    }
    for (const id of [delivery.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid', '123', `${delivery.id}x`]) {
      const reply = await api.post(path(`/webhooks/deliveries/${id}/redeliver`));
      expect(reply.status, `${id}: ${reply.text}`).toBe(404);
      expect(reply.body).toEqual(NOT_FOUND);
    }
    expect((await db().webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).state).toBe('failed');
    expect((await db().webhook.findUniqueOrThrow({ where: { id: foreign.webhook.id } })).secret).toBe('whsec_hook');
    expect((await db().channelApi.findUniqueOrThrow({ where: { id: foreign.inbox.channelId } })).secret).toBe('whsec_foreign');
  });

  it('keeps other accounts out through their own account path', async () => {
    const foreign = await seedForeignTenant(server);
    const reply = await adminApi(server).get(`/api/v1/accounts/${foreign.account.id}/webhooks/${foreign.webhook.id}/deliveries`);
    expect(reply.status).toBe(401);
    const secret = await adminApi(server).get(`/api/v1/accounts/${foreign.account.id}/webhooks/inboxes/${foreign.inbox.id}/secret`);
    expect(secret.status).toBe(401);
    expect(JSON.stringify(secret.body)).not.toContain('whsec_');
  });
});
