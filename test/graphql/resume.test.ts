/**
 * Subscriptions that survive reconnects (src/events/history.ts, replay.ts,
 * src/graphql/event-cursors.ts): every result carries its event's cursor;
 * a subscriber that comes back with it (`after` over graphql-ws, the
 * `Last-Event-ID` header over SSE) gets what it missed, in order, then the
 * live events, none twice; what it replays obeys the same access rules as
 * live delivery, asked now; a history that no longer reaches back is
 * refused with HISTORY_UNAVAILABLE. The event history is pruned without
 * touching pending webhook deliveries.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHistory } from '../../src/events/history.ts';
import { ContactResumeMessageCreatedDocument, ResumeMessageCreatedDocument } from '../generated/graphql.ts';
import { connectGraphqlWs, type WsClient } from '../support/graphql-ws.ts';
import { globalId } from '../support/graphql.ts';
import { accountPath, addInboxMember, adminApi, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';
import { openEventStream } from '../support/event-stream.ts';
import { client } from '../support/http.ts';

type Seeded = Awaited<ReturnType<typeof seedConversation>>;
type Heard = { databaseId: number; content: string | null; private: boolean };
/** A subscription as these tests read it: any of the documents below, with its extensions. */
type Subscription<R> = { next(timeoutMs?: number): Promise<R>; nextMatching(predicate: (result: R) => boolean, timeoutMs?: number): Promise<R> };
type Result = { data?: { messageCreated?: Heard } | null; errors?: readonly { message: string; extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> };

let server: TestServer;
let seeded: Seeded;
const clients: WsClient[] = [];

beforeAll(async () => {
  server = await startServer();
  seeded = await seedConversation(server);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await server?.stop();
});

const post = (conversationId: number, body: Record<string, unknown>, token = server.adminToken) =>
  client(server.url, token).post(accountPath(server, `/conversations/${conversationId}/messages`), body);
const say = async (content: string, extra: Record<string, unknown> = {}, conversationId = seeded.conversation.id) => {
  const reply = await post(conversationId, { content, message_type: 'outgoing', ...extra });
  expect(reply.status).toBe(200);
  return reply.body.id as number;
};
const accountScope = () => ({ accountId: globalId('Account', server.accountId) });
const connect = async (params: Record<string, unknown> = { api_access_token: server.adminToken }) => {
  const ws = connectGraphqlWs(server.wsUrl, params);
  clients.push(ws);
  await ws.connected;
  return ws;
};
const cursorOf = (result: Result) => {
  const cursor = result.extensions?.cursor;
  expect(cursor).toMatch(/^[A-Za-z0-9_-]+:\d+:\d+$/);
  return cursor as string;
};
const contentOf = (result: Result) => result.data?.messageCreated?.content;

/**
 * Subscribes live, says marks until one is heard and returns the cursor of
 * that result (and the socket, still open). `scope: null`: the contact's
 * document, which names no scope and selects no staff-only field.
 */
async function liveCursor(params?: Record<string, unknown>, scope: Record<string, unknown> | null = accountScope(), conversationId?: number) {
  const ws = await connect(params);
  const subscription = (
    scope === null ? ws.subscribe(ContactResumeMessageCreatedDocument, {}) : ws.subscribe(ResumeMessageCreatedDocument, { scope })
  ) as unknown as Subscription<Result>;
  let cursor: string | undefined;
  // The subscription is live once a message said after it starts is heard.
  for (let attempt = 0; !cursor && attempt < 50; attempt++) {
    const content = `mark ${attempt} ${Math.random()}`;
    await say(content, {}, conversationId);
    const heard = await subscription
      .nextMatching((r) => r.errors !== undefined || contentOf(r) === content || (contentOf(r)?.startsWith('mark ') ?? false), 2_000)
      .catch(() => null);
    expect(heard?.errors).toBeUndefined();
    if (heard) cursor = cursorOf(heard);
  }
  expect(cursor).toBeDefined();
  return { ws, subscription, cursor: cursor! };
}

/** What a resumed subscription delivers up to (and without) the `until` message, after sending `until` itself. */
async function heardUntil(subscription: Subscription<Result>, until: () => Promise<unknown>, untilContent: string) {
  await until();
  const heard: Result[] = [];
  for (;;) {
    const result = (await subscription.next(10_000)) as Result;
    if (result.errors) return { heard, errors: result.errors };
    if (contentOf(result) === untilContent) return { heard, errors: undefined, last: result };
    heard.push(result);
  }
}

describe('graphql-ws: a subscription resumes after the cursor it last heard', () => {
  it('delivers what was missed in order, then the live events, none twice, each with a later cursor', async () => {
    const { ws, cursor } = await liveCursor();
    await ws.dispose();
    const missed = [await say('missed 1', { message_type: 'incoming' }), await say('missed 2 (a private note)', { private: true }), await say('missed 3')];

    const again = await connect();
    const resumed = again.subscribe(ResumeMessageCreatedDocument, { scope: accountScope(), after: cursor }) as unknown as Subscription<Result>;
    const { heard, errors, last } = await heardUntil(resumed, () => say('live after resuming'), 'live after resuming');
    expect(errors).toBeUndefined();
    expect(heard.map((r) => r.data?.messageCreated?.databaseId)).toEqual(missed);
    expect(heard[1]!.data?.messageCreated?.private).toBe(true);
    const cursors = [cursor, ...heard.map(cursorOf), cursorOf(last!)].map((c) => Number(c.split(':')[2]));
    for (let i = 1; i < cursors.length; i++) expect(cursors[i]!).toBeGreaterThan(cursors[i - 1]!);
  });

  it('loses nothing and repeats nothing at the seam, whatever is written before and while it resumes (generated)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 6 }), async (before, during) => {
        const { ws, cursor } = await liveCursor();
        await ws.dispose();
        const written: number[] = [];
        for (let i = 0; i < before; i++) written.push(await say(`before ${i}`));
        const again = await connect();
        const resumed = again.subscribe(ResumeMessageCreatedDocument, { scope: accountScope(), after: cursor }) as unknown as Subscription<Result>;
        // Written concurrently with the resume: some commit before the history is read, some after.
        written.push(...(await Promise.all(Array.from({ length: during }, (_, i) => say(`during ${i}`)))));
        const { heard, errors } = await heardUntil(resumed, () => say('seam probe'), 'seam probe');
        expect(errors).toBeUndefined();
        const ids = heard.map((r) => r.data!.messageCreated!.databaseId);
        expect(new Set(ids).size).toBe(ids.length);
        expect([...ids].sort((a, b) => a - b)).toEqual([...written].sort((a, b) => a - b));
        await again.dispose();
      }),
      { numRuns: 6 },
    );
  });
});

