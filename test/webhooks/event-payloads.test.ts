/**
 * Every webhook event reaches a subscribed account webhook in the payload
 * shape of spec/EVENTS.md §1.4: inbox events without the inbox's id and
 * name, contact events without `type`, typing with the typer and
 * `is_private`, conversation and message events with their `event` name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_SUBSCRIPTIONS } from '../../src/webhooks/planner.ts';
import { accountPath, adminApi, createContactInInbox, createConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { deliveriesSettled } from '../support/webhook-deliveries.ts';
import { startWebhookSink, type ReceivedWebhook, type WebhookSink } from '../support/webhook-sink.ts';

let server: TestServer;
let sink: WebhookSink;

beforeAll(async () => {
  server = await startServer();
  sink = await startWebhookSink();
  const webhook = await adminApi(server).post(accountPath(server, '/webhooks'), {
    url: `${sink.url}/all`,
    subscriptions: WEBHOOK_SUBSCRIPTIONS.filter((name) => name !== 'webwidget_triggered'),
  });
  expect(webhook.status).toBe(200);
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
});

const event = (name: string, test: (body: any) => boolean = () => true) => (hook: ReceivedWebhook) =>
  hook.path === '/all' && hook.body.event === name && test(hook.body);

describe('account webhook payloads', () => {
  it('carries inbox, contact, conversation, message and typing events in Chatwoot\'s shapes', async () => {
    const api = adminApi(server);
    const inbox = await api.post(accountPath(server, '/inboxes'), { name: 'Payloads', channel: { type: 'api' } });
    const created = await sink.next(event('inbox_created', (b) => b.channel?.identifier === inbox.body.inbox_identifier));
    expect(created.body).not.toHaveProperty('id');
    expect(created.body).not.toHaveProperty('name');
    expect(created.body).toMatchObject({ greeting_enabled: false, timezone: 'UTC', lock_to_single_conversation: false });

    await api.patch(accountPath(server, `/inboxes/${inbox.body.id}`), { greeting_enabled: true });
    const updated = await sink.next(event('inbox_updated', (b) => b.channel?.identifier === inbox.body.inbox_identifier));
    expect(updated.body.changed_attributes).toEqual(
      expect.arrayContaining([{ greeting_enabled: { previous_value: false, current_value: true } }]),
    );

    const { contactId, sourceId } = await createContactInInbox(server, inbox.body.id);
    const contact = await sink.next(event('contact_created', (b) => b.id === contactId));
    expect(contact.body).not.toHaveProperty('type');
    expect(contact.body.account).toEqual({ id: server.accountId, name: expect.any(String) });

    const conversation = await createConversation(server, sourceId);
    const opened = await sink.next(event('conversation_created', (b) => b.id === conversation.id));
    expect(opened.body).toMatchObject({ channel: 'Channel::Api', inbox_id: inbox.body.id, status: 'open' });
    expect(opened.body.contact_inbox.source_id).toBe(sourceId);

    const conversationPath = accountPath(server, `/conversations/${conversation.id}`);
    const message = await api.post(`${conversationPath}/messages`, { content: 'Shapes' });
    const sent = await sink.next(event('message_created', (b) => b.id === message.body.id));
    expect(sent.body).toMatchObject({ message_type: 'outgoing', content: 'Shapes', inbox: { id: inbox.body.id } });
    expect(sent.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);

    await api.patch(`${conversationPath}/messages/${message.body.id}`, { status: 'delivered' });
    const changed = await sink.next(event('message_updated', (b) => b.id === message.body.id));
    expect(changed.body.message_type).toBe('outgoing');

    for (const status of ['on', 'off'] as const) {
      await api.post(`${conversationPath}/toggle_typing_status`, { typing_status: status });
      const typing = await sink.next(event(`conversation_typing_${status}`, (b) => b.conversation?.id === conversation.id));
      expect(typing.body).toMatchObject({ is_private: false, user: { type: 'user' } });
    }

    await api.post(`${conversationPath}/toggle_status`, { status: 'resolved' });
    const resolved = await sink.next(event('conversation_status_changed', (b) => b.id === conversation.id));
    expect(resolved.body.status).toBe('resolved');

    await api.post(`${conversationPath}/labels`, { labels: ['billing'] });
    const labelled = await sink.next(event('conversation_updated', (b) => b.id === conversation.id && b.labels.includes('billing')));
    expect(labelled.body.changed_attributes).toEqual(expect.arrayContaining([expect.objectContaining({ label_list: expect.anything() })]));

    await api.patch(accountPath(server, `/contacts/${contactId}`), { name: 'Renamed' });
    const renamed = await sink.next(event('contact_updated', (b) => b.id === contactId));
    expect(renamed.body.changed_attributes).toEqual(
      expect.arrayContaining([{ name: { previous_value: 'Jane Doe', current_value: 'Renamed' } }]),
    );
  });
});

describe('a message\'s changes to its conversation', () => {
  /** The conversation_updated webhooks of the conversation so far, as their changed attribute names. */
  const updatesOf = (conversationId: number) =>
    sink.received
      .filter(event('conversation_updated', (b) => b.id === conversationId))
      .map((hook) => hook.body.changed_attributes.map((entry: object) => Object.keys(entry)[0]));

  it('announces the waiting time and the first reply with conversation_updated, as Chatwoot\'s conversation update does', async () => {
    const api = adminApi(server);
    const inbox = await api.post(accountPath(server, '/inboxes'), { name: 'Waiting', channel: { type: 'api' } });
    const { sourceId } = await createContactInInbox(server, inbox.body.id);
    const conversation = await createConversation(server, sourceId);
    const messages = accountPath(server, `/conversations/${conversation.id}/messages`);
    const post = async (body: Record<string, unknown>) => {
      const response = await api.post(messages, body);
      expect(response.status).toBe(200);
      await sink.next(event('message_created', (b) => b.id === response.body.id));
      return response.body;
    };

    const asked = await post({ content: 'Anyone there?', message_type: 'incoming' });
    const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    const waiting = await sink.next(event('conversation_updated', (b) => b.id === conversation.id));
    const [since, touched] = waiting.body.changed_attributes;
    expect(since.waiting_since.previous_value).toBeNull();
    expect(since.waiting_since.current_value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(seconds(since.waiting_since.current_value)).toBe(asked.created_at);
    expect(Object.keys(touched)).toEqual(['updated_at']);
    expect(waiting.body.waiting_since).toBe(asked.created_at);

    await post({ content: 'Hello?', message_type: 'incoming' }); // still waiting: nothing changes
    await post({ content: 'Looking into it', private: true }); // a private note answers nobody
    const reply = await post({ content: 'Here I am' });
    const answered = await sink.next(event('conversation_updated', (b) => b.id === conversation.id && b.waiting_since === 0));
    const [first, cleared] = answered.body.changed_attributes;
    expect(first.first_reply_created_at.previous_value).toBeNull();
    expect(seconds(first.first_reply_created_at.current_value)).toBe(reply.created_at);
    expect(cleared.waiting_since).toEqual({ previous_value: since.waiting_since.current_value, current_value: null });

    await post({ content: 'Anything else?' }); // not the first reply, nobody waiting
    // A conversation_updated of that message would be planned with it: sent by the time the worker settles.
    await deliveriesSettled(server);
    expect(updatesOf(conversation.id)).toEqual([
      ['waiting_since', 'updated_at'],
      ['first_reply_created_at', 'waiting_since', 'updated_at'],
    ]);
  });
});
