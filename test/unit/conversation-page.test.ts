/**
 * The planned page of a conversation list (src/domain/conversations/page.ts)
 * against Prisma reading the same list, on generated conversations in a
 * real database (the embedded one, and a scratch PostgreSQL database, whose
 * driver hands JSON and timestamps back its own way): contacts whose texts mix cases and LIKE
 * wildcards, labels, every status, assignees (nobody, an agent, a bot),
 * priorities and waiting times with nulls, messages of every kind from
 * every kind of sender, with attachments. For
 * generated filters, sort orders, pages and callers (administrator, agent
 * of one inbox, agent bot), the planned rows (with their contacts,
 * assignees and inboxes), total, unread counts and last messages (every
 * message, or those a contact may see) must equal what Prisma, the list's
 * `where`/`orderBy` and the batch loaders of view.ts read, and REST's
 * views of the page (three last messages each, with senders, attachments
 * and the conversation) equal what view.ts loads by id, and the counts of
 * the list's tabs (REST `meta`) equal Prisma's counts. The list's rule
 * is also held equal in its three forms (Prisma `where`, SQL, predicate).
 */
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db.ts';
import { chatMessages } from '../../src/domain/access/rules.ts';
import type { AccountActor } from '../../src/domain/actor.ts';
import {
  assigneeCountRules,
  CONVERSATION_SORTS,
  conversationListOrder,
  conversationListOrdering,
  conversationListRule,
  listConversationsInput,
  type ListConversationsInput,
} from '../../src/domain/conversations/list.ts';
import { countTabs, loadConversationPage, loadConversationViewPage } from '../../src/domain/conversations/page.ts';
import { lastMessageIds, loadConversationViews, loadUnreadCounts } from '../../src/domain/conversations/view.ts';
import { fuzzParameters, fuzzTimeout } from '../fuzz/settings.ts';
import { migratedDataDir } from '../support/pglite-template.ts';
import { createScratchDatabase, POSTGRES_ADMIN_URL } from '../support/scratch-database.ts';

let database: Database;
const prisma = () => database.prisma;

/** Opens each kind of database for its suite; each returns what closes it. */
const OPENERS = {
  PGlite: async () => {
    const directory = await migratedDataDir('snypto-conversation-page-');
    database = await openDatabase({ databaseUrl: undefined, databasePoolSize: 1, dataDir: directory });
    await database.startupDone();
    return () => rm(directory, { recursive: true, force: true });
  },
  PostgreSQL: async () => {
    const scratch = await createScratchDatabase(POSTGRES_ADMIN_URL, 'snypto_conversation_page');
    database = await openDatabase({ databaseUrl: scratch.url, databasePoolSize: 2, dataDir: tmpdir() });
    await database.startupDone();
    return () => scratch.drop();
  },
};

const ACCOUNT = 1;
const ADMIN = 1;
const AGENT = 2;
const BOT = 1;
const LABELS = ['billing', 'vip', 'bug'] as const;
const STATUSES = ['open', 'resolved', 'pending', 'snoozed'] as const;
const MESSAGE_TYPES = ['incoming', 'outgoing', 'activity', 'template'] as const;
/** Texts for contacts and searches: cases, LIKE wildcards and the escape character, a few letters so that searches hit. */
const text = fc.string({ unit: fc.constantFrom('a', 'B', 'b', '%', '_', '\\', ' '), maxLength: 5 });
const time = fc.option(fc.integer({ min: 0, max: 5 }), { nil: null });

