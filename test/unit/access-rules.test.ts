/**
 * Each access rule of src/domain/access/rules.ts is one definition compiled
 * into three forms: a predicate over a loaded row (`test`), a Prisma `where`
 * and an SQL fragment (`sql`). This suite holds the three equal on generated
 * worlds in a real (embedded) database: accounts, users, inboxes with their
 * channels, inbox memberships across accounts, contacts and their sessions,
 * conversations, and messages of every type, private or not. For each
 * generated reacher (administrator, agent with its memberships, agent bot,
 * contact session verified or not) the ids the `where` finds, the ids the
 * fragment finds and the ids of the loaded rows the predicate admits must
 * be the same, and the same as the rule in plain words. The loaders of
 * src/domain/actor.ts that answer from the rule are held to it too.
 */
import { rm } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db.ts';
import type { Rule } from '../../src/domain/access/condition.ts';
import {
  chatMessages,
  conversationsReachedBy,
  inboxesReachedBy,
  isInternalMessage,
  nonActivityMessages,
  type Session,
} from '../../src/domain/access/rules.ts';
import { inboxReachOfUsers, visibleInboxIds, type AccountActor } from '../../src/domain/actor.ts';
import { Prisma } from '../../src/generated/prisma/client.ts';
import { fuzzParameters, fuzzTimeout } from '../fuzz/settings.ts';
import { migratedDataDir } from '../support/pglite-template.ts';

let directory: string;
let database: Database;
const prisma = () => database.prisma;

beforeAll(async () => {
  directory = await migratedDataDir('snypto-access-rules-');
  database = await openDatabase({ databaseUrl: undefined, databasePoolSize: 1, dataDir: directory });
  await database.startupDone();
});

afterAll(async () => {
  await database?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

const ACCOUNTS = 2;
const MESSAGE_TYPES = ['incoming', 'outgoing', 'activity', 'template'] as const;
const MESSAGE_KINDS = MESSAGE_TYPES.flatMap((messageType) => [false, true].map((isPrivate) => ({ messageType, private: isPrivate })));

/** A generated world, by indexes (ids are index + 1; foreign indexes are taken modulo the table's size). */
const worlds = fc.record({
  /** Each user's role in each account, or none. */
  users: fc.array(fc.array(fc.constantFrom('agent', 'administrator', null), { minLength: ACCOUNTS, maxLength: ACCOUNTS }), {
    minLength: 1,
    maxLength: 4,
  }),
  inboxes: fc.array(fc.nat(ACCOUNTS - 1), { minLength: 1, maxLength: 5 }),
  /** (user, inbox) pairs, across accounts too. */
  memberships: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 10 }),
  contacts: fc.array(fc.nat(ACCOUNTS - 1), { minLength: 1, maxLength: 4 }),
  /** (contact, inbox, hmac verified): kept when both are in one account. */
  sessions: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 6 }),
  /** Each conversation's session and its messages. */
  conversations: fc.array(fc.tuple(fc.nat(), fc.subarray(MESSAGE_KINDS)), { minLength: 1, maxLength: 8 }),
});
type World = typeof worlds extends fc.Arbitrary<infer W> ? W : never;

