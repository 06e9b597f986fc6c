/**
 * Delivery guarantees (issue 6 item 3, 7): failed deliveries are retried on
 * the Standard Webhooks schedule with the same delivery id, Retry-After is
 * honoured on 429 and 503, 410 disables the endpoint, redirects are not
 * followed, and a slow receiver holds no one else's deliveries. The worker's
 * clock is the test's, so hours of schedule pass in milliseconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETRY_SCHEDULE_MS } from '../../src/webhooks/worker.ts';
import { seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import {
  advanceWorker,
  createAccountWebhook,
  deliveriesOfMessage,
  deliveriesSettled,
  deliveryAfter,
  postMessage,
  retryDelay,
  TestClock,
  waitFor,
} from '../support/webhook-deliveries.ts';
import { sinkPool, type WebhookSink } from '../support/webhook-sink.ts';

const clock = new TestClock();
let server: TestServer;
const sinks = sinkPool();

beforeAll(async () => {
  server = await startServer({ WEBHOOK_TIMEOUT: '1' }, undefined, { clock: clock.now });
});
afterAll(async () => {
  await server?.stop();
  await sinks.closeAll();
});

const sink = () => sinks.start();
const advance = (ms: number) => advanceWorker(server, clock, ms);

const messageHooks = (receiver: WebhookSink, messageId: number) =>
  receiver.received.filter((hook) => hook.body.event === 'message_created' && hook.body.id === messageId);

describe('retries', () => {
  it('retries a 500 after 5 s, 5 min, 30 min with the same delivery id, and succeeds on the fourth attempt', async () => {
    const receiver = await sink();
    receiver.respondWith(() => 500);
    const { conversation } = await seedConversation(server, `${receiver.url}/hook`);
    const messageId = await postMessage(server, conversation.id, 'retry me');

    const first = await deliveryAfter(server, messageId, 1);
    expect(first).toMatchObject({ state: 'pending', responseStatus: 500, lastError: '500 Internal Server Error' });
    expect(retryDelay(first)).toBe(5_000);

    advance(5_000);
    const second = await deliveryAfter(server, messageId, 2);
    expect(second.state).toBe('pending');
    expect(retryDelay(second)).toBe(300_000);

    advance(300_000);
    const third = await deliveryAfter(server, messageId, 3);
    expect(retryDelay(third)).toBe(1_800_000);

    receiver.respondWith(() => 200);
    advance(1_800_000);
    const fourth = await deliveryAfter(server, messageId, 4);
    expect(fourth).toMatchObject({ state: 'succeeded', responseStatus: 200, lastError: null });

    const hooks = messageHooks(receiver, messageId);
    expect(hooks).toHaveLength(4);
    expect(new Set(hooks.map((hook) => hook.headers['webhook-id']))).toEqual(new Set([first.id]));
    expect(new Set(hooks.map((hook) => hook.headers['x-snypto-delivery']))).toEqual(new Set([first.id]));
    expect(new Set(hooks.map((hook) => hook.rawBody)).size).toBe(1);
  });

  it('does not send a delivery before its retry is due', async () => {
    const receiver = await sink();
    receiver.respondWith(() => 500);
    const { conversation } = await seedConversation(server, `${receiver.url}/early`);
    const messageId = await postMessage(server, conversation.id, 'not yet');
    await deliveryAfter(server, messageId, 1);
    advance(4_000);
    // The worker has looked again at 4 s and sent all that was due by then.
    await deliveriesSettled(server);
    expect(messageHooks(receiver, messageId)).toHaveLength(1);
    advance(1_000);
    await deliveryAfter(server, messageId, 2);
    expect(messageHooks(receiver, messageId)).toHaveLength(2);
  });

  it('walks the whole schedule (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h) and then gives up', async () => {
    expect(RETRY_SCHEDULE_MS).toEqual([0, 5e3, 5 * 60e3, 30 * 60e3, 2 * 3600e3, 5 * 3600e3, 10 * 3600e3, 14 * 3600e3, 20 * 3600e3, 24 * 3600e3]);
    const receiver = await sink();
    receiver.respondWith(() => 503);
    const { conversation } = await seedConversation(server, `${receiver.url}/always-down`);
    const messageId = await postMessage(server, conversation.id, 'never arrives');
    for (let attempt = 1; attempt < RETRY_SCHEDULE_MS.length; attempt++) {
      const delivery = await deliveryAfter(server, messageId, attempt);
      expect(delivery.state).toBe('pending');
      expect(retryDelay(delivery)).toBe(RETRY_SCHEDULE_MS[attempt]);
      advance(RETRY_SCHEDULE_MS[attempt]!);
    }
    const last = await deliveryAfter(server, messageId, RETRY_SCHEDULE_MS.length);
    expect(last).toMatchObject({ state: 'failed', attempts: 10, responseStatus: 503 });
    advance(48 * 3600e3);
    await deliveriesSettled(server);
    expect(messageHooks(receiver, messageId)).toHaveLength(10);
  });
});

describe('Retry-After', () => {
  it('waits the seconds a 429 asks for when longer than the schedule', async () => {
    const receiver = await sink();
    receiver.respondWith(() => ({ status: 429, headers: { 'retry-after': '120' } }));
    const { conversation } = await seedConversation(server, `${receiver.url}/busy`);
    const messageId = await postMessage(server, conversation.id, 'slow down');
    const delivery = await deliveryAfter(server, messageId, 1);
    expect(delivery).toMatchObject({ state: 'pending', responseStatus: 429 });
    expect(retryDelay(delivery)).toBe(120_000);
  });

  it('waits until the HTTP date a 503 names', async () => {
    const receiver = await sink();
    receiver.respondWith(() => ({
      status: 503,
      headers: { 'retry-after': new Date(clock.now().getTime() + 600_000).toUTCString() },
    }));
    const { conversation } = await seedConversation(server, `${receiver.url}/maintenance`);
    const messageId = await postMessage(server, conversation.id, 'come back later');
    const delivery = await deliveryAfter(server, messageId, 1);
    expect(delivery.responseStatus).toBe(503);
    // An HTTP date has whole seconds: the wait is the 10 minutes less the part of a second already gone.
    expect(retryDelay(delivery)).toBeGreaterThan(598_000);
    expect(retryDelay(delivery)).toBeLessThanOrEqual(600_000);
  });

  it('keeps the schedule when Retry-After asks for less, or is not a time', async () => {
    const receiver = await sink();
    receiver.respondWith((hook) => ({ status: 429, headers: { 'retry-after': hook.path === '/short' ? '1' : 'soon' } }));
    for (const path of ['/short', '/garbage']) {
      const { conversation } = await seedConversation(server, `${receiver.url}${path}`);
      const messageId = await postMessage(server, conversation.id, path);
      expect(retryDelay(await deliveryAfter(server, messageId, 1))).toBe(5_000);
    }
  });

  it('ignores Retry-After on other statuses', async () => {
    const receiver = await sink();
    receiver.respondWith(() => ({ status: 500, headers: { 'retry-after': '3600' } }));
    const { conversation } = await seedConversation(server, `${receiver.url}/oops`);
    const messageId = await postMessage(server, conversation.id, 'oops');
    expect(retryDelay(await deliveryAfter(server, messageId, 1))).toBe(5_000);
  });
});

describe('410 Gone', () => {
  it('disables the delivery and the account webhook: nothing more is planned or sent to it', async () => {
    const receiver = await sink();
    receiver.respondWith(() => 410);
    const { id: webhookId } = await createAccountWebhook(server, `${receiver.url}/gone`, ['message_created']);
    const { conversation } = await seedConversation(server);
    const messageId = await postMessage(server, conversation.id, 'first');
    const delivery = await deliveryAfter(server, messageId, 1);
    expect(delivery).toMatchObject({ state: 'disabled', responseStatus: 410, webhookId });
    const db = server.app.database.prisma;
    expect((await db.webhook.findUniqueOrThrow({ where: { id: webhookId } })).disabledAt).toBeInstanceOf(Date);

    const later = await postMessage(server, conversation.id, 'second');
    advance(3600e3);
    await deliveriesSettled(server);
    expect(await deliveriesOfMessage(server, later)).toEqual([]);
    expect(receiver.received).toHaveLength(1);
  });

  it('does not send a delivery that was already planned when its webhook was disabled', async () => {
    const receiver = await sink();
    const { id: webhookId } = await createAccountWebhook(server, `${receiver.url}/disabled`, ['message_created']);
    const db = server.app.database.prisma;
    receiver.respondWith(() => 500);
    const { conversation } = await seedConversation(server);
    const messageId = await postMessage(server, conversation.id, 'planned before');
    await deliveryAfter(server, messageId, 1, { url: `${receiver.url}/disabled` });
    await db.webhook.update({ where: { id: webhookId }, data: { disabledAt: new Date() } });
    receiver.respondWith(() => 200);
    advance(5_000);
    const delivery = await waitFor(async () => {
      const [row] = await deliveriesOfMessage(server, messageId, { url: `${receiver.url}/disabled` });
      return row?.state === 'disabled' ? row : null;
    }, 'the planned delivery to be disabled');
    expect(delivery.attempts).toBe(1);
    expect(receiver.received).toHaveLength(1);
    await db.webhook.delete({ where: { id: webhookId } });
  });
});

describe('redirects', () => {
  it('counts a 302 as a failure and does not follow it', async () => {
    const receiver = await sink();
    receiver.respondWith((hook) =>
      hook.path === '/moved' ? { status: 302, headers: { location: `${receiver.url}/elsewhere` } } : 200,
    );
    const { conversation } = await seedConversation(server, `${receiver.url}/moved`);
    const messageId = await postMessage(server, conversation.id, 'follow me');
    const delivery = await deliveryAfter(server, messageId, 1);
    expect(delivery).toMatchObject({ state: 'pending', responseStatus: 302, lastError: '302 Found' });
    expect(retryDelay(delivery)).toBe(5_000);
    expect(receiver.received.filter((hook) => hook.path === '/elsewhere')).toEqual([]);
  });
});

describe('a slow receiver', () => {
  it('does not delay another receiver, and times out after WEBHOOK_TIMEOUT', async () => {
    const slow = await sink();
    const fast = await sink();
    slow.respondWith(() => new Promise(() => {}));
    const slowSeed = await seedConversation(server, `${slow.url}/slow`);
    const fastSeed = await seedConversation(server, `${fast.url}/fast`);

    const slowMessage = await postMessage(server, slowSeed.conversation.id, 'slow');
    const heldAt = (await slow.next((hook) => hook.body.event === 'message_created' && hook.body.id === slowMessage), Date.now());
    const fastMessage = await postMessage(server, fastSeed.conversation.id, 'fast');
    await fast.next((hook) => hook.body.event === 'message_created' && hook.body.id === fastMessage);
    const fastAfter = Date.now() - heldAt;
    const [held] = await deliveriesOfMessage(server, slowMessage);
    expect(fastAfter).toBeLessThan(1_000);
    expect(held).toMatchObject({ attempts: 0, state: 'pending' });

    const timedOut = await deliveryAfter(server, slowMessage, 1);
    expect(timedOut).toMatchObject({ state: 'pending', responseStatus: null });
    expect(timedOut.lastError).toMatch(/timeout/i);
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(900);
    expect(timedOut.durationMs).toBeLessThan(3_000);
  });
});