describe('a replay obeys the same access rules as live delivery, asked at the time of the replay', () => {
  it('never replays a private note to a contact, and only their own conversation', async () => {
    const other = await seedConversation(server);
    const contact = { inboxIdentifier: seeded.inbox.inbox_identifier, contactIdentifier: seeded.sourceId };
    const { ws, cursor } = await liveCursor(contact, null);
    await ws.dispose();
    const visible = await say('for the contact');
    await say('a private note', { private: true });
    await say('another contact\'s', {}, other.conversation.id);
    const again = await connect(contact);
    const resumed = again.subscribe(ContactResumeMessageCreatedDocument, { after: cursor }) as unknown as Subscription<Result>;
    const { heard, errors } = await heardUntil(resumed, () => say('contact probe'), 'contact probe');
    expect(errors).toBeUndefined();
    expect(heard.map((r) => r.data?.messageCreated?.databaseId)).toEqual([visible]);
  });

  it('replays to an agent only the inboxes they are a member of now', async () => {
    const kept = await seedConversation(server);
    const removedFrom = await seedConversation(server);
    const agent = await createAgent(server);
    await addInboxMember(server, kept.inbox.id, agent.id);
    await addInboxMember(server, removedFrom.inbox.id, agent.id);
    const params = { api_access_token: agent.token };
    const { ws, cursor } = await liveCursor(params, accountScope(), kept.conversation.id);
    await ws.dispose();
    const inKept = await say('in the inbox they keep', {}, kept.conversation.id);
    await say('in the inbox they lose, before', {}, removedFrom.conversation.id);
    await say('in an inbox they never had');
    const removal = await adminApi(server).delete(accountPath(server, '/inbox_members'), { body: { inbox_id: removedFrom.inbox.id, user_ids: [agent.id] } });
    expect(removal.status).toBe(200);
    await say('in the inbox they lost, after', {}, removedFrom.conversation.id);

    const again = await connect(params);
    const resumed = again.subscribe(ResumeMessageCreatedDocument, { scope: accountScope(), after: cursor }) as unknown as Subscription<Result>;
    const { heard, errors } = await heardUntil(resumed, () => say('agent probe', {}, kept.conversation.id), 'agent probe');
    expect(errors).toBeUndefined();
    expect(heard.map((r) => r.data?.messageCreated?.databaseId)).toEqual([inKept]);
  });
});

