/**
 * Compatibility on failure (issue 6 item 5, spec/EVENTS.md §1.3): while an
 * API inbox's delivery of a message event fails, the message is `failed`
 * with `content_attributes.external_error`; a later successful delivery sets
 * it back to `sent`. The status change is a `message_updated` for account
 * webhooks (and /cable), never a new delivery to the failing inbox: no loop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountPath, adminApi, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import {
  advanceWorker,
  createAccountWebhook,
  deliveriesOfMessage,
  deliveriesSettled,
  deliveryAfter,
  postMessage,
  TestClock,
  waitFor,
} from '../support/webhook-deliveries.ts';
import { sinkPool, startWebhookSink, type ReceivedWebhook } from '../support/webhook-sink.ts';

const clock = new TestClock();
let server: TestServer;
const sinks = sinkPool();

beforeAll(async () => {
  server = await startServer({}, undefined, { clock: clock.now });
});
afterAll(async () => {
  await server?.stop();
  await sinks.closeAll();
});

const sink = () => sinks.start();
const advance = (ms: number) => advanceWorker(server, clock, ms);

/** The message as `GET …/conversations/{id}/messages` shows it. */
async function shownMessage(conversationId: number, messageId: number) {
  const reply = await adminApi(server).get(accountPath(server, `/conversations/${conversationId}/messages`));
  expect(reply.status).toBe(200);
  return reply.body.payload.find((message: { id: number }) => message.id === messageId) as {
    status: string;
    content_attributes: Record<string, unknown>;
  };
}

const waitForStatus = (conversationId: number, messageId: number, status: string) =>
  waitFor(async () => {
    const message = await shownMessage(conversationId, messageId);
    return message.status === status ? message : null;
  }, `message ${messageId} to be ${status}`);

/** A message_updated of the message (its payload has no status: external_error tells failed from sent). */
const isUpdateOf = (messageId: number, status: 'failed' | 'sent') => (hook: ReceivedWebhook) =>
  hook.body.event === 'message_updated' &&
  hook.body.id === messageId &&
  'external_error' in hook.body.content_attributes === (status === 'failed');

/** Every delivery planned to the inbox's webhook_url. */
const inboxDeliveries = (inboxId: number) =>
  server.app.database.prisma.webhookDelivery.findMany({ where: { inboxId, destination: 'api_inbox_webhook' }, orderBy: { eventId: 'asc' } });

