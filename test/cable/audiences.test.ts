/**
 * /cable audiences (src/cable/audiences.ts): agents who hear the same events
 * share one subscription. These tests hold the sharing to what one
 * subscription per agent would do: typing is not echoed to the typer, a
 * socket that leaves does not silence the others, and a membership or role
 * change regroups agents at once (a removed agent hears nothing more).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../support/http.ts';
import { clientInbox, openSession, startConversation, type ClientInbox } from '../support/client-api.ts';
import { accountPath, addInboxMember, adminApi, createAgent } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { officialConsumer, subscribeRoom, type Broadcast, type RoomSubscription } from '../support/cable.ts';

let server: TestServer;
const consumers: { disconnect(): void }[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  for (const consumer of consumers) consumer.disconnect();
  await server?.stop();
});

type Agent = Awaited<ReturnType<typeof createAgent>>;

/** An agent's RoomChannel subscription on its own connection, once confirmed. */
async function agentRoom(agent: Agent): Promise<RoomSubscription> {
  const consumer = officialConsumer(server.wsUrl);
  consumers.push(consumer);
  const room = subscribeRoom(consumer, { pubsub_token: agent.pubsubToken, user_id: agent.id, account_id: server.accountId });
  expect(await room.outcome).toBe('connected');
  return room;
}

/** An inbox with a contact's open conversation in it. */
async function inboxWithConversation(): Promise<{ inbox: ClientInbox; conversationId: number }> {
  const inbox = await clientInbox(server);
  const session = await openSession(server, inbox);
  return { inbox, conversationId: await startConversation(server, session) };
}

async function post(conversationId: number, content: string): Promise<number> {
  const response = await adminApi(server).post(accountPath(server, `/conversations/${conversationId}/messages`), { content });
  expect(response.status).toBe(200);
  return response.body.id as number;
}

const created = (id: number) => (b: Broadcast) => b.event === 'message.created' && b.data.id === id;

async function setMembers(inboxId: number, userIds: number[]) {
  const response = await adminApi(server).patch(accountPath(server, '/inbox_members'), { inbox_id: inboxId, user_ids: userIds });
  expect(response.status).toBe(200);
}

describe('agents sharing an audience', () => {
  it('hear each other\'s typing but never their own', async () => {
    const { inbox, conversationId } = await inboxWithConversation();
    const [typer, colleague] = [await createAgent(server), await createAgent(server)];
    for (const agent of [typer, colleague]) await addInboxMember(server, inbox.id, agent.id);
    const [typerRoom, colleagueRoom] = [await agentRoom(typer), await agentRoom(colleague)];

    const typing = await request(server.url, 'POST', accountPath(server, `/conversations/${conversationId}/toggle_typing_status`), {
      token: typer.token,
      body: { typing_status: 'on' },
    });
    expect(typing.status).toBe(200);
    const heard = await colleagueRoom.received.next((b) => b.event === 'conversation.typing_on');
    expect(heard.data.user).toMatchObject({ id: typer.id, type: 'user' });
    await typerRoom.received.nothing(300, (b) => b.event === 'conversation.typing_on');
  });

  it('keep hearing when the socket whose subscription they share leaves', async () => {
    const { inbox, conversationId } = await inboxWithConversation();
    const [first, second] = [await createAgent(server), await createAgent(server)];
    for (const agent of [first, second]) await addInboxMember(server, inbox.id, agent.id);
    const firstRoom = await agentRoom(first);
    const secondRoom = await agentRoom(second);
    firstRoom.unsubscribe();

    const id = await post(conversationId, 'Still there?');
    await secondRoom.received.next(created(id));
    await firstRoom.received.nothing(300, created(id));
  });
});

describe('membership changes', () => {
  it('stop an agent removed from an inbox at once, while the agents who stay keep hearing', async () => {
    const { inbox, conversationId } = await inboxWithConversation();
    const [removed, staying] = [await createAgent(server), await createAgent(server)];
    for (const agent of [removed, staying]) await addInboxMember(server, inbox.id, agent.id);
    // The removed agent subscribes first: the shared subscription runs as them.
    const removedRoom = await agentRoom(removed);
    const stayingRoom = await agentRoom(staying);
    const before = await post(conversationId, 'Before');
    for (const room of [removedRoom, stayingRoom]) await room.received.next(created(before));

    await setMembers(inbox.id, [staying.id]);
    const after = await post(conversationId, 'After');
    await stayingRoom.received.next(created(after));
    await removedRoom.received.nothing(400, (b) => b.event === 'message.created');

    await addInboxMember(server, inbox.id, removed.id);
    const again = await post(conversationId, 'Again');
    await removedRoom.received.next(created(again));
    await stayingRoom.received.next(created(again));
  });

  it('silence an agent removed from the account, and open every inbox to one made administrator', async () => {
    const first = await inboxWithConversation();
    const second = await inboxWithConversation();
    const [leaving, promoted] = [await createAgent(server), await createAgent(server)];
    for (const agent of [leaving, promoted]) await addInboxMember(server, first.inbox.id, agent.id);
    const leavingRoom = await agentRoom(leaving);
    const promotedRoom = await agentRoom(promoted);

    const elsewhere = await post(second.conversationId, 'Not for agents of the first inbox');
    await promotedRoom.received.nothing(300, created(elsewhere));

    const removal = await adminApi(server).delete(accountPath(server, `/agents/${leaving.id}`));
    expect(removal.status).toBe(200);
    const promotion = await adminApi(server).patch(accountPath(server, `/agents/${promoted.id}`), { role: 'administrator' });
    expect(promotion.status).toBe(200);

    const inFirst = await post(first.conversationId, 'In the first inbox');
    const inSecond = await post(second.conversationId, 'In the second inbox');
    await promotedRoom.received.next(created(inFirst));
    await promotedRoom.received.next(created(inSecond));
    await leavingRoom.received.nothing(400, (b) => b.event === 'message.created');
  });
});