describe('a history that cannot serve the resume point is refused, never guessed', () => {
  const refusal = async (after: string, scope: Record<string, unknown> = accountScope(), target = server) => {
    const ws = connectGraphqlWs(target.wsUrl, { api_access_token: target.adminToken });
    clients.push(ws);
    const result = (await ws.subscribe(ResumeMessageCreatedDocument, { scope, after }).next()) as Result;
    return result.errors?.[0];
  };

  it('refuses cursors it never gave (generated)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.stringMatching(/^[A-Za-z0-9]{1,12}:\d{1,12}:\d{1,20}$/),
          fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
        ),
        async (after) => {
          const error = await refusal(after);
          expect(error?.extensions?.code).toBe('HISTORY_UNAVAILABLE');
        },
      ),
      { numRuns: 20 },
    );
  });

  it('refuses a cursor of another history, of an event not in this account, or of one no longer kept', async () => {
    const { ws, cursor } = await liveCursor();
    await ws.dispose();
    const [epoch, account, seq] = cursor.split(':') as [string, string, string];
    expect((await refusal(`other${epoch}:${account}:${seq}`))?.extensions?.code).toBe('HISTORY_UNAVAILABLE');
    expect((await refusal(`${epoch}:${account}:${Number(seq) + 1_000_000}`))?.extensions?.code).toBe('HISTORY_UNAVAILABLE');

    const foreign = await seedForeignTenant(server);
    const foreignMessage = await client(server.url, foreign.adminToken).post(
      `/api/v1/accounts/${foreign.account.id}/conversations/${foreign.conversation.displayId}/messages`,
      { content: 'foreign' },
    );
    expect(foreignMessage.status).toBe(200);
    const foreignEvent = await server.app.database.prisma.event.findFirstOrThrow({ where: { accountId: foreign.account.id }, orderBy: { id: 'desc' } });
    // Another account's position, whether the cursor says so or claims this account.
    expect((await refusal(`${epoch}:${foreign.account.id}:${foreignEvent.seq}`))?.extensions?.code).toBe('HISTORY_UNAVAILABLE');
    expect((await refusal(`${epoch}:${account}:${Number(seq) + 5_000}`))?.extensions?.code).toBe('HISTORY_UNAVAILABLE');
  });

  it('refuses a resume further back than the window, or more events behind than the limit', async () => {
    const strict = await startServer({ SNYPTO_REPLAY_WINDOW: '0' });
    const limited = await startServer({ SNYPTO_REPLAY_MAX_EVENTS: '2' });
    try {
      for (const [target, missed] of [
        [strict, 0],
        [limited, 3],
      ] as const) {
        const own = await seedConversation(target);
        const ws = connectGraphqlWs(target.wsUrl, { api_access_token: target.adminToken });
        clients.push(ws);
        const scope = { accountId: globalId('Account', target.accountId) };
        const live = ws.subscribe(ResumeMessageCreatedDocument, { scope });
        const sayThere = (content: string) =>
          client(target.url, target.adminToken).post(`/api/v1/accounts/${target.accountId}/conversations/${own.conversation.id}/messages`, { content });
        let heard: Result | undefined;
        while (!heard) {
          await sayThere('mark');
          heard = (await live.next(2_000).catch(() => undefined)) as Result | undefined;
        }
        for (let i = 0; i < missed; i++) await sayThere(`missed ${i}`);
        const error = await refusal(cursorOf(heard), scope, target);
        expect(error?.extensions?.code).toBe('HISTORY_UNAVAILABLE');
        expect(error?.message).toMatch(missed ? /more than 2 events/ : /reaches back 0 s/);
      }
    } finally {
      await Promise.all([strict.stop(), limited.stop()]);
    }
  });
});

