/**
 * Multiplexed subscriptions (src/graphql/multiplexer.ts): graphql-ws
 * subscribers who share a document, variables and reach are executed once
 * per event, and nobody ever receives a result computed for a reach other
 * than theirs. Executions are counted as the message re-loads the
 * statements ask for (`Database.onStatement`); who hears what is checked against the
 * access rules for a generated population of callers and events.
 */
import fc from 'fast-check';
import { parse, type ExecutionResult } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.ts';
import { isShareableDocument } from '../../src/graphql/shared-documents.ts';
import { clientInbox, hmac, openSession, publicApi, sessionPaths, startConversation, type ClientInbox } from '../support/client-api.ts';
import { connectGraphqlWs, type Subscription, type WsClient } from '../support/graphql-ws.ts';
import { request } from '../support/http.ts';
import { accountPath, addInboxMember, adminApi, createAgent } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';
import { waitFor } from '../support/wait.ts';

type Created = { messageCreated: { databaseId: number; content: string | null; conversation: { displayId: number } } };
const doc = <T,>(text: string) => parse(text) as TypedDocumentNode<T, Record<string, unknown>>;

/** The one document every subscriber of these tests sends (shareable: reach-determined fields only). */
const CREATED = doc<Created>('subscription Created { messageCreated { databaseId content conversation { displayId } } }');
/** The same, with a field that answers per caller (the administrator's view of the inbox's HMAC key). */
const CREATED_PER_CALLER = doc<Created>(
  'subscription CreatedPerCaller { messageCreated { databaseId content conversation { displayId inbox { hmacToken } } } }',
);

let server: TestServer;
const clients: WsClient[] = [];
let openSubscriptions = 0;

type Agent = Awaited<ReturnType<typeof createAgent>>;
interface Conversation {
  id: number;
  displayId: number;
  inbox: 'A' | 'B';
}

const world = {} as {
  inboxA: ClientInbox;
  inboxB: ClientInbox;
  admin2: Agent;
  agentA1: Agent;
  agentA2: Agent;
  agentB: Agent;
  botToken: string;
  conversations: Conversation[];
  /** Contact sessions' graphql-ws credentials and the conversation each reaches. */
  contacts: { params: Record<string, unknown>; conversation: number }[];
};

beforeAll(async () => {
  server = await startServer({ SNYPTO_READ_CACHE_ENTRIES: '0' });
  world.inboxA = await clientInbox(server);
  world.inboxB = await clientInbox(server);
  world.admin2 = await createAgent(server, 'administrator');
  world.agentA1 = await createAgent(server);
  world.agentA2 = await createAgent(server);
  world.agentB = await createAgent(server);
  for (const agent of [world.agentA1, world.agentA2]) await addInboxMember(server, world.inboxA.id, agent.id);
  await addInboxMember(server, world.inboxB.id, world.agentB.id);
  world.botToken = 'multiplex-test-bot-token-0123456789';
  await server.app.database.prisma.agentBot.create({
    data: { accountId: server.accountId, name: 'Bot', accessToken: { create: { token: world.botToken } } },
  });
  // Two plain sessions in inbox A, and a session in inbox B whose identity is proven by HMAC.
  const a1 = await openSession(server, world.inboxA);
  const a2 = await openSession(server, world.inboxA);
  const verified = await openSession(server, world.inboxB, { identifier: `verified-${process.pid}` });
  const proof = `identifier=verified-${process.pid}&identifier_hash=${hmac(world.inboxB.hmacToken, `verified-${process.pid}`)}`;
  expect((await publicApi(server).get(`${sessionPaths(verified).contact}?${proof}`)).status).toBe(200);
  world.conversations = [];
  world.contacts = [];
  for (const [session, inbox] of [[a1, 'A'], [a2, 'A'], [verified, 'B']] as const) {
    const displayId = await startConversation(server, session);
    const row = await server.app.database.prisma.conversation.findUniqueOrThrow({
      where: { accountId_displayId: { accountId: server.accountId, displayId } },
    });
    world.conversations.push({ id: row.id, displayId, inbox });
    world.contacts.push({ params: { pubsubToken: session.pubsub_token }, conversation: row.id });
  }
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await server?.stop();
});