const worlds = fc.record({
  contacts: fc.array(
    fc.record({ name: text, email: fc.option(text, { nil: null }), phoneNumber: fc.option(text, { nil: null }), identifier: fc.option(text, { nil: null }) }),
    { minLength: 1, maxLength: 4 },
  ),
  conversations: fc.array(
    fc.record({
      contact: fc.nat(),
      inbox: fc.constantFrom(1, 2),
      status: fc.constantFrom(...STATUSES),
      assignee: fc.constantFrom('nobody', 'admin', 'agent', 'bot'),
      labels: fc.subarray([...LABELS]),
      priority: fc.constantFrom(null, 'low', 'urgent'),
      waitingSince: time,
      firstReply: time,
      agentLastSeen: time,
      lastActivity: fc.integer({ min: 0, max: 3 }),
      messages: fc.array(
        fc.record({
          type: fc.constantFrom(...MESSAGE_TYPES),
          private: fc.boolean(),
          at: fc.integer({ min: 0, max: 5 }),
          sender: fc.constantFrom('nobody', 'contact', 'admin', 'bot'),
          attachments: fc.nat(2),
        }),
        { maxLength: 4 },
      ),
    }),
    { minLength: 1, maxLength: 8 },
  ),
});
type World = typeof worlds extends fc.Arbitrary<infer W> ? W : never;

const at = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 12, minutes));

async function write(world: World) {
  const db = prisma();
  await db.$executeRawUnsafe('TRUNCATE accounts, users RESTART IDENTITY CASCADE');
  await db.account.create({ data: { id: ACCOUNT, name: 'account' } });
  await db.user.createMany({
    data: [ADMIN, AGENT].map((id) => ({ id, name: `user ${id}`, email: `u${id}@page.test`, pubsubToken: `user-${id}` })),
  });
  await db.accountUser.createMany({
    data: [
      { accountId: ACCOUNT, userId: ADMIN, role: 'administrator' },
      { accountId: ACCOUNT, userId: AGENT, role: 'agent' },
    ],
  });
  await db.agentBot.create({ data: { id: BOT, accountId: ACCOUNT, name: 'bot' } });
  await db.channelApi.createMany({
    data: [1, 2].map((id) => ({ id, accountId: ACCOUNT, identifier: `in-${id}`, hmacToken: `hmac-${id}`, secret: `s-${id}` })),
  });
  await db.inbox.createMany({
    data: [1, 2].map((id) => ({ id, accountId: ACCOUNT, channelId: id, name: `inbox ${id}`, workingHours: [] })),
  });
  // The agent is a member of inbox 1 only.
  await db.inboxMember.create({ data: { userId: AGENT, inboxId: 1 } });
  // Emails, phone numbers and identifiers are unique in an account: each gets its contact's number.
  const own = (value: string | null, i: number) => (value === null ? null : `${value}${i}`);
  await db.contact.createMany({
    data: world.contacts.map((c, i) => ({
      id: i + 1,
      accountId: ACCOUNT,
      name: c.name,
      email: own(c.email, i),
      phoneNumber: own(c.phoneNumber, i),
      identifier: own(c.identifier, i),
    })),
  });
  for (const [i, c] of world.conversations.entries()) {
    const contactId = (c.contact % world.contacts.length) + 1;
    const session = await db.contactInbox.upsert({
      where: { inboxId_sourceId: { inboxId: c.inbox, sourceId: `source-${contactId}` } },
      update: {},
      create: { accountId: ACCOUNT, contactId, inboxId: c.inbox, sourceId: `source-${contactId}`, pubsubToken: `session-${i}` },
    });
    await db.conversation.create({
      data: {
        id: i + 1,
        accountId: ACCOUNT,
        displayId: i + 1,
        inboxId: c.inbox,
        contactId: session.contactId,
        contactInboxId: session.id,
        status: c.status,
        assigneeId: c.assignee === 'admin' ? ADMIN : c.assignee === 'agent' ? AGENT : null,
        assigneeAgentBotId: c.assignee === 'bot' ? BOT : null,
        labels: c.labels,
        priority: c.priority,
        waitingSince: c.waitingSince === null ? null : at(c.waitingSince),
        firstReplyCreatedAt: c.firstReply === null ? null : at(c.firstReply),
        agentLastSeenAt: c.agentLastSeen === null ? null : at(c.agentLastSeen),
        lastActivityAt: at(c.lastActivity),
        createdAt: at(c.lastActivity),
      },
    });
    for (const m of c.messages) {
      const sender =
        m.sender === 'contact'
          ? { senderType: 'Contact' as const, senderContactId: session.contactId }
          : m.sender === 'admin'
            ? { senderType: 'User' as const, senderUserId: ADMIN }
            : m.sender === 'bot'
              ? { senderType: 'AgentBot' as const, senderAgentBotId: BOT }
              : {};
      const message = await db.message.create({
        data: { accountId: ACCOUNT, inboxId: c.inbox, conversationId: i + 1, messageType: m.type, private: m.private, content: `${m.type} ${m.at}`, createdAt: at(m.at), ...sender },
      });
      await db.attachment.createMany({
        data: Array.from({ length: m.attachments }, (_, n) => ({
          accountId: ACCOUNT,
          messageId: message.id,
          fileType: 'file' as const,
          fileName: `f${n}.txt`,
          contentType: 'text/plain',
          byteSize: n,
          token: `t-${message.id}-${n}`,
        })),
      });
    }
  }
}