describe('SSE: each event has the cursor as its id, and Last-Event-ID resumes after it', () => {
  const query = 'subscription ($scope: EventScope) { messageCreated(scope: $scope) { databaseId content } }';
  for (const path of ['/graphql', '/graphql/stream']) {
    it(`over ${path === '/graphql' ? "Yoga's GraphQL over SSE" : 'graphql-sse (distinct connections)'} at ${path}`, async () => {
      const url = `${server.url}${path}?${new URLSearchParams({ query, variables: JSON.stringify({ scope: accountScope() }) })}`;
      const headers = { authorization: `Bearer ${server.adminToken}` };
      const stream = await openEventStream(url, headers);
      let first: { id?: string; data: string } | undefined;
      for (let attempt = 0; !first && attempt < 50; attempt++) {
        const content = `sse mark ${attempt}`;
        await say(content);
        first = await stream.next((e) => e.event === 'next' && e.data.includes(content), 2_000).catch(() => undefined);
      }
      expect(first?.id).toBe(JSON.parse(first!.data).extensions.cursor);
      stream.close();

      const missed = [await say('sse missed 1'), await say('sse missed 2')];
      const again = await openEventStream(url, { ...headers, 'last-event-id': first!.id! });
      await say('sse live');
      const heard: number[] = [];
      for (;;) {
        const event = await again.next((e) => e.event === 'next');
        const { databaseId, content } = JSON.parse(event.data).data.messageCreated as Heard;
        if (content === 'sse live') break;
        heard.push(databaseId);
      }
      again.close();
      expect(heard).toEqual(missed);
    });
  }
});

describe('pruning the event history', () => {
  it('deletes events past the retention, but none with a webhook delivery still pending', async () => {
    // A receiver that refuses connections: its deliveries stay pending, waiting for their next attempt.
    const refused = await seedConversation(server, 'http://127.0.0.1:9/refuses');
    await say('to a receiver that refuses', {}, refused.conversation.id);
    const db = server.app.database.prisma;
    const pending = await db.webhookDelivery.findMany({ where: { state: 'pending' }, select: { eventId: true } });
    expect(pending.length).toBeGreaterThan(0);
    expect(await db.webhookDelivery.count({ where: { inboxId: refused.inbox.id, state: 'pending' } })).toBeGreaterThan(0);
    const before = await db.event.count();
    const later = new Date(Date.now() + 8 * 24 * 3600 * 1000);
    const history = new EventHistory(db, { windowSeconds: 900, maxEvents: 1000, memoryItems: 256, retentionSeconds: 7 * 24 * 3600, pruneIntervalSeconds: 600 }, () => later);
    const pruned = await history.prune(7);
    const kept = await db.event.findMany({ select: { id: true } });
    expect(pruned).toBe(before - kept.length);
    expect(kept.map((e) => e.id).sort()).toEqual([...new Set(pending.map((d) => d.eventId))].sort());
    expect(await db.webhookDelivery.count({ where: { state: 'pending' } })).toBe(pending.length);
    expect(await db.webhookDelivery.count({ where: { state: { not: 'pending' } } })).toBe(0);
  });
});