function connect(params: Record<string, unknown>): WsClient {
  const client = connectGraphqlWs(server.wsUrl, params);
  clients.push(client);
  return client;
}

/** Subscriptions graphql-ws streams now (the server's own gauge). */
async function streaming(): Promise<number> {
  const reply = await request(server.url, 'GET', '/metrics', {});
  const line = reply.text.split('\n').find((l) => l.startsWith('snypto_subscriptions{transport="graphql-ws"}'));
  return Number(line?.split(' ')[1] ?? NaN);
}

/** Subscribes and waits until the server streams it (admission done, member of its group). */
async function subscribe<T>(client: WsClient, document: TypedDocumentNode<T, Record<string, unknown>>): Promise<Subscription<T>> {
  const subscription = client.subscribe(document, {});
  const expected = ++openSubscriptions;
  await waitFor(async () => (await streaming()) === expected, `${expected} streaming subscriptions`);
  return subscription;
}

async function unsubscribe(...subscriptions: Subscription<unknown>[]) {
  for (const s of subscriptions) s.unsubscribe();
  openSubscriptions -= subscriptions.length;
  const expected = openSubscriptions;
  await waitFor(async () => (await streaming()) === expected, `${expected} streaming subscriptions`);
}

async function post(conversation: Conversation, content: string, isPrivate = false): Promise<number> {
  const reply = await adminApi(server).post(accountPath(server, `/conversations/${conversation.displayId}/messages`), {
    content,
    private: isPrivate,
  });
  expect(reply.status).toBe(200);
  return reply.body.id as number;
}

const contentOf = (result: ExecutionResult<Created>) => result.data?.messageCreated.content;

/**
 * How many times a created message is re-loaded for a subscription (one per execution): Prisma's
 * findUniqueOrThrow by id, which Prisma batches into one `IN (…)` statement when several run at once.
 */
async function reloadsDuring(work: () => Promise<void>): Promise<number> {
  let reloads = 0;
  const stop = server.app.database.onStatement((sql) => {
    if (!/^SELECT .* FROM "public"\."messages" AS "t0" /s.test(sql)) return;
    const byId = /WHERE \("t0"\."id" = \$\d+ AND 1=1\) LIMIT \$\d+$/.exec(sql);
    const byIds = /WHERE "t0"\."id" IN \(([$\d,]+)\)$/.exec(sql);
    reloads += byId ? 1 : byIds ? byIds[1]!.split(',').length : 0;
  });
  try {
    await work();
  } finally {
    stop();
  }
  return reloads;
}

/**
 * Posts one message in inbox A and waits until every subscription has it; the re-loads it cost. A first
 * message is delivered before, unmeasured: a subscription closed just before may still resolve one event.
 */
async function deliveryCost(subscriptions: Subscription<Created>[], content: string) {
  const [conversation] = world.conversations;
  const deliver = async (text: string) => {
    await post(conversation!, text);
    return Promise.all(subscriptions.map((s) => s.nextMatching((r) => contentOf(r) === text)));
  };
  await deliver(`${content}-before`);
  let results: ExecutionResult<Created>[] = [];
  const reloads = await reloadsDuring(async () => void (results = await deliver(content)));
  return { reloads, results };
}