const actors: Record<string, AccountActor> = {
  administrator: { kind: 'user', accountId: ACCOUNT, userId: ADMIN, role: 'administrator' },
  agent: { kind: 'user', accountId: ACCOUNT, userId: AGENT, role: 'agent' },
  'agent bot': { kind: 'agentBot', accountId: ACCOUNT, agentBotId: BOT },
};

const filterSets = fc.record(
  {
    status: fc.constantFrom(...STATUSES, 'all' as const),
    assigneeType: fc.constantFrom('me', 'unassigned', 'assigned', 'all'),
    inboxId: fc.constantFrom(1, 2),
    labels: fc.subarray([...LABELS], { minLength: 1 }),
    q: text,
    sortBy: fc.constantFrom(...CONVERSATION_SORTS),
    conversationType: fc.constantFrom('unattended', 'mention'),
  },
  { requiredKeys: ['sortBy'] },
) as fc.Arbitrary<ListConversationsInput>;

/** The selections the GraphQL types ask for: a conversation with its contact, inbox and assignee; a message with its senders. */
const CONVERSATION_SELECTION = {
  include: { contact: true, inbox: true, assigneeAgentBot: true, assignee: { include: { accountUsers: true } } },
};
const MESSAGE_SELECTION = { include: { senderContact: true, senderAgentBot: true, senderUser: { include: { accountUsers: true } } } };

/** The page as Prisma, the list's where/orderBy and view.ts's loaders read it. */
async function readThroughPrisma(actor: AccountActor, input: ListConversationsInput, take: number, skip: number, seen?: typeof chatMessages) {
  const db = prisma();
  const filters = listConversationsInput.parse(input);
  const where = conversationListRule(actor, filters).where;
  const rows = await db.conversation.findMany({ where, orderBy: conversationListOrder(filters.sortBy), take, skip, ...CONVERSATION_SELECTION });
  const ids = rows.map((r) => r.id);
  const [total, unread, last] = await Promise.all([db.conversation.count({ where }), loadUnreadCounts(db, ids), lastMessageIds(db, ids, seen)]);
  const messages = await db.message.findMany({ where: { id: { in: [...last.values()] } }, ...MESSAGE_SELECTION });
  return {
    totalCount: rows.length ? total : undefined,
    conversations: rows.map((row) => ({
      row,
      unreadCount: unread.get(row.id) ?? 0,
      lastMessages: { last: messages.find((m) => m.id === last.get(row.id)) ?? null },
    })),
  };
}

