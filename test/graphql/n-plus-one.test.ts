/**
 * No N+1: the conversation list with its last message and sender, contact,
 * assignee, inbox and unread count costs the same small number of SQL
 * statements for a page of 5 as for a page of 25. Statements are counted at
 * the driver adapter (`Database.onStatement`), around one real HTTP request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AssignConversationDocument,
  ClientSessionConversationListDocument,
  ConversationListForCountingDocument,
} from '../generated/graphql.ts';
import { contactCaller, globalId, graphql, success } from '../support/graphql.ts';
import {
  accountPath,
  addInboxMember,
  adminApi,
  createAgent,
  createContactInInbox,
  createConversation,
  createInbox,
} from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let inbox: { id: number; inbox_identifier: string };
let agent: Awaited<ReturnType<typeof createAgent>>;
let agentMemberGid: string;
let adminMemberGid: string;
let seededCount = 0;

beforeAll(async () => {
  // Statement counts measure execution, so the read cache (which would answer repeats with none) is off.
  server = await startServer({ SNYPTO_READ_CACHE_ENTRIES: '0' });
  inbox = await createInbox(server);
  agent = await createAgent(server);
  await addInboxMember(server, inbox.id, agent.id);
  const prisma = server.app.database.prisma;
  const members = await prisma.accountUser.findMany({ where: { accountId: server.accountId } });
  const adminUserId = (await prisma.accessToken.findUniqueOrThrow({ where: { token: server.adminToken } })).userId;
  agentMemberGid = globalId('Agent', members.find((m) => m.userId === agent.id)!.id);
  adminMemberGid = globalId('Agent', members.find((m) => m.userId === adminUserId)!.id);
});
afterAll(async () => {
  await server?.stop();
});

/** Conversations with an incoming and an outgoing message, assigned to the agent, the admin, or nobody. */
async function seedConversations(count: number) {
  for (let i = 0; i < count; i++, seededCount++) {
    const { sourceId } = await createContactInInbox(server, inbox.id);
    const { id: displayId } = await createConversation(server, sourceId);
    const post = (body: object) => adminApi(server).post(accountPath(server, `/conversations/${displayId}/messages`), body);
    await post({ content: `question ${seededCount}`, message_type: 'incoming' });
    if (seededCount % 2 === 0) await post({ content: `answer ${seededCount}`, message_type: 'outgoing' });
    const assigneeId = [agentMemberGid, adminMemberGid, null][seededCount % 3];
    if (assigneeId) {
      const row = await server.app.database.prisma.conversation.findUniqueOrThrow({
        where: { accountId_displayId: { accountId: server.accountId, displayId } },
      });
      const reply = await graphql(server, server.adminToken, AssignConversationDocument, {
        input: { conversationId: globalId('Conversation', row.id), assigneeId },
      });
      success(reply.data?.assignConversation);
    }
  }
}

/** Runs the list once and returns the SQL statements it caused (the webhook worker's polling left out). */
async function statementsFor(first: number) {
  const statements: string[] = [];
  const stop = server.app.database.onStatement((sql) => {
    if (!sql.includes('webhook_deliveries')) statements.push(sql);
  });
  try {
    const reply = await graphql(server, server.adminToken, ConversationListForCountingDocument, {
      id: globalId('Account', server.accountId),
      first,
    });
    expect(reply.errors).toBeUndefined();
    const connection = success(reply.data?.account).conversations;
    expect(connection.edges).toHaveLength(first);
    return { statements, nodes: connection.edges.map((e) => e.node) };
  } finally {
    stop();
  }
}

/**
 * Statements per request, whatever the page size:
 *  1-2  the caller: access token; membership with the account's status;
 *  3    the account;
 *  4    the planned page (domain/conversations/page.ts): the conversations
 *       with their contacts, inboxes and assignees (agents with their
 *       memberships, bots), the total, the unread counts and the last
 *       messages with their senders (contacts, bots, agents with their
 *       memberships), in one statement.
 */
const EXPECTED_STATEMENTS = 4;

