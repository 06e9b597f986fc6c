/**
 * The message-model rules of CONFORMANCE.md I-12..I-15 (Chatwoot's
 * spec/models/message_spec.rb), observed over the real server: REST
 * responses, the database, and the webhook receiver. I-16 (the CSAT survey
 * link in webhook content) is not served: Snypto has no survey page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefused, failedValidation, tooLong } from '../support/bad-input.ts';
import { accountPath, adminApi, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.ts';

let server: TestServer;
let sink: WebhookSink;

beforeAll(async () => {
  sink = await startWebhookSink();
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
});

const db = () => server.app.database.prisma;
const api = () => adminApi(server);

async function scene(webhookUrl?: string) {
  const seeded = await seedConversation(server, webhookUrl);
  const path = (suffix = '') => accountPath(server, `/conversations/${seeded.conversation.id}${suffix}`);
  const post = async (body: object) => {
    const reply = await api().post(path('/messages'), body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body as { id: number; created_at: number };
  };
  const show = async () => (await api().get(path())).body;
  const row = () => db().conversation.findFirstOrThrow({ where: { accountId: server.accountId, displayId: seeded.conversation.id } });
  return { ...seeded, path, post, show, row };
}

/** Connects an active agent bot of the account to the inbox. */
async function connectBot(inboxId: number) {
  const bot = await db().agentBot.create({ data: { accountId: server.accountId, name: 'Rules bot' } });
  expect((await api().post(accountPath(server, `/inboxes/${inboxId}/set_agent_bot`), { agent_bot: bot.id })).status).toBe(200);
  return bot;
}

/** `Message#push_event_data`'s keys (I-12), without `echo_id`, which only the creating request's instance carries. */
const PUSH_EVENT_KEYS = [
  'account_id', 'additional_attributes', 'content', 'content_attributes', 'content_type', 'conversation', 'conversation_id',
  'created_at', 'external_source_ids', 'id', 'inbox_id', 'message_type', 'private', 'processed_message_content', 'sender',
  'sender_id', 'sender_type', 'sentiment', 'source_id', 'status', 'updated_at',
];

