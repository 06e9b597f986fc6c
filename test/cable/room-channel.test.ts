/**
 * /cable's RoomChannel (spec/EVENTS.md §2; CONFORMANCE.md section C) driven
 * with the official @rails/actioncable client against the real server:
 * contacts with their session's pubsub_token, agents with theirs, and who
 * receives which event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../support/http.ts';
import { clientInbox, hmac, openSession, sessionPaths, startConversation, type ClientInbox } from '../support/client-api.ts';
import { accountPath, addInboxMember, adminApi, createAgent } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';
import { officialConsumer, subscribeRoom, type Broadcast } from '../support/cable.ts';

let server: TestServer;
const consumers: { disconnect(): void }[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  for (const consumer of consumers) consumer.disconnect();
  await server?.stop();
});

const consumer = () => {
  const c = officialConsumer(server.wsUrl);
  consumers.push(c);
  return c;
};

/** A contact's Client API session in `inbox`, with an open conversation. */
async function contactSession(inbox: ClientInbox, body: Record<string, unknown> = {}) {
  const session = await openSession(server, inbox, body);
  return {
    contactId: session.id,
    sourceId: session.source_id,
    pubsubToken: session.pubsub_token,
    conversationId: await startConversation(server, session),
    base: sessionPaths(session).contact,
  };
}

async function administrator() {
  const profile = await adminApi(server).get('/api/v1/profile');
  return { id: profile.body.id as number, pubsubToken: profile.body.pubsub_token as string };
}

const agentRoom = (agent: { id: number; pubsubToken: string }, accountId = server.accountId) =>
  subscribeRoom(consumer(), { pubsub_token: agent.pubsubToken, user_id: agent.id, account_id: accountId });

const isEvent = (name: string, test: (data: any) => boolean = () => true) => (b: Broadcast) => b.event === name && test(b.data);

async function reply(conversationId: number, body: Record<string, unknown>) {
  const response = await adminApi(server).post(accountPath(server, `/conversations/${conversationId}/messages`), body);
  expect(response.status).toBe(200);
  return response.body;
}

describe('RoomChannel subscriptions', () => {
  it('confirms a contact and an agent, and rejects unknown tokens, users and accounts', async () => {
    const inbox = await clientInbox(server);
    const session = await contactSession(inbox);
    const admin = await administrator();
    expect(await subscribeRoom(consumer(), { pubsub_token: session.pubsubToken }).outcome).toBe('connected');
    expect(await agentRoom(admin).outcome).toBe('connected');

    const foreign = await seedForeignTenant(server);
    const refused = [
      subscribeRoom(consumer(), { pubsub_token: 'not-a-token' }),
      subscribeRoom(consumer(), { pubsub_token: admin.pubsubToken, user_id: admin.id + 1000, account_id: server.accountId }),
      subscribeRoom(consumer(), { pubsub_token: admin.pubsubToken, user_id: admin.id, account_id: foreign.account.id }),
      subscribeRoom(consumer(), { pubsub_token: admin.pubsubToken, user_id: admin.id }),
      subscribeRoom(consumer(), { pubsub_token: session.pubsubToken, user_id: admin.id, account_id: server.accountId }),
    ];
    for (const room of refused) expect(await room.outcome).toBe('rejected');
  });
});

