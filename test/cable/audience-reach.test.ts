/**
 * /cable audiences decide for a reach (src/domain/access/reach.ts), not for
 * the member who started their subscription: members of one reach share
 * one subscription, the others keep hearing when that member loses access,
 * and a regroup that gives an agent a reach nobody had yet starts them
 * hearing from the membership change itself.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Audiences, type AudienceMember } from '../../src/cable/audiences.ts';
import type { RoomCaller } from '../../src/cable/room-channel.ts';
import type { AudienceOptions } from '../../src/context.ts';
import type { AnyDomainEvent } from '../../src/events/catalogue.ts';
import { loadConfig } from '../../src/config.ts';
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

async function agentRoom(agent: Agent): Promise<RoomSubscription> {
  const consumer = officialConsumer(server.wsUrl);
  consumers.push(consumer);
  const room = subscribeRoom(consumer, { pubsub_token: agent.pubsubToken, user_id: agent.id, account_id: server.accountId });
  expect(await room.outcome).toBe('connected');
  return room;
}

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

describe('an audience decides for its reach', () => {
  it('keeps serving its other members when the member who started it leaves the account', async () => {
    const { inbox, conversationId } = await inboxWithConversation();
    const [starter, colleague] = [await createAgent(server), await createAgent(server)];
    for (const agent of [starter, colleague]) await addInboxMember(server, inbox.id, agent.id);
    const starterRoom = await agentRoom(starter);
    const colleagueRoom = await agentRoom(colleague);

    const removal = await adminApi(server).delete(accountPath(server, `/agents/${starter.id}`));
    expect(removal.status).toBe(200);
    const after = await post(conversationId, 'After the starter left');
    await colleagueRoom.received.next(created(after));
    await starterRoom.received.nothing(400, (b) => b.event === 'message.created');
  });

  it('lets an agent added to an inbox hear the message posted there right after, in a reach nobody had', async () => {
    const first = await inboxWithConversation();
    const second = await inboxWithConversation();
    const agent = await createAgent(server);
    await addInboxMember(server, first.inbox.id, agent.id);
    const room = await agentRoom(agent);

    await addInboxMember(server, second.inbox.id, agent.id);
    const inSecond = await post(second.conversationId, 'Now yours too');
    await room.received.next(created(inSecond));
    const inFirst = await post(first.conversationId, 'Still yours');
    await room.received.next(created(inFirst));
  });
});

describe('Audiences', () => {
  /** A RoomChannel that records the subscriptions it is asked for. */
  function fakeRoom() {
    const started: { caller: RoomCaller; audience: AudienceOptions; stopped: boolean }[] = [];
    return {
      started,
      subscribe: async (caller: RoomCaller, audience: AudienceOptions) => {
        const entry = { caller, audience, stopped: false };
        started.push(entry);
        return { stop: () => void (entry.stopped = true) };
      },
    };
  }

  /** A bus whose account listeners the test calls itself. */
  function fakeBus() {
    const listeners = new Set<(event: AnyDomainEvent) => void>();
    return {
      emit: (event: Partial<AnyDomainEvent>) => {
        for (const listener of listeners) listener({ id: '0', accountId: server.accountId, data: {}, occurredAt: new Date(), ...event } as AnyDomainEvent);
      },
      listen: (_accountId: number, listener: (event: AnyDomainEvent) => void) => {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
      pubsub: { subscribe: () => (async function* () {})() },
    };
  }

  const member = (agent: Agent): AudienceMember => ({
    caller: { principal: { kind: 'user', userId: agent.id }, accountId: server.accountId },
    deliver: () => undefined,
  });

  it('starts one subscription for all members of one reach, and one more when a membership change splits them', async () => {
    const { inbox } = await inboxWithConversation();
    const agents = await Promise.all(Array.from({ length: 5 }, () => createAgent(server)));
    for (const agent of agents) await addInboxMember(server, inbox.id, agent.id);
    const room = fakeRoom();
    const bus = fakeBus();
    const audiences = new Audiences(server.app.database.prisma, room, bus, loadConfig({}).replay, (error) => {
      throw error;
    });

    const joined = await Promise.all(agents.map((agent) => audiences.join(member(agent))));
    expect(joined).toEqual(agents.map(() => true));
    expect(room.started).toHaveLength(1);
    expect(room.started[0]!.audience.reach).toEqual({ kind: 'staff', accountId: server.accountId, inboxes: [inbox.id] });

    const members = await adminApi(server).patch(accountPath(server, '/inbox_members'), {
      inbox_id: inbox.id,
      user_ids: agents.slice(1).map((agent) => agent.id),
    });
    expect(members.status).toBe(200);
    bus.emit({ name: 'inbox.members_changed', data: { inboxId: inbox.id } as never });
    await vi.waitFor(() => expect(room.started).toHaveLength(2));
    expect(room.started[1]!.audience.reach).toEqual({ kind: 'staff', accountId: server.accountId, inboxes: [] });
    // The first subscription still serves the four who stay: it was not restarted.
    expect(room.started[0]!.stopped).toBe(false);
    expect(audiences.subscriptions).toBe(5);
  });

  it('starts the audience a regroup moves an agent into with the account\'s events since the membership change', async () => {
    const [first, second] = [await inboxWithConversation(), await inboxWithConversation()];
    const agent = await createAgent(server);
    await addInboxMember(server, first.inbox.id, agent.id);
    const room = fakeRoom();
    const bus = fakeBus();
    const audiences = new Audiences(server.app.database.prisma, room, bus, loadConfig({}).replay, (error) => {
      throw error;
    });
    expect(await audiences.join(member(agent))).toBe(true);
    // The first audience hears the bus itself (this fake bus's stream is empty): nothing replayed.
    expect(await room.started[0]!.audience.events!.subscribe('account:events', server.accountId).next()).toEqual({ done: true, value: undefined });

    await addInboxMember(server, second.inbox.id, agent.id);
    bus.emit({ name: 'inbox.members_changed', data: { inboxId: second.inbox.id } as never });
    // Committed while the agent's new reach is read, before its audience's subscription exists.
    bus.emit({ id: 'during', name: 'message.created', data: { inboxId: second.inbox.id } as never });
    await vi.waitFor(() => expect(room.started).toHaveLength(2));
    const { reach, events } = room.started[1]!.audience;
    expect(reach).toEqual({ kind: 'staff', accountId: server.accountId, inboxes: [first.inbox.id, second.inbox.id].sort((a, b) => a - b) });
    const heard = events!.subscribe('account:events', server.accountId);
    bus.emit({ id: 'after', name: 'message.created', data: { inboxId: second.inbox.id } as never });
    expect((await heard.next()).value).toMatchObject({ id: 'during' });
    expect((await heard.next()).value).toMatchObject({ id: 'after' });
    await heard.return?.();
  });
});