describe.each([
  ['PGlite', 25],
  ['PostgreSQL', 10],
] as const)('the planned conversation page on %s', (kind, runs) => {
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    drop = await OPENERS[kind]();
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  it(
    'reads what Prisma and the batch loaders read, for generated lists, pages and callers',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          worlds,
          fc.array(fc.tuple(filterSets, fc.constantFrom(...Object.keys(actors)), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.boolean()), {
            minLength: 1,
            maxLength: 6,
          }),
          async (world, lists) => {
            await write(world);
            const db = prisma();
            const everything = await db.conversation.findMany({ include: { contact: true } });
            for (const [input, actorName, take, skip, asContact] of lists) {
              const actor = actors[actorName]!;
              const seen = asContact ? chatMessages : undefined;
              const filters = listConversationsInput.parse(input);
              const rule = conversationListRule(actor, filters);
              const label = `${actorName}, ${JSON.stringify(input)}, take ${take}, skip ${skip}${asContact ? ', chat messages' : ''}`;

              // The list's rule in its three forms.
              const memberInboxIds = new Set(actorName === 'agent' ? [1] : []);
              const [found, selected] = await Promise.all([
                db.conversation.findMany({ where: rule.where, select: { id: true } }),
                db.$queryRaw<{ id: number }[]>`SELECT x.id FROM conversations x WHERE ${rule.sql('x')}`,
              ]);
              const ids = (rows: { id: number }[]) => rows.map((r) => Number(r.id)).sort((a, b) => a - b);
              expect({ label, sql: ids(selected), test: ids(everything.filter((row) => rule.test(row, { memberInboxIds }))) }).toEqual({
                label,
                sql: ids(found),
                test: ids(found),
              });

              const planned = await loadConversationPage(db, rule, conversationListOrdering(filters.sortBy), {
                take,
                skip,
                selection: CONVERSATION_SELECTION,
                unreadCount: true,
                lastMessages: { last: { selection: MESSAGE_SELECTION, admitted: seen } },
              });
              const expected = await readThroughPrisma(actor, input, take, skip, seen);
              expect({ label, page: planned }).toEqual({ label, page: expected });

              // REST's views of the same page: planned, and loaded by id as view.ts loads them.
              const views = await loadConversationViewPage(db, ACCOUNT, rule, conversationListOrdering(filters.sortBy), { take, skip });
              const pageIds = expected.conversations.map((c) => c.row.id);
              expect({ label, views }).toEqual({ label, views: await loadConversationViews(db, ACCOUNT, pageIds) });

              // The tabs' counts (REST `meta`) in one statement, against Prisma counting each tab.
              const { base, tabs } = assigneeCountRules(actor, filters);
              const counted = await Promise.all(
                Object.entries(tabs).map(async ([tab, tabRule]) => [
                  tab,
                  await db.conversation.count({ where: tabRule ? { AND: [base.where, tabRule.where] } : base.where }),
                ]),
              );
              expect({ label, counts: await countTabs(db, base, tabs) }).toEqual({ label, counts: Object.fromEntries(counted) });
            }
          },
        ),
        fuzzParameters(runs),
      );
    },
    fuzzTimeout(120_000),
  );

  it('answers undefined for a selection it does not compile, so that the caller reads through Prisma', async () => {
    const db = prisma();
    const rule = conversationListRule(actors.administrator!, listConversationsInput.parse({}));
    const ordering = conversationListOrdering('last_activity_at_desc');
    const page = (selection: unknown) => loadConversationPage(db, rule, ordering, { take: 5, skip: 0, selection, unreadCount: false });
    expect(await page({ include: { messages: { take: 20, orderBy: { id: 'desc' } } } })).toBeUndefined();
    expect(await page({ select: { id: true, _count: { select: { messages: true } } } })).toBeUndefined();
    expect(await page({ include: { nothingOfThatName: true } })).toBeUndefined();
    expect(await page({ include: {}, where: { id: 1 } })).toBeUndefined();
    // The same page with a selection it does compile is read.
    expect(await page({ include: {} })).toBeDefined();
  });
});