describe('sharing', () => {
  it('executes a document once per event for all subscribers of one reach, and gives them identical results', async () => {
    const agents = await Promise.all([1, 2, 3, 4].map(() => createAgent(server)));
    for (const agent of agents) await addInboxMember(server, world.inboxA.id, agent.id);
    const first = await subscribe(connect({ api_access_token: world.agentA1.token }), CREATED);
    const alone = await deliveryCost([first], `alone-${Date.now()}`);
    const others = [];
    for (const agent of [world.agentA2, ...agents]) others.push(await subscribe(connect({ api_access_token: agent.token }), CREATED));
    const shared = await deliveryCost([first, ...others], `shared-${Date.now()}`);
    expect(alone.reloads).toBeGreaterThan(0);
    expect(shared.reloads).toBe(alone.reloads);
    for (const result of shared.results) expect(result).toEqual(shared.results[0]);
    await unsubscribe(first, ...others);
  });

  it('replays a resuming subscriber on its own, then serves it from its group\'s one execution', async () => {
    const CREATED_AFTER = doc<Created>(
      'subscription CreatedAfter($after: String) { messageCreated(after: $after) { databaseId content conversation { displayId } } }',
    );
    const [conversation] = world.conversations;
    const first = await subscribe(connect({ api_access_token: world.agentA1.token }), CREATED_AFTER);
    const alone = await deliveryCost([first], `resume-alone-${Date.now()}`);
    const cursor = alone.results[0]!.extensions!.cursor as string;
    expect(cursor).toMatch(/:\d+:\d+$/);
    const missed = [`missed-${Date.now()}-1`, `missed-${Date.now()}-2`];
    for (const text of missed) await post(conversation!, text);
    // The second agent of the same reach comes back with the cursor of the last result it heard.
    const resumed = connect({ api_access_token: world.agentA2.token }).subscribe(CREATED_AFTER, { after: cursor });
    const expected = ++openSubscriptions;
    await waitFor(async () => (await streaming()) === expected, `${expected} streaming subscriptions`);
    for (const text of missed) expect(contentOf(await resumed.next())).toBe(text);
    for (const text of missed) await first.nextMatching((r) => contentOf(r) === text);
    const shared = await deliveryCost([first, resumed], `resume-shared-${Date.now()}`);
    // One execution for both from the seam on, and nothing the replay sent comes twice.
    expect(shared.reloads).toBe(alone.reloads);
    expect(contentOf(shared.results[1]!)).toBe(contentOf(shared.results[0]!));
    await unsubscribe(first, resumed);
  });

  it('never shares a document that selects a per-caller field, even within one reach', async () => {
    const admins = [server.adminToken, world.admin2.token];
    const one = await subscribe(connect({ api_access_token: admins[0] }), CREATED_PER_CALLER);
    const alone = await deliveryCost([one], `per-caller-alone-${Date.now()}`);
    const two = await subscribe(connect({ api_access_token: admins[1] }), CREATED_PER_CALLER);
    const both = await deliveryCost([one, two], `per-caller-both-${Date.now()}`);
    expect(both.reloads).toBe(2 * alone.reloads);
    expect(both.results[1]!.data?.messageCreated.conversation).toEqual(
      expect.objectContaining({ inbox: { hmacToken: world.inboxA.hmacToken } }),
    );
    await unsubscribe(one, two);
  });

  it('tells shareable documents from per-caller ones, fragments included', () => {
    const shareable = (text: string) => isShareableDocument(schema, parse(text));
    expect(shareable('subscription { messageCreated { content sender { __typename ... on Agent { name } } } }')).toBe(true);
    expect(shareable('subscription { messageCreated { ...M } } fragment M on Message { conversation { inbox { ...I } } } fragment I on Inbox { name }')).toBe(true);
    expect(shareable('subscription { messageCreated { ...M } } fragment M on Message { conversation { inbox { ...I } } } fragment I on Inbox { webhookSecret }')).toBe(false);
    expect(shareable('subscription { messageCreated { conversation { contact { conversations { totalCount } } } } }')).toBe(false);
    expect(shareable('subscription { conversationTyping { typing } }')).toBe(false);
    expect(shareable('subscription { roomEvents { event } }')).toBe(false);
    expect(shareable('subscription { messageCreated { ... on Node { id } } }')).toBe(false);
  });
});

/** Who may be subscribed in the generated populations, and which conversations' messages (private ones too?) each hears. */
type Kind = 'admin' | 'admin2' | 'agentA1' | 'agentA2' | 'agentB' | 'bot' | 'contact0' | 'contact1' | 'contact2';
const KINDS: Kind[] = ['admin', 'admin2', 'agentA1', 'agentA2', 'agentB', 'bot', 'contact0', 'contact1', 'contact2'];