function expectPushEventData(data: Record<string, any>, message: { id: number }, displayId: number) {
  expect(Object.keys(data).sort()).toEqual(PUSH_EVENT_KEYS);
  expect(Object.keys(data.conversation).sort()).toEqual(['assignee_id', 'contact_inbox', 'last_activity_at', 'unread_count']);
  expect(Object.keys(data.conversation.contact_inbox)).toEqual(['source_id']);
  expect(data).toMatchObject({ id: message.id, conversation_id: displayId, message_type: 1, sender_type: 'User' });
  expect(Number.isInteger(data.created_at)).toBe(true);
  expect(data.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
}

describe('I-12 push_event_data', () => {
  it('I-12 the conversation view\'s messages carry push_event_data with its keys', async () => {
    const s = await scene();
    const message = await s.post({ content: 'hello' });
    const shown = await s.show();
    expectPushEventData(shown.messages[0], message, s.conversation.id);
    expect(shown.messages[0].conversation.contact_inbox.source_id).toBe(s.sourceId);
  });

  it('I-12 the webhook payload\'s conversation carries push_event_data with its keys', async () => {
    const s = await scene(`${sink.url}/push-data`);
    const message = await s.post({ content: 'over the hook' });
    const hook = await sink.next((h) => h.body?.event === 'message_created' && h.body.id === message.id);
    expectPushEventData(hook.body.conversation.messages[0], message, s.conversation.id);
  });
});

describe('I-13 webhook_sendable?', () => {
  it('I-13 incoming, outgoing and private messages go to webhooks; the reopening activity message does not', async () => {
    const s = await scene(`${sink.url}/sendable`);
    await api().post(s.path('/toggle_status'), { status: 'resolved' });
    const incoming = await s.post({ content: 'back again', message_type: 'incoming' });
    const note = await s.post({ content: 'note', private: true });
    const outgoing = await s.post({ content: 'hi' });
    const activity = await db().message.findFirstOrThrow({ where: { conversation: { displayId: s.conversation.id, accountId: server.accountId }, messageType: 'activity' } });
    // Deliveries are planned in the message's own transaction: once the request answered, they all exist.
    const deliveredIds = async (messageId: number) =>
      db().webhookDelivery.count({ where: { eventName: 'message_created', inboxId: s.inbox.id, event: { data: { path: ['messageId'], equals: messageId } } } });
    expect(await deliveredIds(activity.id)).toBe(0);
    for (const message of [incoming, note, outgoing]) expect(await deliveredIds(message.id)).toBe(1);
    const received = await sink.next((h) => h.path === '/sendable' && h.body?.id === outgoing.id);
    expect(received.body.message_type).toBe('outgoing');
    expect(sink.received.filter((h) => h.path === '/sendable').map((h) => h.body.message_type)).not.toContain('activity');
  });
});

describe('I-14 message validations', () => {
  it('I-14 a conversation with 200 messages in the last minute refuses the next: 422 "Too many messages", nothing written', async () => {
    const s = await scene();
    const row = await s.row();
    const base = { accountId: server.accountId, inboxId: row.inboxId, conversationId: row.id, messageType: 'incoming' as const, senderType: 'Contact' as const, senderContactId: row.contactId };
    await db().message.createMany({ data: Array.from({ length: 200 }, (_, i) => ({ ...base, content: `flood ${i}` })) });
    await expectRefused(server, () => api().post(s.path('/messages'), { content: 'one more' }), 422, failedValidation('Too many messages'));
  });

  it('I-14 messages older than a minute do not count toward the limit', async () => {
    const s = await scene();
    const row = await s.row();
    const earlier = new Date(Date.now() - 61_000);
    const base = { accountId: server.accountId, inboxId: row.inboxId, conversationId: row.id, messageType: 'incoming' as const, createdAt: earlier };
    await db().message.createMany({ data: Array.from({ length: 200 }, (_, i) => ({ ...base, content: `old ${i}` })) });
    await s.post({ content: 'still welcome' });
  });

  it('I-14 content of 150 000 characters is valid, 150 001 invalid', async () => {
    const s = await scene();
    const saved = await s.post({ content: 'a'.repeat(150_000) });
    expect((await db().message.findUniqueOrThrow({ where: { id: saved.id } })).content).toHaveLength(150_000);
    await expectRefused(server, () => api().post(s.path('/messages'), { content: 'a'.repeat(150_001) }), 422, failedValidation(tooLong('Content', 150_000)));
  });

  it('I-14 source_id of 20 000 characters is valid, 20 001 invalid, empty and null allowed', async () => {
    const s = await scene();
    const long = await s.post({ content: 'long id', source_id: 's'.repeat(20_000) });
    expect((await db().message.findUniqueOrThrow({ where: { id: long.id } })).sourceId).toHaveLength(20_000);
    await expectRefused(server, () => api().post(s.path('/messages'), { content: 'too long', source_id: 's'.repeat(20_001) }), 422, failedValidation(tooLong('Source id', 20_000)));
    for (const sourceId of ['', null]) {
      const saved = await s.post({ content: 'no id', source_id: sourceId });
      expect((await db().message.findUniqueOrThrow({ where: { id: saved.id } })).sourceId || null).toBeNull();
    }
  });
});

describe('I-15 what a new message does to its conversation', () => {
  it('I-15 an incoming message reopens a snoozed conversation', async () => {
    const s = await scene();
    await api().post(s.path('/toggle_status'), { status: 'snoozed', snoozed_until: Math.floor(Date.now() / 1000) + 3600 });
    expect((await s.show()).status).toBe('snoozed');
    await s.post({ content: 'awake?', message_type: 'incoming' });
    expect(await s.show()).toMatchObject({ status: 'open', snoozed_until: null });
  });

  it('I-15 an incoming message does not reopen a muted conversation', async () => {
    const s = await scene();
    expect((await api().post(s.path('/mute'))).status).toBe(200);
    await s.post({ content: 'anyone?', message_type: 'incoming' });
    expect((await s.show()).status).toBe('resolved');
    expect(await db().message.count({ where: { conversationId: (await s.row()).id, messageType: 'activity' } })).toBe(0);
  });

  it('I-15 with an active agent bot an incoming message reopens a resolved conversation as pending', async () => {
    const s = await scene();
    await api().post(s.path('/toggle_status'), { status: 'resolved' });
    await connectBot(s.inbox.id);
    await s.post({ content: 'hello bot', message_type: 'incoming' });
    expect((await s.show()).status).toBe('pending');
  });

  it('I-15 the first human outgoing reply sets first_reply_created_at; bots, notes and later replies do not', async () => {
    const s = await scene();
    await s.post({ content: 'question', message_type: 'incoming' });
    const bot = await connectBot(s.inbox.id);
    await s.post({ content: 'bot answer', sender_type: 'AgentBot', sender_id: bot.id });
    await s.post({ content: 'internal', private: true });
    expect((await s.show()).first_reply_created_at).toBe(0);
    const reply = await s.post({ content: 'human answer' });
    const firstReplyAt = (await s.row()).firstReplyCreatedAt;
    expect((await s.show()).first_reply_created_at).toBe(reply.created_at);
    await s.post({ content: 'second answer' });
    expect((await s.row()).firstReplyCreatedAt).toEqual(firstReplyAt);
  });

  it('I-15 an incoming message sets waiting_since, a later one keeps it, an agent reply clears it', async () => {
    const s = await scene();
    expect((await s.show()).waiting_since).toBe(0);
    const first = await s.post({ content: 'hello?', message_type: 'incoming' });
    const waitingSince = (await s.row()).waitingSince;
    expect((await s.show()).waiting_since).toBe(first.created_at);
    await s.post({ content: 'hello??', message_type: 'incoming' });
    expect((await s.row()).waitingSince).toEqual(waitingSince);
    await s.post({ content: 'here' });
    expect((await s.show()).waiting_since).toBe(0);
  });
});