describe('message events', () => {
  it('sends an agent reply to the contact and the agents in MessageEvent shape, private notes to agents only', async () => {
    const inbox = await clientInbox(server);
    const session = await contactSession(inbox);
    const member = await createAgent(server);
    await addInboxMember(server, inbox.id, member.id);
    const outsider = await createAgent(server);
    const admin = await administrator();
    const contactRoom = subscribeRoom(consumer(), { pubsub_token: session.pubsubToken });
    const memberRoom = agentRoom(member);
    const adminRoom = agentRoom(admin);
    const outsiderRoom = agentRoom(outsider);
    for (const room of [contactRoom, memberRoom, adminRoom, outsiderRoom]) expect(await room.outcome).toBe('connected');

    const message = await reply(session.conversationId, { content: 'We are on it' });
    for (const room of [contactRoom, memberRoom, adminRoom]) {
      const { data } = await room.received.next(isEvent('message.created', (d) => d.id === message.id));
      expect(data).toMatchObject({
        id: message.id,
        content: 'We are on it',
        account_id: server.accountId,
        inbox_id: inbox.id,
        conversation_id: session.conversationId,
        message_type: 1,
        private: false,
        status: 'sent',
        content_type: 'text',
        sender_type: 'User',
        sender_id: admin.id,
        conversation: { contact_inbox: { source_id: session.sourceId } },
        sender: { id: admin.id, type: 'user' },
        performer: { id: admin.id, type: 'user' },
      });
      expect(typeof data.created_at).toBe('number');
      expect(data.updated_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    }

    const note = await reply(session.conversationId, { content: 'Internal only', private: true });
    await memberRoom.received.next(isEvent('message.created', (d) => d.id === note.id));
    await adminRoom.received.next(isEvent('message.created', (d) => d.id === note.id));
    await contactRoom.received.nothing(300, isEvent('message.created', (d) => d.id === note.id));
    await outsiderRoom.received.nothing(0, (b) => b.event.startsWith('message.'));
  });

  it('gives the contact their echo_id back and tells agents of the contact\'s message', async () => {
    const inbox = await clientInbox(server);
    const session = await contactSession(inbox);
    const admin = await administrator();
    const contactRoom = subscribeRoom(consumer(), { pubsub_token: session.pubsubToken });
    const adminRoom = agentRoom(admin);
    await Promise.all([contactRoom.outcome, adminRoom.outcome]);
    const sent = await request(server.url, 'POST', `${session.base}/conversations/${session.conversationId}/messages`, {
      body: { content: 'Hello there', echo_id: 'temp-42' },
    });
    expect(sent.status).toBe(200);
    for (const room of [contactRoom, adminRoom]) {
      const { data } = await room.received.next(isEvent('message.created', (d) => d.id === sent.body.id));
      expect(data).toMatchObject({ message_type: 0, echo_id: 'temp-42', sender: { id: session.contactId, type: 'contact' } });
      expect(data.performer).toBeUndefined();
    }
  });

  it('counts the conversation\'s unread incoming messages in message.created, from when the agents last looked', async () => {
    const inbox = await clientInbox(server);
    const session = await contactSession(inbox);
    const adminRoom = agentRoom(await administrator());
    await adminRoom.outcome;
    const send = async (content: string) => {
      const sent = await request(server.url, 'POST', `${session.base}/conversations/${session.conversationId}/messages`, { body: { content } });
      expect(sent.status).toBe(200);
      const { data } = await adminRoom.received.next(isEvent('message.created', (d) => d.id === sent.body.id));
      return data.conversation.unread_count as number;
    };
    const first = await send('One');
    expect(first).toBeGreaterThanOrEqual(1);
    expect(await send('Two')).toBe(first + 1);
    const seen = await adminApi(server).post(accountPath(server, `/conversations/${session.conversationId}/update_last_seen`), {});
    expect(seen.status).toBe(200);
    expect(await send('Three')).toBe(1);
  });

  it('never sends one contact another contact\'s messages', async () => {
    const inbox = await clientInbox(server);
    const mine = await contactSession(inbox);
    const theirs = await contactSession(inbox);
    const myRoom = subscribeRoom(consumer(), { pubsub_token: mine.pubsubToken });
    const theirRoom = subscribeRoom(consumer(), { pubsub_token: theirs.pubsubToken });
    await Promise.all([myRoom.outcome, theirRoom.outcome]);
    const message = await reply(theirs.conversationId, { content: 'For them' });
    await theirRoom.received.next(isEvent('message.created', (d) => d.id === message.id));
    await myRoom.received.nothing(300, (b) => b.event === 'message.created');
  });

  it('reaches every HMAC-verified session of the contact, not an unverified one', async () => {
    const first = await clientInbox(server);
    const second = await clientInbox(server);
    const third = await clientInbox(server);
    const proof = (inbox: ClientInbox) => ({ identifier: 'user-77', identifier_hash: hmac(inbox.hmacToken, 'user-77') });
    const verifiedA = await contactSession(first, proof(first));
    const verifiedB = await contactSession(second, proof(second));
    const unverified = await openSession(server, third, { identifier: 'user-77' });
    expect(unverified.id).toBe(verifiedA.contactId);
    expect(verifiedB.contactId).toBe(verifiedA.contactId);
    const roomB = subscribeRoom(consumer(), { pubsub_token: verifiedB.pubsubToken });
    const roomUnverified = subscribeRoom(consumer(), { pubsub_token: unverified.pubsub_token });
    await Promise.all([roomB.outcome, roomUnverified.outcome]);
    const message = await reply(verifiedA.conversationId, { content: 'Across inboxes' });
    await roomB.received.next(isEvent('message.created', (d) => d.id === message.id));
    await roomUnverified.received.nothing(300, (b) => b.event === 'message.created');
  });
});

describe('conversation, typing and contact events', () => {
  it('sends conversation.created and status changes to both sides, read receipts and contact events to agents only', async () => {
    const inbox = await clientInbox(server);
    const admin = await administrator();
    const adminRoom = agentRoom(admin);
    await adminRoom.outcome;
    const session = await contactSession(inbox);
    await adminRoom.received.next(isEvent('contact.created', (d) => d.id === session.contactId && d.type === 'contact'));
    const created = await adminRoom.received.next(isEvent('conversation.created', (d) => d.id === session.conversationId));
    expect(created.data).toMatchObject({ account_id: server.accountId, inbox_id: inbox.id, status: 'open' });

    const contactRoom = subscribeRoom(consumer(), { pubsub_token: session.pubsubToken });
    await contactRoom.outcome;
    const toggled = await request(server.url, 'POST', `${session.base}/conversations/${session.conversationId}/toggle_status`);
    expect(toggled.status).toBe(200);
    for (const room of [adminRoom, contactRoom]) {
      const { data } = await room.received.next(isEvent('conversation.status_changed', (d) => d.id === session.conversationId));
      expect(data).toMatchObject({ status: 'resolved', account_id: server.accountId });
    }
    const seen = await request(server.url, 'POST', `${session.base}/conversations/${session.conversationId}/update_last_seen`);
    expect(seen.status).toBe(200);
    await adminRoom.received.next(isEvent('conversation.read', (d) => d.id === session.conversationId));
    await contactRoom.received.nothing(300, (b) => b.event === 'conversation.read' || b.event.startsWith('contact.'));
  });

  it('sends first.reply.created to agents for the first reply only, and conversation.updated for the waiting time it clears', async () => {
    const inbox = await clientInbox(server);
    const session = await contactSession(inbox);
    const contactRoom = subscribeRoom(consumer(), { pubsub_token: session.pubsubToken });
    const adminRoom = agentRoom(await administrator());
    await Promise.all([contactRoom.outcome, adminRoom.outcome]);
    const asked = await request(server.url, 'POST', `${session.base}/conversations/${session.conversationId}/messages`, { body: { content: 'Hi?' } });
    expect(asked.status).toBe(200);
    await adminRoom.received.next(isEvent('message.created', (d) => d.id === asked.body.id));

    const first = await reply(session.conversationId, { content: 'First answer', echo_id: 'echo-1' });
    const { data } = await adminRoom.received.next(isEvent('first.reply.created'));
    expect(data).toMatchObject({ id: first.id, message_type: 1, account_id: server.accountId, conversation_id: session.conversationId, echo_id: 'echo-1' });
    expect(data.performer).toBeUndefined();
    for (const room of [adminRoom, contactRoom]) {
      // Two updates: the contact's question started the waiting time, the first reply ended it.
      await room.received.next(isEvent('conversation.updated', (d) => d.id === session.conversationId && d.waiting_since > 0));
      const updated = await room.received.next(isEvent('conversation.updated', (d) => d.id === session.conversationId));
      expect(updated.data.waiting_since).toBe(0);
      expect(Math.floor(Date.parse(updated.data.first_reply_created_at) / 1000)).toBe(first.created_at);
    }

    const second = await reply(session.conversationId, { content: 'Second answer' });
    await adminRoom.received.next(isEvent('message.created', (d) => d.id === second.id));
    await adminRoom.received.nothing(300, (b) => b.event === 'first.reply.created' && b.data.id === second.id);
    await contactRoom.received.nothing(0, (b) => b.event === 'first.reply.created');
  });

  it('tells agents, not the contact, of each conversation that moves to another contact when contacts merge', async () => {
    const inbox = await clientInbox(server);
    const email = `known-${Date.now()}@merge.test`;
    const known = await adminApi(server).post(accountPath(server, '/contacts'), { name: 'Known', email });
    expect(known.status).toBe(200);
    const knownId = known.body.payload.contact.id as number;
    const session = await contactSession(inbox);
    const contactRoom = subscribeRoom(consumer(), { pubsub_token: session.pubsubToken });
    const adminRoom = agentRoom(await administrator());
    await Promise.all([contactRoom.outcome, adminRoom.outcome]);

    const identified = await request(server.url, 'PATCH', session.base, { body: { email } });
    expect(identified.status).toBe(200);
    const { data } = await adminRoom.received.next(isEvent('conversation.contact_changed', (d) => d.id === session.conversationId));
    expect(data).toMatchObject({ account_id: server.accountId, inbox_id: inbox.id, meta: { sender: { id: knownId } } });
    await adminRoom.received.next(isEvent('contact.merged', (d) => d.id === knownId));
    await contactRoom.received.nothing(300, (b) => b.event === 'conversation.contact_changed');
  });

  it('sends typing to everyone but the typer', async () => {
    const inbox = await clientInbox(server);
    const session = await contactSession(inbox);
    const admin = await administrator();
    const contactRoom = subscribeRoom(consumer(), { pubsub_token: session.pubsubToken });
    const adminRoom = agentRoom(admin);
    await Promise.all([contactRoom.outcome, adminRoom.outcome]);

    const typed = await request(server.url, 'POST', `${session.base}/conversations/${session.conversationId}/toggle_typing`, {
      body: { typing_status: 'on' },
    });
    expect(typed.status).toBe(200);
    const { data } = await adminRoom.received.next(isEvent('conversation.typing_on'));
    expect(data).toMatchObject({
      conversation: { id: session.conversationId },
      user: { id: session.contactId, type: 'contact' },
      is_private: false,
      account_id: server.accountId,
    });
    await contactRoom.received.nothing(300, isEvent('conversation.typing_on'));

    const agentTyping = await adminApi(server).post(accountPath(server, `/conversations/${session.conversationId}/toggle_typing_status`), {
      typing_status: 'on',
    });
    expect(agentTyping.status).toBe(200);
    const heard = await contactRoom.received.next(isEvent('conversation.typing_on'));
    expect(heard.data.user).toMatchObject({ id: admin.id, type: 'user' });
    await adminRoom.received.nothing(300, isEvent('conversation.typing_on', (d) => d.user?.type === 'user'));
  });
});

describe('presence', () => {
  it('answers a subscription and update_presence with presence.update; agents see contacts online', async () => {
    const inbox = await clientInbox(server);
    const session = await contactSession(inbox);
    const admin = await administrator();
    const contactRoom = subscribeRoom(consumer(), { pubsub_token: session.pubsubToken });
    expect(await contactRoom.outcome).toBe('connected');
    const forContact = await contactRoom.received.next(isEvent('presence.update'));
    expect(forContact.data.account_id).toBe(server.accountId);
    expect(forContact.data.contacts).toBeUndefined();

    const adminRoom = agentRoom(admin);
    expect(await adminRoom.outcome).toBe('connected');
    const first = await adminRoom.received.next(isEvent('presence.update'));
    expect(first.data.users[String(admin.id)]).toBe('online');
    expect(first.data.contacts[String(session.contactId)]).toBe('online');
    adminRoom.perform('update_presence');
    await adminRoom.received.next(isEvent('presence.update'));
  });
});

describe('tokens of other tenants', () => {
  it('never hands one account\'s events to another account\'s agent', async () => {
    const foreign = await seedForeignTenant(server);
    const foreignRoom = subscribeRoom(consumer(), {
      pubsub_token: foreign.admin.pubsubToken,
      user_id: foreign.admin.id,
      account_id: foreign.account.id,
    });
    expect(await foreignRoom.outcome).toBe('connected');
    const inbox = await clientInbox(server);
    const session = await contactSession(inbox);
    await reply(session.conversationId, { content: 'Not for other tenants' });
    await foreignRoom.received.nothing(300, (b) => b.event !== 'presence.update');
  });
});