function paramsOf(kind: Kind): Record<string, unknown> {
  if (kind.startsWith('contact')) return world.contacts[Number(kind.slice(7))]!.params;
  const token = { admin: server.adminToken, bot: world.botToken }[kind as 'admin' | 'bot'] ?? world[kind as 'admin2'].token;
  return { api_access_token: token };
}

/** The access rules, as the oracle of what each caller hears: the conversation's inbox, and a contact only their own, never a private note. */
function hears(kind: Kind, conversation: Conversation, isPrivate: boolean): boolean {
  if (kind === 'admin' || kind === 'admin2' || kind === 'bot') return true;
  if (kind === 'agentA1' || kind === 'agentA2') return conversation.inbox === 'A';
  if (kind === 'agentB') return conversation.inbox === 'B';
  return !isPrivate && world.contacts[Number(kind.slice(7))]!.conversation === conversation.id;
}

describe('who hears what', () => {
  it('gives every subscriber, whatever it shares, exactly the messages its own access lets it hear', async () => {
    let run = 0;
    const population = fc.array(fc.constantFrom(...KINDS), { minLength: 2, maxLength: 8 });
    const events = fc.array(fc.record({ conversation: fc.nat({ max: 2 }), isPrivate: fc.boolean() }), { minLength: 1, maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(population, events, async (kinds, posted) => {
        const tag = `run-${++run}`;
        const subscribers = [];
        for (const kind of kinds) subscribers.push({ kind, subscription: await subscribe(connect(paramsOf(kind)), CREATED) });
        for (const [i, event] of posted.entries()) await post(world.conversations[event.conversation]!, `${tag}-${i}`, event.isPrivate);
        // The last message of each conversation, public, tells every subscriber that all before it have arrived.
        for (const conversation of world.conversations) await post(conversation, `${tag}-end-${conversation.id}`);
        for (const { kind, subscription } of subscribers) {
          const expected = posted.flatMap((event, i) =>
            hears(kind, world.conversations[event.conversation]!, event.isPrivate) ? [`${tag}-${i}`] : [],
          );
          const ends = world.conversations.filter((c) => hears(kind, c, false)).map((c) => `${tag}-end-${c.id}`);
          const received: string[] = [];
          while (ends.some((end) => !received.includes(end))) {
            const result = await subscription.next();
            expect(result.errors).toBeUndefined();
            const content = contentOf(result)!;
            if (content.startsWith(`${tag}-`)) received.push(content);
          }
          expect({ kind, heard: received.filter((c) => !c.includes('-end-')) }).toEqual({ kind, heard: expected });
          expect(received.filter((c) => c.includes('-end-')).sort()).toEqual([...ends].sort());
        }
        await unsubscribe(...subscribers.map((s) => s.subscription));
      }),
      { numRuns: 6, seed: 18, endOnFailure: true },
    );
  }, 60_000);

  it('never shares a typing subscription between two agents of one reach: nobody hears their own typing', async () => {
    const typing = doc<{ conversationTyping: { typing: boolean; participant: { userDatabaseId?: number } } }>(
      'subscription Typing { conversationTyping { typing participant { ... on Agent { userDatabaseId } } } }',
    );
    const [one, two] = [world.agentA1, world.agentA2];
    const oneTyping = await subscribe(connect({ api_access_token: one.token }), typing);
    const twoTyping = await subscribe(connect({ api_access_token: two.token }), typing);
    const toggle = async (agent: Agent) => {
      const reply = await request(server.url, 'POST', accountPath(server, `/conversations/${world.conversations[0]!.displayId}/toggle_typing_status`), {
        token: agent.token,
        body: { typing_status: 'on' },
      });
      expect(reply.status).toBe(200);
    };
    await toggle(one);
    await toggle(two);
    expect((await twoTyping.next()).data?.conversationTyping.participant.userDatabaseId).toBe(one.id);
    // `two` typed after `one`: the first typing `one` hears is `two`'s, so it never heard its own.
    expect((await oneTyping.next()).data?.conversationTyping.participant.userDatabaseId).toBe(two.id);
    await unsubscribe(oneTyping, twoTyping);
  });
});

describe('membership changes', () => {
  async function setMembers(inboxId: number, userIds: number[]) {
    const reply = await adminApi(server).patch(accountPath(server, '/inbox_members'), { inbox_id: inboxId, user_ids: userIds });
    expect(reply.status).toBe(200);
  }

  it('stops an agent removed from an inbox from the next event on, while the rest of its group keeps hearing it', async () => {
    const [removed, stays] = [await createAgent(server), await createAgent(server)];
    for (const agent of [removed, stays]) {
      await addInboxMember(server, world.inboxA.id, agent.id);
      await addInboxMember(server, world.inboxB.id, agent.id);
    }
    const removedSub = await subscribe(connect({ api_access_token: removed.token }), CREATED);
    const staysSub = await subscribe(connect({ api_access_token: stays.token }), CREATED);
    await setMembers(world.inboxB.id, [world.agentB.id, stays.id]);
    const [a, , b] = world.conversations;
    await post(b!, 'after-removal-in-B');
    await post(a!, 'after-removal-in-A');
    expect(contentOf(await staysSub.next())).toBe('after-removal-in-B');
    expect(contentOf(await staysSub.next())).toBe('after-removal-in-A');
    // The message in A was posted after the one in B: the first the removed agent gets is A's.
    expect(contentOf(await removedSub.next())).toBe('after-removal-in-A');
    await unsubscribe(removedSub, staysSub);
  });

  it('lets an agent added to an inbox hear it from the next event on', async () => {
    const added = await createAgent(server);
    await addInboxMember(server, world.inboxA.id, added.id);
    const addedSub = await subscribe(connect({ api_access_token: added.token }), CREATED);
    const peer = await subscribe(connect({ api_access_token: world.agentA1.token }), CREATED);
    await addInboxMember(server, world.inboxB.id, added.id);
    await post(world.conversations[2]!, 'after-adding-in-B');
    expect(contentOf(await addedSub.next())).toBe('after-adding-in-B');
    await post(world.conversations[0]!, 'after-adding-in-A');
    expect(contentOf(await peer.next())).toBe('after-adding-in-A');
    await unsubscribe(addedSub, peer);
  });
});

describe('admission', () => {
  it('still tells a user of several accounts who omits the scope that it is required, while a group for the document exists', async () => {
    const group = await subscribe(connect({ api_access_token: world.agentA1.token }), CREATED);
    const tenant = await seedForeignTenant(server);
    const twoAccounts = await createAgent(server);
    await addInboxMember(server, world.inboxA.id, twoAccounts.id);
    await server.app.database.prisma.accountUser.create({ data: { accountId: tenant.account.id, userId: twoAccounts.id, role: 'agent' } });
    const refused = connect({ api_access_token: twoAccounts.token }).subscribe(CREATED, {});
    const answer = await refused.next();
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors?.[0]?.message).toContain('scope is required');
    await unsubscribe(group);
  });

  it('still refuses an unauthenticated subscriber while a group for the document exists', async () => {
    const group = await subscribe(connect({ api_access_token: world.agentA1.token }), CREATED);
    const answer = await connect({}).subscribe(CREATED, {}).next();
    expect(answer.data?.messageCreated ?? null).toBeNull();
    expect(answer.errors?.length).toBeGreaterThan(0);
    await unsubscribe(group);
  });
});

describe('leaving', () => {
  it('keeps the others streaming when the subscriber who started the group unsubscribes', async () => {
    const starter = await subscribe(connect({ api_access_token: world.agentA1.token }), CREATED);
    const other = await subscribe(connect({ api_access_token: world.agentA2.token }), CREATED);
    await unsubscribe(starter);
    await post(world.conversations[0]!, 'after-the-starter-left');
    expect(contentOf(await other.next())).toBe('after-the-starter-left');
    await unsubscribe(other);
  });
});
