/**
 * A page of a conversation list as one planned statement: the page's rows
 * with the relations a selection names, the list's total, and per row the
 * unread count and the last message (with its own selection) when asked.
 * Prisma would take one statement for the rows, one for the total, one for
 * the unread counts and two for the last messages.
 *
 * Nothing here is a rule of its own: the filter is the list's rule
 * (list.ts, with the caller's reach), the order its ordering, the unread
 * count and the last message are view.ts's subqueries, the messages a
 * caller may see are the rule the caller brings, and the JSON of rows and
 * relations is compiled from the selection (src/select-sql.ts). When the
 * selection cannot be compiled, `loadConversationPage` answers undefined and
 * the caller reads through Prisma. The counts of a list's tabs (REST `meta`)
 * are one statement too (`countTabs`).
 */
import type { Tx } from '../../db.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { compileSelection, type RuntimeDataModel } from '../../select-sql.ts';
import type { Rule } from '../access/condition.ts';
import { prismaOrderBy, sqlOrderBy, type Ordering } from '../ordering.ts';
import { chatMessages, nonActivityMessages } from '../access/rules.ts';
import { messageViewInclude, type MessageView } from '../messages/presenter.ts';
import { conversationInclude, lastMessageSql, loadConversationViews, unreadCountSql, type ConversationView } from './view.ts';

export interface PageRequest {
  /** Rows to read (a connection reads one more than it shows) and rows to skip. */
  take: number;
  skip: number;
  /** The conversations' selection (`{ include }` or `{ select }`). */
  selection: unknown;
  unreadCount: boolean;
  /**
   * Last messages to read, by a name of the caller's: each with its
   * selection and the messages it is the last of (every one when undefined).
   */
  lastMessages?: Record<string, { selection: unknown; admitted?: Rule<object> }>;
}

export interface PlannedConversation {
  /** The conversation as Prisma would have read it with the selection. */
  row: Record<string, unknown>;
  unreadCount?: number;
  /** The last messages asked for, by their names (null: the conversation has none). */
  lastMessages: Record<string, Record<string, unknown> | null>;
}

export interface ConversationPage {
  conversations: PlannedConversation[];
  /** Conversations in the whole list; undefined when the page is empty (the total is then a count of its own). */
  totalCount?: number;
}

/** The page of the list `rule` filters, in `ordering`, or undefined when the selections cannot be compiled. */
export async function loadConversationPage(
  tx: Tx,
  rule: Rule<object>,
  ordering: Ordering,
  request: PageRequest,
): Promise<ConversationPage | undefined> {
  const runtime = (tx as unknown as { _runtimeDataModel?: RuntimeDataModel })._runtimeDataModel;
  if (!runtime) return undefined;
  const conversation = compileSelection(runtime, 'Conversation', request.selection, 'page');
  const lastMessages = Object.entries(request.lastMessages ?? {}).map(([name, { selection, admitted }]) => {
    const message = compileSelection(runtime, 'Message', selection, 'lm');
    return message && { name, message, sql: lastMessageSql('page', message.json, admitted) };
  });
  if (!conversation || lastMessages.some((last) => !last)) return undefined;
  const lasts = lastMessages.map((last, i) => Prisma.sql`, ${last!.sql} AS ${Prisma.raw(`last_${i}`)}`);
  const unread = request.unreadCount ? unreadCountSql('page') : Prisma.sql`NULL::int`;
  // A plain SELECT (no CTE), so that the driver-level observer counts it as the read it is (src/write-tables.ts).
  const rows = await tx.$queryRaw<({ row: unknown; total: number; unread: number | null } & Record<string, unknown>)[]>`
    SELECT ${conversation.json} AS row, page.page_total AS total, ${unread} AS unread ${lasts.length ? Prisma.join(lasts, '', '', '') : Prisma.empty}
    FROM (
      SELECT c.*, (COUNT(*) OVER ())::int AS page_total FROM conversations c
      WHERE ${rule.sql('c')} ORDER BY ${sqlOrderBy(ordering, 'c')} LIMIT ${request.take} OFFSET ${request.skip}
    ) page
    ORDER BY ${sqlOrderBy(ordering, 'page')}`;
  return {
    totalCount: rows[0]?.total,
    conversations: rows.map((r) => ({
      row: conversation.revive(r.row) as Record<string, unknown>,
      ...(request.unreadCount ? { unreadCount: Number(r.unread) } : {}),
      lastMessages: Object.fromEntries(
        lastMessages.map((last, i) => [last!.name, last!.message.revive(r[`last_${i}`]) as Record<string, unknown> | null]),
      ),
    })),
  };
}

/**
 * A page of the list `rule` filters as the views REST presents
 * (view.ts `ConversationView`: the conversation with its relations, its
 * three last messages and its unread count): one planned statement, or,
 * should its selection not compile, a page of ids and the views by id.
 */
export async function loadConversationViewPage(
  tx: Tx,
  accountId: number,
  rule: Rule<object>,
  ordering: Ordering,
  page: { take: number; skip: number },
): Promise<ConversationView[]> {
  const message = { include: messageViewInclude(accountId) };
  const planned = await loadConversationPage(tx, rule, ordering, {
    ...page,
    selection: { include: conversationInclude(accountId) },
    unreadCount: true,
    lastMessages: {
      lastMessage: { selection: message },
      lastChatMessage: { selection: message, admitted: chatMessages },
      lastNonActivityMessage: { selection: message, admitted: nonActivityMessages },
    },
  });
  if (!planned) {
    const rows = await tx.conversation.findMany({ where: rule.where, orderBy: prismaOrderBy<Prisma.ConversationOrderByWithRelationInput>(ordering), ...page, select: { id: true } });
    return loadConversationViews(tx, accountId, rows.map((row) => row.id));
  }
  return planned.conversations.map(({ row, unreadCount, lastMessages }) => ({
    conversation: row as unknown as ConversationView['conversation'],
    lastMessage: lastMessages.lastMessage as MessageView | null,
    lastChatMessage: lastMessages.lastChatMessage as MessageView | null,
    lastNonActivityMessage: lastMessages.lastNonActivityMessage as MessageView | null,
    unreadCount: unreadCount ?? 0,
  }));
}

/**
 * How many conversations of the list `base` filters fall in each tab (a
 * rule on top of `base`; undefined: all of them), in one statement.
 */
export async function countTabs<Tab extends string>(
  tx: Tx,
  base: Rule<object>,
  tabs: Record<Tab, Rule<object> | undefined>,
): Promise<Record<Tab, number>> {
  const entries = Object.entries(tabs) as [Tab, Rule<object> | undefined][];
  const columns = entries.map(([, rule], i) => {
    const name = Prisma.raw(`tab_${i}`);
    return rule ? Prisma.sql`(COUNT(*) FILTER (WHERE ${rule.sql('c')}))::int AS ${name}` : Prisma.sql`COUNT(*)::int AS ${name}`;
  });
  const [row] = await tx.$queryRaw<Record<string, number>[]>`
    SELECT ${Prisma.join(columns, ', ')} FROM conversations c WHERE ${base.sql('c')}`;
  return Object.fromEntries(entries.map(([tab], i) => [tab, Number(row?.[`tab_${i}`] ?? 0)])) as Record<Tab, number>;
}
