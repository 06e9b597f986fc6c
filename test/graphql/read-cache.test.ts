/**
 * The read cache: a query asked again is answered without SQL until the
 * next committed write, and never with something a write has changed or
 * with another caller's view. Also the write epoch it rests on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ReadCacheListDocument,
  ReadCacheMarkSeenDocument,
  ReadCacheMeDocument,
  ReadCacheResetTokenDocument,
} from '../generated/graphql.ts';
import { globalId, graphql, success } from '../support/graphql.ts';
import { accountPath, addInboxMember, adminApi, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { loadConfig } from '../../src/config.ts';
import { MAX_KEY_LENGTH } from '../../src/graphql/read-cache.ts';
import { parse } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

/** Runs `work` and returns its result with the SQL statements it caused (the worker's polling left out). */
async function counting<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
  let statements = 0;
  const stop = server.app.database.onStatement((sql) => {
    if (!sql.includes('webhook_deliveries')) statements++;
  });
  try {
    return { result: await work(), statements };
  } finally {
    stop();
  }
}

const list = (caller: string) =>
  graphql(server, caller, ReadCacheListDocument, { account: globalId('Account', server.accountId) }).then(
    (reply) => success(reply.data?.account).conversations,
  );
const post = (displayId: number, body: object) =>
  adminApi(server).post(accountPath(server, `/conversations/${displayId}/messages`), body);

describe('the read cache', () => {
  it('answers a repeated query without SQL, and the first one after a write afresh', async () => {
    const { conversation } = await seedConversation(server);
    await post(conversation.id, { content: 'first', message_type: 'incoming' });
    const first = await counting(() => list(server.adminToken));
    expect(first.statements).toBeGreaterThan(0);
    const again = await counting(() => list(server.adminToken));
    expect(again.statements).toBe(0);
    expect(again.result).toEqual(first.result);

    await post(conversation.id, { content: 'second', message_type: 'incoming' });
    const after = await counting(() => list(server.adminToken));
    expect(after.statements).toBeGreaterThan(0);
    const node = after.result.edges.find((e) => e.node.displayId === conversation.id)!.node;
    expect(node.lastMessage?.content).toBe('second');
  });

  it('sees a write that emits no event (an agent marking a conversation seen)', async () => {
    const { conversation } = await seedConversation(server);
    await post(conversation.id, { content: 'unread', message_type: 'incoming' });
    const before = (await list(server.adminToken)).edges.find((e) => e.node.displayId === conversation.id)!.node;
    expect(before.unreadCount).toBe(1);
    const seen = await graphql(server, server.adminToken, ReadCacheMarkSeenDocument, { input: { conversationId: before.id } });
    expect(seen.errors).toBeUndefined();
    expect(seen.data?.markConversationSeen.__typename).toBe('MarkConversationSeenSuccess');
    const after = (await list(server.adminToken)).edges.find((e) => e.node.displayId === conversation.id)!.node;
    expect(after.unreadCount).toBe(0);
  });

  it("never serves one caller another's view, and follows membership changes", async () => {
    const agent = await createAgent(server);
    const mine = await seedConversation(server);
    const hidden = await seedConversation(server);
    await addInboxMember(server, mine.inbox.id, agent.id);
    const agentView = await list(agent.token);
    const adminView = await list(server.adminToken);
    const inboxesOf = (view: typeof agentView) => new Set(view.edges.map((e) => e.node.inbox.databaseId));
    expect(inboxesOf(agentView)).toEqual(new Set([mine.inbox.id]));
    expect(inboxesOf(adminView).has(hidden.inbox.id)).toBe(true);
    expect(inboxesOf(await list(agent.token))).toEqual(new Set([mine.inbox.id]));

    await addInboxMember(server, hidden.inbox.id, agent.id);
    expect(inboxesOf(await list(agent.token))).toEqual(new Set([mine.inbox.id, hidden.inbox.id]));
  });

  it('refuses a token as soon as it has been reset', async () => {
    const agent = await createAgent(server);
    expect((await graphql(server, agent.token, ReadCacheMeDocument)).data?.me.name).toBe('Agent');
    expect((await graphql(server, agent.token, ReadCacheMeDocument)).data?.me.name).toBe('Agent');
    const reset = success((await graphql(server, agent.token, ReadCacheResetTokenDocument)).data?.resetAccessToken);
    const stale = await graphql(server, agent.token, ReadCacheMeDocument);
    expect(stale.data).toBeNull();
    expect(stale.errors?.[0]?.extensions?.code).toBe('INVALID_TOKEN');
    expect((await graphql(server, reset.accessToken, ReadCacheMeDocument)).data?.me.name).toBe('Agent');
  });
});