describe('a failing API inbox webhook', () => {
  it('marks the message failed with external_error, and sent again without it once a delivery succeeds', async () => {
    const inboxSink = await sink();
    const accountSink = await sink();
    inboxSink.respondWith(() => 500);
    const hook = await createAccountWebhook(server, `${accountSink.url}/account`, ['message_updated']);
    try {
      const { conversation, inbox } = await seedConversation(server, `${inboxSink.url}/inbox`);
      const messageId = await postMessage(server, conversation.id, 'does anyone hear me?');

      const failed = await waitForStatus(conversation.id, messageId, 'failed');
      expect(failed.content_attributes).toEqual({ external_error: '500 Internal Server Error' });
      const failedUpdate = await accountSink.next(isUpdateOf(messageId, 'failed'));
      expect(failedUpdate.body.content_attributes).toEqual({ external_error: '500 Internal Server Error' });

      inboxSink.respondWith(() => 200);
      advance(5_000);
      const recovered = await waitForStatus(conversation.id, messageId, 'sent');
      expect(recovered.content_attributes).toEqual({});
      expect((await accountSink.next(isUpdateOf(messageId, 'sent'))).body.content_attributes).toEqual({});

      // No delivery loop: the status changes went to the account webhook only, never back to the inbox.
      await deliveriesSettled(server);
      // The first reply is also announced (conversation_updated, first_reply_created_at).
      expect((await inboxDeliveries(inbox.id)).map((d) => d.eventName)).toEqual(['conversation_created', 'message_created', 'conversation_updated']);
      expect(inboxSink.received.filter((h) => h.body.event === 'message_updated')).toEqual([]);
      expect(accountSink.received.filter((h) => h.body.id === messageId).map((h) => h.body.content_attributes)).toEqual([
        { external_error: '500 Internal Server Error' },
        {},
      ]);
    } finally {
      await hook.remove();
    }
  });

  it('plans no further deliveries while a receiver flaps between failing and answering', async () => {
    const inboxSink = await sink();
    let calls = 0;
    inboxSink.respondWith((h) => (h.body.event === 'message_created' && ++calls % 2 === 1 ? 500 : 200));
    const { conversation, inbox } = await seedConversation(server, `${inboxSink.url}/flaky`);
    const messageId = await postMessage(server, conversation.id, 'flaky');
    await deliveryAfter(server, messageId, 1, { url: `${inboxSink.url}/flaky` });
    await waitForStatus(conversation.id, messageId, 'failed');
    advance(5_000);
    await deliveryAfter(server, messageId, 2, { url: `${inboxSink.url}/flaky` });
    await waitForStatus(conversation.id, messageId, 'sent');
    const second = await postMessage(server, conversation.id, 'flaky again');
    await waitForStatus(conversation.id, second, 'failed');
    advance(5_000);
    await waitForStatus(conversation.id, second, 'sent');
    await deliveriesSettled(server);
    expect((await inboxDeliveries(inbox.id)).map((d) => [d.eventName, d.state])).toEqual([
      ['conversation_created', 'succeeded'],
      ['message_created', 'succeeded'],
      ['conversation_updated', 'succeeded'],
      ['message_created', 'succeeded'],
    ]);
  });

  it('shows a connection failure as a short external_error', async () => {
    const closed = await startWebhookSink();
    const url = `${closed.url}/closed`;
    await closed.close();
    const { conversation } = await seedConversation(server, url);
    const messageId = await postMessage(server, conversation.id, 'nobody home');
    const failed = await waitForStatus(conversation.id, messageId, 'failed');
    expect(failed.content_attributes.external_error).toMatch(/^connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    expect((await deliveriesOfMessage(server, messageId))[0]).toMatchObject({ state: 'pending', attempts: 1 });
  });

  it('keeps a failure the API reported when a later delivery succeeds', async () => {
    const inboxSink = await sink();
    const { conversation, inbox } = await seedConversation(server, `${inboxSink.url}/reported`);
    const messageId = await postMessage(server, conversation.id, 'provider rejects this');
    await deliveryAfter(server, messageId, 1);
    const patched = await adminApi(server).patch(accountPath(server, `/conversations/${conversation.id}/messages/${messageId}`), {
      status: 'failed',
      external_error: 'Provider said no',
    });
    expect(patched.status).toBe(200);
    const update = await deliveryAfter(server, messageId, 1, { eventName: 'message_updated', url: `${inboxSink.url}/reported` });
    expect(update.state).toBe('succeeded');
    // Its outcome is recorded on the message, if at all, before the worker settles.
    await deliveriesSettled(server);
    const shown = await shownMessage(conversation.id, messageId);
    expect(shown).toMatchObject({ status: 'failed', content_attributes: { external_error: 'Provider said no' } });
    expect((await inboxDeliveries(inbox.id)).map((d) => d.eventName)).toEqual([
      'conversation_created',
      'message_created',
      'conversation_updated',
      'message_updated',
    ]);
  });
});

describe('a failing account webhook', () => {
  it('leaves the message as it is', async () => {
    const accountSink = await sink();
    accountSink.respondWith(() => 500);
    const hook = await createAccountWebhook(server, `${accountSink.url}/account-only`, ['message_created']);
    try {
      const { conversation } = await seedConversation(server);
      const messageId = await postMessage(server, conversation.id, 'fine for the inbox');
      const delivery = await deliveryAfter(server, messageId, 1);
      expect(delivery).toMatchObject({ destination: 'account_webhook', state: 'pending', responseStatus: 500 });
      await deliveriesSettled(server);
      const shown = await shownMessage(conversation.id, messageId);
      expect(shown).toMatchObject({ status: 'sent', content_attributes: {} });
    } finally {
      await hook.remove();
    }
  });
});
