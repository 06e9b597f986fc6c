/**
 * The Client API's conversation endpoints (spec/API.md §5.1, §5.2;
 * CONFORMANCE.md B3-1 … B3-10): list, show, create (custom attributes only,
 * the single-conversation lock), toggle_status (only ever resolves),
 * toggle_typing and update_last_seen, against the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentMessage,
  clientInbox,
  eventsSince,
  lastEventId,
  openSession,
  publicApi,
  sessionPaths,
  startConversation,
  type ClientInbox,
  type ClientSession,
} from '../support/client-api.ts';
import { accountPath, adminApi } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let inbox: ClientInbox;
beforeAll(async () => {
  server = await startServer();
  inbox = await clientInbox(server);
});
afterAll(async () => {
  await server?.stop();
});

const db = () => server.app.database.prisma;
const api = () => publicApi(server);

const PUBLIC_CONVERSATION_KEYS = ['agent_last_seen_at', 'contact', 'contact_last_seen_at', 'id', 'inbox_id', 'messages', 'status', 'uuid'];
const PUBLIC_MESSAGE_KEYS = ['content', 'content_attributes', 'content_type', 'conversation_id', 'created_at', 'id', 'message_type'];

const conversationRow = (displayId: number) =>
  db().conversation.findUniqueOrThrow({ where: { accountId_displayId: { accountId: server.accountId, displayId } } });

/** An activity message written straight into the conversation (as the system writes them). */
async function activityMessage(displayId: number, content: string) {
  const conversation = await conversationRow(displayId);
  return db().message.create({
    data: {
      accountId: server.accountId,
      inboxId: conversation.inboxId,
      conversationId: conversation.id,
      messageType: 'activity',
      content,
    },
  });
}

/** A session with one conversation holding an incoming, an outgoing, a private note and an activity message. */
async function busyConversation() {
  const session = await openSession(server, inbox, { name: 'Busy Contact' });
  const paths = sessionPaths(session);
  const displayId = await startConversation(server, session);
  const incoming = await api().post(paths.messages(displayId), { content: 'contact says hi' });
  expect(incoming.status).toBe(200);
  const outgoing = await agentMessage(server, displayId, { content: 'agent answers' });
  await agentMessage(server, displayId, { content: 'private-message-1', private: true });
  await activityMessage(displayId, 'activity-message-1');
  return { session, paths, displayId, incomingId: incoming.body.id as number, outgoingId: outgoing };
}

describe('GET …/conversations', () => {
  it('B3-1 lists the session\'s conversation (one, uuid matching), also one an agent opened for it', async () => {
    const session = await openSession(server, inbox, {});
    const opened = await adminApi(server).post(accountPath(server, '/conversations'), { source_id: session.source_id });
    expect(opened.status).toBe(200);
    const reply = await api().get(sessionPaths(session).conversations);
    expect(reply.status).toBe(200);
    expect(reply.body).toHaveLength(1);
    expect(reply.body[0]).toMatchObject({ id: opened.body.id, uuid: opened.body.uuid, inbox_id: inbox.id });
  });

  it('an empty list for a session without conversations', async () => {
    const session = await openSession(server, inbox, {});
    const reply = await api().get(sessionPaths(session).conversations);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual([]);
  });

  it('B3-3 embeds the messages, ascending, without private notes or activity messages', async () => {
    const { paths, displayId, incomingId, outgoingId } = await busyConversation();
    const reply = await api().get(paths.conversations);
    expect(reply.status).toBe(200);
    const [conversation] = reply.body;
    expect(conversation.messages.map((m: { id: number }) => m.id)).toEqual([incomingId, outgoingId]);
    expect(reply.text).not.toContain('private-message-1');
    expect(reply.text).not.toContain('activity-message-1');
    expect(conversation.messages.every((m: { message_type: number }) => m.message_type !== 2)).toBe(true);
    expect(conversation.id).toBe(displayId);
  });

  it('lists several conversations oldest first', async () => {
    const session = await openSession(server, inbox, {});
    const first = await startConversation(server, session);
    const second = await startConversation(server, session);
    const reply = await api().get(sessionPaths(session).conversations);
    expect(reply.body.map((c: { id: number }) => c.id)).toEqual([first, second]);
  });
});

