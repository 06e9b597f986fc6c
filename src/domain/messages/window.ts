/**
 * The one message window (spec/API.md §3.6, §5.2): every list of a
 * conversation's messages is a window over its ids, loaded here, in one
 * statement for one or many conversations. REST's list, the Client API's
 * list and GraphQL's `Conversation.messages` differ only in how their
 * arguments map onto a window:
 * - REST (`restMessageWindow`): the latest 20; 20 before `before`; up to 100
 *   after `after`; both: ids in [after, before), up to 1000;
 * - the contact's list (`contactMessageWindow`): the latest 20, or the 20
 *   before `before`;
 * - Relay (`messageWindow`): no arguments → the latest 20; `last: n,
 *   before: id` → the n before `id`; `first: n, after: id` → the n after
 *   `id`; at most 100.
 * Pages come back ascending by id. Internal messages (private notes and
 * activity) are left out in the query (access/rules.ts `chatMessages`) when
 * asked, so a filtered page is as full as an unfiltered one.
 */
import type { PrismaClient, Tx } from '../../db.ts';
import { ValidationError } from '../../errors.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { chatMessages } from '../access/rules.ts';

export const DEFAULT_WINDOW_SIZE = 20;
export const MAX_WINDOW_SIZE = 100;
/** REST's `after` alone: up to 100 newer messages. */
const REST_AFTER_SIZE = 100;
/** REST's `after` with `before`: up to 1000 messages in [after, before). */
const REST_RANGE_SIZE = 1000;

export interface WindowArgs {
  first?: number | null;
  last?: number | null;
  /** Message id the window starts after (exclusive). */
  after?: number | null;
  /** Message id the window ends before (exclusive). */
  before?: number | null;
}

export interface MessageWindowSpec {
  /** Oldest first from `afterId` (true), or newest first back from `beforeId` (false). */
  forward: boolean;
  size: number;
  afterId?: number;
  beforeId?: number;
  /** `afterId` itself belongs to the window (REST's [after, before)). */
  includeAfter?: boolean;
}

/** The window Relay arguments ask for; ValidationError for negative or combined sizes. */
export function messageWindow(args: WindowArgs): MessageWindowSpec {
  if (args.first != null && args.last != null)
    throw ValidationError.of('last', 'Last cannot be combined with first');
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && value < 0) throw ValidationError.of(name, `${name === 'first' ? 'First' : 'Last'} must be greater than or equal to 0`);
  }
  const forward = args.first != null || (args.last == null && args.after != null && args.before == null);
  return {
    forward,
    size: Math.min(args.first ?? args.last ?? DEFAULT_WINDOW_SIZE, MAX_WINDOW_SIZE),
    afterId: args.after ?? undefined,
    beforeId: args.before ?? undefined,
  };
}

/** REST's window (`GET …/conversations/{id}/messages`, spec/API.md §3.6). */
export function restMessageWindow({ before, after }: { before?: number; after?: number }): MessageWindowSpec {
  if (after !== undefined && before !== undefined)
    return { forward: true, size: REST_RANGE_SIZE, afterId: after, beforeId: before, includeAfter: true };
  if (after !== undefined) return { forward: true, size: REST_AFTER_SIZE, afterId: after };
  return { forward: false, size: DEFAULT_WINDOW_SIZE, beforeId: before };
}

/** The contact's window (Client API `GET …/messages`, spec/API.md §5.2). */
export const contactMessageWindow = (before?: number): MessageWindowSpec => ({
  forward: false,
  size: DEFAULT_WINDOW_SIZE,
  beforeId: before,
});

export interface WindowPage {
  /** Message ids in the window, ascending. */
  ids: number[];
  /** More messages lie beyond the window in its direction. */
  hasMore: boolean;
}

const conditions = (conversationIds: readonly number[], excludeInternal: boolean, window: MessageWindowSpec) => {
  const parts = [
    conversationIds.length === 1
      ? Prisma.sql`m.conversation_id = ${conversationIds[0]}`
      : Prisma.sql`m.conversation_id IN (${Prisma.join([...conversationIds])})`,
  ];
  if (window.afterId !== undefined) parts.push(window.includeAfter ? Prisma.sql`m.id >= ${window.afterId}` : Prisma.sql`m.id > ${window.afterId}`);
  if (window.beforeId !== undefined) parts.push(Prisma.sql`m.id < ${window.beforeId}`);
  if (excludeInternal) parts.push(chatMessages.sql('m'));
  return Prisma.join(parts, ' AND ');
};

/**
 * The window of each conversation, in one statement for all of them;
 * without internal messages when `excludeInternal`. Access is the caller's:
 * it passes only conversations the reader reaches.
 */
export async function loadMessageWindows(
  db: PrismaClient | Tx,
  conversationIds: readonly number[],
  window: MessageWindowSpec,
  excludeInternal: boolean,
): Promise<Map<number, WindowPage>> {
  const pages = new Map<number, WindowPage>(conversationIds.map((id) => [id, { ids: [], hasMore: false }]));
  if (conversationIds.length === 0) return pages;
  const direction = window.forward ? Prisma.raw('ASC') : Prisma.raw('DESC');
  const where = conditions(conversationIds, excludeInternal, window);
  // One conversation walks its (conversation_id, id) index and stops; many are ranked per conversation.
  const rows =
    conversationIds.length === 1
      ? await db.$queryRaw<{ id: number; conversation_id: number }[]>`
          SELECT m.id, m.conversation_id FROM messages m WHERE ${where} ORDER BY m.id ${direction} LIMIT ${window.size + 1}`
      : await db.$queryRaw<{ id: number; conversation_id: number }[]>`
          SELECT id, conversation_id FROM (
            SELECT m.id, m.conversation_id, ROW_NUMBER() OVER (PARTITION BY m.conversation_id ORDER BY m.id ${direction}) AS position
            FROM messages m WHERE ${where}
          ) ranked
          WHERE position <= ${window.size + 1}
          ORDER BY conversation_id, id ${direction}`;
  for (const row of rows) pages.get(Number(row.conversation_id))?.ids.push(Number(row.id));
  for (const page of pages.values()) {
    page.hasMore = page.ids.length > window.size;
    page.ids = page.ids.slice(0, window.size);
    if (!window.forward) page.ids.reverse();
  }
  return pages;
}

/** The ids of one conversation's window, ascending. */
export async function loadMessageWindow(
  db: PrismaClient | Tx,
  conversationId: number,
  window: MessageWindowSpec,
  excludeInternal: boolean,
): Promise<number[]> {
  const pages = await loadMessageWindows(db, [conversationId], window, excludeInternal);
  return pages.get(conversationId)!.ids;
}

/** How many messages each conversation has (without internal ones when asked), in one statement. */
export async function countMessages(
  db: PrismaClient | Tx,
  conversationIds: readonly number[],
  excludeInternal: boolean,
): Promise<Map<number, number>> {
  const rows = conversationIds.length
    ? await db.message.groupBy({
        by: ['conversationId'],
        where: { conversationId: { in: [...conversationIds] }, ...(excludeInternal ? chatMessages.where : {}) },
        _count: { _all: true },
      })
    : [];
  const counts = new Map(rows.map((row) => [row.conversationId, row._count._all]));
  return new Map(conversationIds.map((id) => [id, counts.get(id) ?? 0]));
}