describe('the read cache under hostile variables', () => {
  const search = parse(
    'query ($account: ID!, $search: String) { account(id: $account) { ... on AccountSuccess { data { contacts(search: $search) { totalCount } } } } }',
  ) as TypedDocumentNode<{ account: unknown }, { account: string; search: string }>;
  const ask = (text: string) => counting(() => graphql(server, server.adminToken, search, { account: globalId('Account', server.accountId), search: text }));

  it('keeps no entry whose key is longer than MAX_KEY_LENGTH (variables of megabytes would fill memory)', async () => {
    // Found by `npm run fuzz`: 2,000 entries keyed by 4 MB variables ran the process out of heap.
    const long = 'x'.repeat(MAX_KEY_LENGTH);
    expect((await ask(long)).statements).toBeGreaterThan(0);
    expect((await ask(long)).statements).toBeGreaterThan(0);
    const short = 'y'.repeat(MAX_KEY_LENGTH / 2);
    expect((await ask(short)).statements).toBeGreaterThan(0);
    expect((await ask(short)).statements).toBe(0);
  });
});

describe('the write epoch', () => {
  const epoch = () => server.app.database.writeEpoch();
  const prisma = () => server.app.database.prisma;

  it('does not move for reads, nor for a write that changed no row', async () => {
    const before = epoch();
    await prisma().account.findMany();
    await prisma().$queryRaw`SELECT 1 FROM accounts FOR UPDATE`;
    await prisma().$queryRaw`UPDATE accounts SET name = name WHERE id = -1 RETURNING id`;
    await prisma().contact.updateMany({ where: { id: -1 }, data: { name: 'nobody' } });
    expect(epoch()).toBe(before);
  });

  it('moves with each write that changed rows, and again when its transaction commits or rolls back', async () => {
    const before = epoch();
    await prisma().account.update({ where: { id: server.accountId }, data: { locale: 'en' } });
    expect(epoch()).toBe(before + 1);
    let inside = NaN;
    await prisma().$transaction(async (tx) => {
      await tx.account.update({ where: { id: server.accountId }, data: { locale: 'en' } });
      inside = epoch();
    });
    // Raised at the write, so that nothing read meanwhile (the old row) is kept past the commit.
    expect(inside).toBe(before + 2);
    expect(epoch()).toBe(before + 3);
    await expect(
      prisma().$transaction(async (tx) => {
        await tx.account.update({ where: { id: server.accountId }, data: { locale: 'en' } });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    // A rolled-back write still ends what was read inside its transaction (which saw the write).
    expect(epoch()).toBe(before + 5);
  });

  it('moves for the named tables only when they are written, those in a CTE included', async () => {
    const accounts = () => server.app.database.writeEpoch(['accounts']);
    const contacts = () => server.app.database.writeEpoch(['contacts']);
    const [a, c] = [accounts(), contacts()];
    await prisma().account.update({ where: { id: server.accountId }, data: { locale: 'en' } });
    expect([accounts(), contacts()]).toEqual([a + 1, c]);
    await prisma().$executeRaw`WITH touched AS (UPDATE contacts SET name = name WHERE account_id = ${server.accountId})
      UPDATE accounts SET locale = 'en' WHERE id = ${server.accountId}`;
    expect([accounts(), contacts()]).toEqual([a + 2, c + 1]);
    await prisma().contact.findMany({ take: 1 });
    expect([accounts(), contacts()]).toEqual([a + 2, c + 1]);
  });
});

describe('read cache configuration', () => {
  it('is on by default, with REDIS_URL too (instances share their writes), off at 0, and refuses a negative size', () => {
    expect(loadConfig({}).readCacheEntries).toBe(2000);
    expect(loadConfig({ SNYPTO_READ_CACHE_ENTRIES: '0' }).readCacheEntries).toBe(0);
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).readCacheEntries).toBe(2000);
    expect(() => loadConfig({ SNYPTO_READ_CACHE_ENTRIES: '-1' })).toThrow(/SNYPTO_READ_CACHE_ENTRIES/);
  });

  it('sizes the query-result cache on its own when SNYPTO_QUERY_CACHE_ENTRIES is set, else like the others', () => {
    expect(loadConfig({}).queryCacheEntries).toBe(2000);
    expect(loadConfig({ SNYPTO_READ_CACHE_ENTRIES: '0' }).queryCacheEntries).toBe(0);
    expect(loadConfig({ SNYPTO_QUERY_CACHE_ENTRIES: '0' })).toMatchObject({ readCacheEntries: 2000, queryCacheEntries: 0 });
    expect(() => loadConfig({ SNYPTO_QUERY_CACHE_ENTRIES: 'many' })).toThrow(/SNYPTO_QUERY_CACHE_ENTRIES/);
  });

  it('with the query cache alone off, executes every query but still remembers who a token belongs to', async () => {
    const queriesOnly = await startServer({ SNYPTO_QUERY_CACHE_ENTRIES: '0' });
    try {
      const statements: string[] = [];
      const stop = queriesOnly.app.database.onStatement((sql) => {
        if (!sql.includes('webhook_deliveries')) statements.push(sql);
      });
      const ask = () =>
        graphql(queriesOnly, queriesOnly.adminToken, ReadCacheListDocument, { account: globalId('Account', queriesOnly.accountId) });
      try {
        await ask();
        const first = statements.splice(0);
        await ask();
        const again = statements.splice(0);
        expect(first.some((sql) => sql.includes('access_tokens'))).toBe(true);
        expect(again.some((sql) => sql.includes('access_tokens'))).toBe(false);
        expect(again.some((sql) => sql.includes('conversations'))).toBe(true);
      } finally {
        stop();
      }
    } finally {
      await queriesOnly.stop();
    }
  });
});