/** Writes the world into the (emptied) database; the rows, as the rules see them. */
async function write(world: World) {
  const db = prisma();
  await db.$executeRawUnsafe('TRUNCATE accounts, users RESTART IDENTITY CASCADE');
  const accountIds = Array.from({ length: ACCOUNTS }, (_, i) => i + 1);
  await db.account.createMany({ data: accountIds.map((id) => ({ id, name: `account ${id}` })) });
  await db.user.createMany({
    data: world.users.map((_, i) => ({ id: i + 1, name: `user ${i + 1}`, email: `u${i + 1}@rules.test`, pubsubToken: `user-${i + 1}` })),
  });
  await db.accountUser.createMany({
    data: world.users.flatMap((roles, u) =>
      roles.flatMap((role, a) => (role ? [{ accountId: a + 1, userId: u + 1, role }] : [])),
    ),
  });
  const inboxes = world.inboxes.map((account, i) => ({ id: i + 1, accountId: account + 1 }));
  await db.channelApi.createMany({
    data: inboxes.map(({ id, accountId }) => ({ id, accountId, identifier: `in-${id}`, hmacToken: `hmac-${id}`, secret: `s-${id}` })),
  });
  await db.inbox.createMany({
    data: inboxes.map(({ id, accountId }) => ({ id, accountId, channelId: id, name: `inbox ${id}`, workingHours: [] })),
  });
  const memberships = [
    ...new Set(world.memberships.map(([u, i]) => `${(u % world.users.length) + 1}:${(i % inboxes.length) + 1}`)),
  ].map((pair) => pair.split(':').map(Number) as [number, number]);
  await db.inboxMember.createMany({ data: memberships.map(([userId, inboxId]) => ({ userId, inboxId })) });
  const contacts = world.contacts.map((account, i) => ({ id: i + 1, accountId: account + 1 }));
  await db.contact.createMany({ data: contacts.map((c) => ({ ...c, name: `contact ${c.id}` })) });
  const sessions = world.sessions.flatMap(([c, i, hmacVerified], index) => {
    const contact = contacts[c % contacts.length]!;
    const inbox = inboxes[i % inboxes.length]!;
    return contact.accountId === inbox.accountId
      ? [{ accountId: inbox.accountId, contactId: contact.id, inboxId: inbox.id, hmacVerified, sourceId: `source-${index}` }]
      : [];
  });
  const sessionRows = sessions.map((s, i) => ({ ...s, id: i + 1, pubsubToken: `session-${i + 1}` }));
  await db.contactInbox.createMany({ data: sessionRows });
  const conversations = sessionRows.length
    ? world.conversations.map(([s, messages], i) => {
        const session = sessionRows[s % sessionRows.length]!;
        // The first conversation holds a message of every kind, so each run sees them all.
        return { id: i + 1, session, messages: i === 0 ? MESSAGE_KINDS : messages };
      })
    : [];
  await db.conversation.createMany({
    data: conversations.map(({ id, session }) => ({
      id,
      accountId: session.accountId,
      displayId: id,
      inboxId: session.inboxId,
      contactId: session.contactId,
      contactInboxId: session.id,
    })),
  });
  await db.message.createMany({
    data: conversations.flatMap(({ id, session, messages }) =>
      messages.map((kind) => ({ accountId: session.accountId, inboxId: session.inboxId, conversationId: id, ...kind })),
    ),
  });
  return { accountIds, users: world.users, inboxes, memberships, sessions: sessionRows };
}

const sorted = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);

/** The three forms of `rule` on one table, each as sorted ids. */
async function threeForms(
  table: 'inboxes' | 'conversations' | 'messages',
  rule: Rule<object>,
  memberInboxIds: ReadonlySet<number>,
): Promise<{ where: number[]; sql: number[]; test: number[] }> {
  const db = prisma();
  const delegate = { inboxes: db.inbox, conversations: db.conversation, messages: db.message }[table] as unknown as {
    findMany(args: object): Promise<{ id: number }[]>;
  };
  const [found, selected, rows] = await Promise.all([
    delegate.findMany({ where: rule.where, select: { id: true } }),
    db.$queryRaw<{ id: number }[]>`SELECT x.id FROM ${Prisma.raw(table)} x WHERE ${rule.sql('x')}`,
    delegate.findMany({}),
  ]);
  return {
    where: sorted(found.map((r) => r.id)),
    sql: sorted(selected.map((r) => Number(r.id))),
    test: sorted(rows.filter((row) => rule.test(row, { memberInboxIds })).map((r) => r.id)),
  };
}

/** Asserts the three forms equal each other and `expected`. */
async function expectRule(
  label: string,
  table: 'inboxes' | 'conversations' | 'messages',
  rule: Rule<object>,
  memberInboxIds: ReadonlySet<number>,
  expected: number[],
) {
  const forms = await threeForms(table, rule, memberInboxIds);
  expect({ label, ...forms }).toEqual({ label, where: sorted(expected), sql: sorted(expected), test: sorted(expected) });
}