describe('conversation list statement count', () => {
  it('is the same bounded number for 5 and for 25 conversations', async () => {
    await seedConversations(5);
    await statementsFor(5);
    const five = await statementsFor(5);

    await seedConversations(20);
    const twentyFive = await statementsFor(25);

    const nodes = twentyFive.nodes;
    expect(nodes.some((n) => n.assignee?.__typename === 'Agent')).toBe(true);
    expect(nodes.some((n) => n.assignee === null)).toBe(true);
    expect(nodes.some((n) => n.lastMessage?.sender?.__typename === 'Agent')).toBe(true);
    expect(nodes.some((n) => n.lastMessage?.sender?.__typename === 'Contact')).toBe(true);
    expect(nodes.every((n) => n.contact.name === 'Jane Doe' && n.inbox.name !== '' && n.unreadCount === 1)).toBe(true);

    expect(twentyFive.statements.length, twentyFive.statements.join('\n')).toBe(five.statements.length);
    expect(five.statements.length, five.statements.join('\n')).toBe(EXPECTED_STATEMENTS);
  });
});

describe('the REST conversation list', () => {
  it('reads its page of views (three last messages each, senders, attachments) in one planned statement', async () => {
    const statements: string[] = [];
    const stop = server.app.database.onStatement((sql) => {
      if (!sql.includes('webhook_deliveries')) statements.push(sql);
    });
    try {
      const reply = await adminApi(server).get(accountPath(server, '/conversations?status=all'));
      expect(reply.status).toBe(200);
      expect(reply.body.data.payload.length).toBeGreaterThan(1);
    } finally {
      stop();
    }
    // The page with everything its views show, and none of the by-id loads of view.ts.
    expect(statements.filter((sql) => sql.includes('page_total')), statements.join('\n')).toHaveLength(1);
    expect(statements.some((sql) => /FROM "public"."messages"|DISTINCT ON/.test(sql)), statements.join('\n')).toBe(false);
  });
});

describe("a contact's own conversation list", () => {
  /** The statements of one request for the session's conversations with their last messages, and its answer. */
  async function sessionList(sourceId: string) {
    const statements: string[] = [];
    const stop = server.app.database.onStatement((sql) => {
      if (!sql.includes('webhook_deliveries')) statements.push(sql);
    });
    try {
      const reply = await graphql(server, contactCaller(inbox.inbox_identifier, sourceId), ClientSessionConversationListDocument);
      expect(reply.errors).toBeUndefined();
      return { statements, conversations: success(reply.data?.contactSession).conversations };
    } finally {
      stop();
    }
  }

  it('is one planned statement for the page, whatever its size, and its last messages are ones the contact may see', async () => {
    const { sourceId } = await createContactInInbox(server, inbox.id);
    const open = async () => {
      const { id } = await createConversation(server, sourceId);
      const post = (body: object) => adminApi(server).post(accountPath(server, `/conversations/${id}/messages`), body);
      await post({ content: 'question', message_type: 'incoming' });
      await post({ content: 'answer', message_type: 'outgoing' });
      // The latest message is a private note: the contact's last message is the answer before it.
      await post({ content: 'internal note', message_type: 'outgoing', private: true });
    };
    await open();
    await sessionList(sourceId);
    const one = await sessionList(sourceId);
    await open();
    await open();
    const three = await sessionList(sourceId);

    expect(three.conversations.totalCount).toBe(3);
    for (const { node } of three.conversations.edges) {
      expect(node.lastMessage?.content).toBe('answer');
      expect(node.lastMessage?.sender?.__typename).toBe('Agent');
      expect(node.unreadCount).toBe(1);
    }
    expect(three.statements.length, three.statements.join('\n')).toBe(one.statements.length);
    // The session (with its contact), then the planned page with its total, unread counts and last messages.
    expect(three.statements.filter((sql) => sql.includes('page_total'))).toHaveLength(1);
    expect(three.statements.some((sql) => /FROM "public"."messages"/.test(sql))).toBe(false);
  });
});