describe('GET …/conversations/{conversation_id}', () => {
  it('B3-4 shows the PublicConversation: display id, messages, the raw contact row, epoch times', async () => {
    const { session, paths, displayId } = await busyConversation();
    const reply = await api().get(paths.conversation(displayId));
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(PUBLIC_CONVERSATION_KEYS);
    const row = await conversationRow(displayId);
    expect(reply.body).toMatchObject({ id: displayId, uuid: row.uuid, inbox_id: inbox.id, status: 'open', contact_last_seen_at: 0 });
    expect(reply.body.messages.map((m: { content: string }) => m.content)).toEqual(['contact says hi', 'agent answers']);
    for (const message of reply.body.messages) {
      expect(Object.keys(message).filter((key) => key !== 'sender' && key !== 'attachments').sort()).toEqual(PUBLIC_MESSAGE_KEYS);
      expect(message).not.toHaveProperty('echo_id');
      expect(message).not.toHaveProperty('private');
      expect(message).not.toHaveProperty('status');
      expect(message.conversation_id).toBe(displayId);
      expect(Number.isInteger(message.created_at)).toBe(true);
    }
    expect(reply.body.contact).toMatchObject({ id: session.id, name: 'Busy Contact', account_id: server.accountId, contact_type: 'visitor' });
    expect(reply.body.contact.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(reply.body.contact).not.toHaveProperty('pubsub_token');
  });
});

describe('POST …/conversations', () => {
  it('B3-7 without a body: 200, a new open conversation of the session, conversation.created by the contact', async () => {
    const session = await openSession(server, inbox, {});
    const since = await lastEventId(server);
    const reply = await api().post(sessionPaths(session).conversations);
    expect(reply.status).toBe(200);
    expect(reply.body.id).toEqual(expect.any(Number));
    expect(reply.body).toMatchObject({ status: 'open', messages: [], inbox_id: inbox.id });
    const row = await conversationRow(reply.body.id);
    const contactInbox = await db().contactInbox.findFirstOrThrow({ where: { sourceId: session.source_id, inboxId: inbox.id } });
    expect(row).toMatchObject({ contactId: session.id, contactInboxId: contactInbox.id, inboxId: inbox.id });
    const created = (await eventsSince(server, since)).filter((e) => e.name === 'conversation.created');
    expect(created).toHaveLength(1);
    expect(created[0]!.data.performer).toEqual({ type: 'Contact', id: session.id });
  });

  it('B3-8 keeps custom_attributes and ignores additional_attributes and everything else', async () => {
    const session = await openSession(server, inbox, {});
    const reply = await api().post(sessionPaths(session).conversations, {
      custom_attributes: { test: 'test' },
      additional_attributes: { test: 'test' },
      status: 'pending',
      assignee_id: 1,
      inbox_id: 999,
    });
    expect(reply.status).toBe(200);
    const row = await conversationRow(reply.body.id);
    expect(row.customAttributes).toEqual({ test: 'test' });
    expect(row.additionalAttributes).toEqual({});
    expect(row).toMatchObject({ status: 'open', assigneeId: null, inboxId: inbox.id });
  });

  it('accepts custom_attributes wrapped in `conversation`', async () => {
    const session = await openSession(server, inbox, {});
    const reply = await api().post(sessionPaths(session).conversations, { conversation: { custom_attributes: { wrapped: true } } });
    expect(reply.status).toBe(200);
    expect((await conversationRow(reply.body.id)).customAttributes).toEqual({ wrapped: true });
  });

  it('lock_to_single_conversation: a create answers the last conversation and creates none', async () => {
    const later = await clientInbox(server);
    const session = await openSession(server, later, {});
    await startConversation(server, session);
    const last = await startConversation(server, session);
    const locked = await adminApi(server).patch(accountPath(server, `/inboxes/${later.id}`), { lock_to_single_conversation: true });
    expect(locked.status).toBe(200);
    const count = await db().conversation.count();
    const again = await api().post(sessionPaths(session).conversations, { custom_attributes: { again: true } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(last);
    expect(await db().conversation.count()).toBe(count);
  });

  it('lock_to_single_conversation from the start: the second create answers the first conversation', async () => {
    const locked = await clientInbox(server, { lockToSingleConversation: true });
    const session = await openSession(server, locked, {});
    const first = await startConversation(server, session);
    expect(await startConversation(server, session)).toBe(first);
  });
});

describe('POST …/conversations/{conversation_id}/toggle_status', () => {
  it('B3-5 resolves an open conversation, the contact recorded as the actor', async () => {
    const session = await openSession(server, inbox, {});
    const displayId = await startConversation(server, session);
    const since = await lastEventId(server);
    const reply = await api().post(sessionPaths(session).conversation(displayId, '/toggle_status'));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: displayId, status: 'resolved' });
    expect((await conversationRow(displayId)).status).toBe('resolved');
    const events = await eventsSince(server, since);
    const performer = { type: 'Contact', id: session.id };
    expect(events.find((e) => e.name === 'conversation.status_changed')?.data.performer).toEqual(performer);
    expect(events.find((e) => e.name === 'conversation.updated')?.data.performer).toEqual(performer);
  });

  it('B3-6 on a resolved conversation: 200, still resolved, nothing emitted', async () => {
    const session = await openSession(server, inbox, {});
    const displayId = await startConversation(server, session);
    expect((await api().post(sessionPaths(session).conversation(displayId, '/toggle_status'))).status).toBe(200);
    const since = await lastEventId(server);
    const again = await api().post(sessionPaths(session).conversation(displayId, '/toggle_status'), { status: 'open' });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('resolved');
    expect((await conversationRow(displayId)).status).toBe('resolved');
    expect(await eventsSince(server, since)).toEqual([]);
  });

  it('only ever resolves: a pending conversation becomes resolved, whatever status is asked for', async () => {
    const session = await openSession(server, inbox, {});
    const displayId = await startConversation(server, session);
    const pending = await adminApi(server).post(accountPath(server, `/conversations/${displayId}/toggle_status`), { status: 'pending' });
    expect(pending.status).toBe(200);
    const reply = await api().post(sessionPaths(session).conversation(displayId, '/toggle_status'), { status: 'open' });
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('resolved');
  });
});

describe('POST …/conversations/{conversation_id}/toggle_typing', () => {
  let session: ClientSession;
  let displayId: number;
  beforeAll(async () => {
    session = await openSession(server, inbox, {});
    displayId = await startConversation(server, session);
  });
  const toggle = (body?: unknown) => api().post(sessionPaths(session).conversation(displayId, '/toggle_typing'), body);

  it('B3-9 on and off answer an empty 200 and announce typing by the contact (never private)', async () => {
    const conversation = await conversationRow(displayId);
    for (const status of ['on', 'off'] as const) {
      const since = await lastEventId(server);
      const reply = await toggle({ typing_status: status });
      expect(reply.status).toBe(200);
      expect(reply.text).toBe('');
      expect(await eventsSince(server, since)).toEqual([
        {
          name: `conversation.typing_${status}`,
          data: expect.objectContaining({
            conversationId: conversation.id,
            inboxId: inbox.id,
            isPrivate: false,
            performer: { type: 'Contact', id: session.id },
          }),
        },
      ]);
    }
  });

  it('is_private is ignored for a contact', async () => {
    const since = await lastEventId(server);
    expect((await toggle({ typing_status: 'on', is_private: true })).status).toBe(200);
    const [event] = await eventsSince(server, since);
    expect(event!.data.isPrivate).toBe(false);
  });

  for (const body of [{ typing_status: 'maybe' }, { typing_status: '' }, { typing_status: 5 }, {}, undefined])
    it(`typing_status ${JSON.stringify(body)} → 200 empty and no event`, async () => {
      const since = await lastEventId(server);
      const reply = await toggle(body);
      expect(reply.status).toBe(200);
      expect(reply.text).toBe('');
      expect(await eventsSince(server, since)).toEqual([]);
    });
});

describe('POST …/conversations/{conversation_id}/update_last_seen', () => {
  it('B3-10 answers an empty 200, sets contact_last_seen_at, and makes sent/delivered agent messages read', async () => {
    const { session, paths, displayId, incomingId, outgoingId } = await busyConversation();
    const delivered = await agentMessage(server, displayId, { content: 'delivered one' });
    await db().message.update({ where: { id: delivered }, data: { status: 'delivered' } });
    const failed = await agentMessage(server, displayId, { content: 'failed one' });
    await db().message.update({ where: { id: failed }, data: { status: 'failed' } });
    const before = Date.now();
    const since = await lastEventId(server);
    const reply = await api().post(paths.conversation(displayId, '/update_last_seen'));
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    const row = await conversationRow(displayId);
    expect(row.contactLastSeenAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const status = async (id: number) => (await db().message.findUniqueOrThrow({ where: { id } })).status;
    expect(await status(outgoingId)).toBe('read');
    expect(await status(delivered)).toBe('read');
    expect(await status(failed)).toBe('failed');
    expect(await status(incomingId)).toBe('sent');
    const events = await eventsSince(server, since);
    expect(events.find((e) => e.name === 'conversation.read')?.data.performer).toEqual({ type: 'Contact', id: session.id });
    const shown = await api().get(paths.conversation(displayId));
    expect(shown.body.contact_last_seen_at).toBe(Math.floor(row.contactLastSeenAt!.getTime() / 1000));
  });
});