describe('access rules: predicate, Prisma where and SQL fragment agree', () => {
  it(
    'on generated worlds, for every kind of reacher and every message kind',
    async () => {
      await fc.assert(
        fc.asyncProperty(worlds, async (world) => {
          const w = await write(world);
          const db = prisma();
          const [inboxRows, conversationRows, messageRows] = await Promise.all([
            db.inbox.findMany(),
            db.conversation.findMany(),
            db.message.findMany(),
          ]);
          const membersOf = (userId: number) => new Set(w.memberships.filter(([u]) => u === userId).map(([, i]) => i));

          for (const accountId of w.accountIds) {
            const staff: { actor: AccountActor; memberInboxIds: Set<number> }[] = [
              { actor: { kind: 'agentBot', accountId, agentBotId: 1 }, memberInboxIds: new Set() },
              ...w.users.flatMap((_, u) =>
                (['agent', 'administrator'] as const).map((role) => ({
                  actor: { kind: 'user' as const, accountId, userId: u + 1, role },
                  memberInboxIds: membersOf(u + 1),
                })),
              ),
            ];
            for (const { actor, memberInboxIds } of staff) {
              const agent = actor.kind === 'user' && actor.role === 'agent';
              const label = `${actor.kind === 'user' ? `${actor.role} ${actor.userId}` : 'agent bot'} in account ${accountId}`;
              // In plain words: the account's inboxes; an agent only those they are a member of.
              const reachesInbox = (inbox: { id: number; accountId: number }) =>
                inbox.accountId === accountId && (!agent || memberInboxIds.has(inbox.id));
              const inboxIds = inboxRows.filter(reachesInbox).map((i) => i.id);
              await expectRule(`${label}: inboxes`, 'inboxes', inboxesReachedBy(actor), memberInboxIds, inboxIds);
              await expectRule(
                `${label}: conversations`,
                'conversations',
                conversationsReachedBy(actor),
                memberInboxIds,
                conversationRows.filter((c) => reachesInbox({ id: c.inboxId, accountId: c.accountId })).map((c) => c.id),
              );
              const visible = await visibleInboxIds(db, actor);
              expect(visible === undefined ? undefined : sorted(visible)).toEqual(agent ? sorted(inboxIds) : undefined);
            }

            // The batched reach of every user of the account: the rule for each, in two statements.
            const userIds = w.users.map((_, u) => u + 1);
            const reach = await inboxReachOfUsers(db, accountId, userIds);
            const expectedReach = new Map(
              w.users.flatMap((roles, u) => {
                const role = roles[accountId - 1];
                if (!role) return [];
                const actor: AccountActor = { kind: 'user', accountId, userId: u + 1, role };
                const rule = inboxesReachedBy(actor);
                const ids = inboxRows.filter((i) => rule.test(i, { memberInboxIds: membersOf(u + 1) })).map((i) => i.id);
                return [[u + 1, role === 'administrator' ? ('all' as const) : sorted(ids)] as const];
              }),
            );
            expect(reach).toEqual(expectedReach);
          }

          for (const row of w.sessions) {
            for (const hmacVerified of [false, true]) {
              const session: Session = { accountId: row.accountId, contactId: row.contactId, contactInboxId: row.id, hmacVerified };
              // In plain words: the session's own conversations; verified, every conversation of its contact in the account.
              const expected = conversationRows.filter((c) =>
                hmacVerified ? c.accountId === row.accountId && c.contactId === row.contactId : c.contactInboxId === row.id,
              );
              await expectRule(
                `session ${row.id} (verified: ${hmacVerified})`,
                'conversations',
                conversationsReachedBy(session),
                new Set(),
                expected.map((c) => c.id),
              );
            }
          }

          // Message rules, and isInternalMessage as the negation of chatMessages.
          const chat = messageRows.filter((m) => !m.private && m.messageType !== 'activity').map((m) => m.id);
          await expectRule('chat messages', 'messages', chatMessages, new Set(), chat);
          const nonActivity = messageRows.filter((m) => m.messageType !== 'activity').map((m) => m.id);
          await expectRule('non-activity messages', 'messages', nonActivityMessages, new Set(), nonActivity);
          for (const message of messageRows)
            expect({ message, internal: isInternalMessage(message) }).toEqual({
              message,
              internal: message.private || message.messageType === 'activity',
            });
        }),
        fuzzParameters(12),
      );
    },
    fuzzTimeout(60_000),
  );
});
