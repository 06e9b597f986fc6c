/**
 * Concurrent changes to one conversation take turns (a row lock in the
 * service's transaction), so each one decides from the row as it is and the
 * events report what really happened; identical queries that miss the read
 * cache together run once. Run on PostgreSQL, where requests truly overlap
 * (the embedded database has a single connection).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadCacheListDocument, ToggleConversationStatusDocument } from '../generated/graphql.ts';
import { globalId, graphql, success } from '../support/graphql.ts';
import { createScratchDatabase, POSTGRES_ADMIN_URL, type ScratchDatabase } from '../support/scratch-database.ts';
import { accountPath, adminApi, seedConversation } from '../support/seed.ts';
import { REOPENED_BY_INCOMING } from '../../src/domain/messages/effects.ts';
import { startServer, type TestServer } from '../support/server.ts';

const listConversations = () =>
  graphql(server, server.adminToken, ReadCacheListDocument, { account: globalId('Account', server.accountId) }).then(
    (reply) => success(reply.data?.account).conversations,
  );
const postMessage = (displayId: number, body: object) =>
  adminApi(server).post(accountPath(server, `/conversations/${displayId}/messages`), body);
let database: ScratchDatabase;
let server: TestServer;

beforeAll(async () => {
  database = await createScratchDatabase(POSTGRES_ADMIN_URL, 'snypto_concurrency');
  server = await startServer({ DATABASE_URL: database.url });
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

describe("concurrent requests", () => {
  it('apply one after the other: open → resolved → open, with one event each', async () => {
    const { conversation } = await seedConversation(server);
    const row = await server.app.database.prisma.conversation.findUniqueOrThrow({ where: { uuid: conversation.uuid } });
    const input = { conversationId: globalId('Conversation', row.id) };
    const replies = await Promise.all(
      Array.from({ length: 4 }, () => graphql(server, server.adminToken, ToggleConversationStatusDocument, { input })),
    );
    expect(replies.map((r) => r.data?.toggleConversationStatus.__typename)).toEqual(
      Array(4).fill('ToggleConversationStatusSuccess'),
    );
    const after = await server.app.database.prisma.conversation.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.status).toBe('open');
    const events = await server.app.database.prisma.event.findMany({
      where: { name: 'conversation.status_changed', data: { path: ['conversationId'], equals: row.id } },
      orderBy: { id: 'asc' },
    });
    expect(events).toHaveLength(4);
    const changes = await server.app.database.prisma.event.findMany({
      where: { name: 'conversation.updated', data: { path: ['conversationId'], equals: row.id } },
      orderBy: { id: 'asc' },
    });
    const statuses = changes.map((e) => {
      const changed = (e.data as { changedAttributes: Record<string, { previous_value: string; current_value: string }>[] })
        .changedAttributes.find((c) => 'status' in c)!;
      return `${changed.status!.previous_value}→${changed.status!.current_value}`;
    });
    expect(statuses).toEqual(['open→resolved', 'resolved→open', 'open→resolved', 'resolved→open']);
  });

  it('lets only the first of several simultaneous incoming messages reopen a resolved conversation', async () => {
    const { conversation } = await seedConversation(server);
    const prisma = server.app.database.prisma;
    const row = await prisma.conversation.findUniqueOrThrow({ where: { uuid: conversation.uuid } });
    await graphql(server, server.adminToken, ToggleConversationStatusDocument, {
      input: { conversationId: globalId('Conversation', row.id), status: 'RESOLVED' },
    });
    const replies = await Promise.all(
      [1, 2, 3].map((n) =>
        adminApi(server).post(accountPath(server, `/conversations/${conversation.id}/messages`), {
          content: `hello ${n}`,
          message_type: 'incoming',
        }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    const reopenings = await prisma.message.count({
      where: { conversationId: row.id, messageType: 'activity', content: REOPENED_BY_INCOMING },
    });
    expect(reopenings).toBe(1);
    expect((await prisma.conversation.findUniqueOrThrow({ where: { id: row.id } })).status).toBe('open');
  });

  it('executes a query once when many identical requests miss together', async () => {
    const { conversation } = await seedConversation(server);
    await postMessage(conversation.id, { content: 'one', message_type: 'incoming' });
    await listConversations();
    await postMessage(conversation.id, { content: 'two', message_type: 'incoming' });
    // The conversation page is read by exactly one statement per execution: the planned page
    // (domain/conversations/page.ts, with its total) or, were it not planned, Prisma's (without the count).
    let executions = 0;
    const stop = server.app.database.onStatement((sql) => {
      if (/page_total/.test(sql) || (/FROM "public"."conversations"/.test(sql) && !/COUNT\(/.test(sql))) executions++;
    });
    try {
      const replies = await Promise.all(Array.from({ length: 10 }, () => listConversations()));
      expect(new Set(replies.map((r) => JSON.stringify(r))).size).toBe(1);
    } finally {
      stop();
    }
    expect(executions).toBe(1);
  });
});
