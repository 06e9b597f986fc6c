/**
 * The README's walk-through, through the real REST API: an API inbox, an agent
 * as member, a contact with a contact inbox, a conversation and messages;
 * the inbox's webhook_url receives message_created, signed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { accountPath, adminApi, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { expectedSnyptoSignature, expectedStandardSignature } from '../support/webhook-signature.ts';
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.ts';

let server: TestServer;
let sink: WebhookSink;

beforeAll(async () => {
  [server, sink] = await Promise.all([startServer(), startWebhookSink()]);
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
});

describe('the seed flow over REST', () => {
  it('answers /health once migrations are applied', async () => {
    const reply = await client(server.url, null).get('/health');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok' });
  });

  it('shows the bootstrap administrator their profile with token and pubsub token', async () => {
    const reply = await adminApi(server).get('/api/v1/profile');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      access_token: server.adminToken,
      account_id: server.accountId,
      role: 'administrator',
      accounts: [{ id: server.accountId, role: 'administrator' }],
    });
    expect(reply.body.pubsub_token).toMatch(/^[1-9A-HJ-NP-Za-km-z]{24}$/);
  });

  it('creates an API inbox with identifier, HMAC token (admins) and webhook_url', async () => {
    const reply = await adminApi(server).post(accountPath(server, '/inboxes'), {
      name: 'Website chat',
      channel: { type: 'api', webhook_url: `${sink.url}/hook` },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      name: 'Website chat',
      channel_type: 'Channel::Api',
      webhook_url: `${sink.url}/hook`,
      hmac_mandatory: false,
      allow_messages_after_resolved: true,
      lock_to_single_conversation: false,
      timezone: 'UTC',
    });
    expect(reply.body.inbox_identifier).toMatch(/^[1-9A-HJ-NP-Za-km-z]{24}$/);
    expect(reply.body.hmac_token).toMatch(/^[1-9A-HJ-NP-Za-km-z]{24}$/);
    expect(reply.body.working_hours).toHaveLength(7);
  });

  it('adds an agent to an inbox and lists the members', async () => {
    const { inbox } = await seedConversation(server);
    const agent = await createAgent(server);
    const added = await adminApi(server).post(accountPath(server, '/inbox_members'), {
      inbox_id: inbox.id,
      user_ids: [agent.id],
    });
    expect(added.status).toBe(200);
    expect(added.body.payload.map((a: { id: number }) => a.id)).toEqual([agent.id]);
    expect(added.body.payload[0]).toMatchObject({ role: 'agent', email: agent.email, account_id: server.accountId });
    const again = await adminApi(server).post(accountPath(server, '/inbox_members'), {
      inbox_id: inbox.id,
      user_ids: [agent.id],
    });
    expect(again.body.payload).toHaveLength(1);
  });

  it('creates a contact with a contact inbox, and a conversation found by source_id', async () => {
    const { inbox } = await seedConversation(server);
    const contact = await adminApi(server).post(accountPath(server, '/contacts'), {
      name: 'Ann',
      email: 'Ann@Example.com',
      inbox_id: inbox.id,
      source_id: 'ann-external-id',
    });
    expect(contact.status).toBe(200);
    expect(contact.body.payload.contact).toMatchObject({ name: 'Ann', email: 'ann@example.com' });
    expect(contact.body.payload.contact.contact_inboxes).toEqual([
      { source_id: 'ann-external-id', inbox: expect.objectContaining({ id: inbox.id, channel_type: 'Channel::Api' }) },
    ]);
    expect(contact.body.payload.contact_inbox).toMatchObject({ source_id: 'ann-external-id', inbox: { id: inbox.id } });

    const conversation = await adminApi(server).post(accountPath(server, '/conversations'), {
      source_id: 'ann-external-id',
    });
    expect(conversation.status).toBe(200);
    expect(conversation.body).toMatchObject({
      inbox_id: inbox.id,
      status: 'open',
      messages: [],
      meta: { sender: { id: contact.body.payload.contact.id, email: 'ann@example.com' }, channel: 'Channel::Api' },
    });
    expect(conversation.body.uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('numbers conversations per account without gaps', async () => {
    const { sourceId, conversation } = await seedConversation(server);
    const next = await adminApi(server).post(accountPath(server, '/conversations'), { source_id: sourceId });
    expect(next.body.id).toBe(conversation.id + 1);
  });

  it('posts incoming and outgoing messages and lists them in order', async () => {
    const { conversation, contactId } = await seedConversation(server);
    const path = accountPath(server, `/conversations/${conversation.id}/messages`);
    const incoming = await adminApi(server).post(path, { content: 'Hello, I need help', message_type: 'incoming' });
    expect(incoming.status).toBe(200);
    expect(incoming.body).toMatchObject({
      content: 'Hello, I need help',
      message_type: 0,
      conversation_id: conversation.id,
      status: 'sent',
      private: false,
      sender: { id: contactId, type: 'contact' },
    });
    const outgoing = await adminApi(server).post(path, { content: 'Happy to help', echo_id: 'client-1' });
    expect(outgoing.body).toMatchObject({ message_type: 1, echo_id: 'client-1', sender: { type: 'user', id: 1 } });

    const list = await adminApi(server).get(path);
    expect(list.status).toBe(200);
    expect(list.body.payload.map((m: { content: string }) => m.content)).toEqual(['Hello, I need help', 'Happy to help']);
    expect(list.body.meta.contact).toMatchObject({ id: contactId, type: 'contact' });
  });
});

describe('the inbox webhook_url', () => {
  it('receives message_created with the documented payload, signed both ways', async () => {
    const { conversation, sourceId, inbox } = await seedConversation(server, `${sink.url}/inbox-hook`);
    const created = await adminApi(server).post(accountPath(server, `/conversations/${conversation.id}/messages`), {
      content: 'Where is my order?',
      message_type: 'incoming',
    });
    const hook = await sink.next((h) => h.body.event === 'message_created' && h.body.id === created.body.id);
    expect(hook.path).toBe('/inbox-hook');
    expect(hook.body).toMatchObject({
      event: 'message_created',
      id: created.body.id,
      content: 'Where is my order?',
      message_type: 'incoming',
      private: false,
      account: { id: server.accountId },
      inbox: { id: inbox.id, name: inbox.name },
      conversation: { id: conversation.id, contact_inbox: { source_id: sourceId } },
      sender: { name: 'Jane Doe' },
    });
    expect(hook.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(hook.body.sender).not.toHaveProperty('type');

    const channel = await server.app.database.prisma.channelApi.findFirstOrThrow({ where: { inbox: { id: inbox.id } } });
    expect(hook.headers['webhook-signature']).toBe(expectedStandardSignature(hook, channel.secret));
    expect(hook.headers['x-snypto-signature']).toBe(expectedSnyptoSignature(hook, channel.secret));
    expect(hook.headers['x-snypto-delivery']).toBe(hook.headers['webhook-id']);
  });

  it('never holds the API response while the receiver is slow', async () => {
    let release!: () => void;
    const held = new Promise<number>((resolve) => (release = () => resolve(200)));
    sink.respondWith(() => held);
    try {
      const { conversation } = await seedConversation(server, `${sink.url}/slow`);
      const reply = await adminApi(server).post(accountPath(server, `/conversations/${conversation.id}/messages`), {
        content: 'still fast',
        message_type: 'incoming',
      });
      expect(reply.status).toBe(200);
      const hook = await sink.next((h) => h.path === '/slow' && h.body.event === 'message_created');
      expect(hook.body.content).toBe('still fast');
    } finally {
      release();
      sink.respondWith(() => 200);
    }
  });
});
