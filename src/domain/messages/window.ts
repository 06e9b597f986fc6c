/**
 * Chatwoot's message windows (spec/API.md §3.6, §5.2) as Relay arguments,
 * loaded for many conversations in one statement: no arguments → the latest
 * 20; `last: n, before: id` → the n before `id`; `first: n, after: id` → the
 * n after `id`; at most 100 at a time; always ascending by id. Internal
 * messages (private notes and activity) can be left out, as the Client API
 * and `filter_internal_messages` leave them out.
 */
import type { PrismaClient } from '../../db.ts';
import { ValidationError } from '../../errors.ts';
import { Prisma } from '../../generated/prisma/client.ts';

export const DEFAULT_WINDOW_SIZE = 20;
export const MAX_WINDOW_SIZE = 100;

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

export interface WindowPage {
  /** Message ids in the window, ascending. */
  ids: number[];
  /** More messages lie beyond the window in its direction. */
  hasMore: boolean;
}

const conditions = (conversationIds: readonly number[], excludeInternal: boolean, window?: MessageWindowSpec) => {
  const parts = [Prisma.sql`conversation_id IN (${Prisma.join([...conversationIds])})`];
  if (window?.afterId !== undefined) parts.push(Prisma.sql`id > ${window.afterId}`);
  if (window?.beforeId !== undefined) parts.push(Prisma.sql`id < ${window.beforeId}`);
  if (excludeInternal) parts.push(Prisma.sql`private = false AND message_type <> 'activity'`);
  return Prisma.join(parts, ' AND ');
};

/** The window of each conversation, in one statement for all of them. */
export async function loadMessageWindows(
  db: PrismaClient,
  conversationIds: readonly number[],
  window: MessageWindowSpec,
  excludeInternal: boolean,
): Promise<Map<number, WindowPage>> {
  const pages = new Map<number, WindowPage>(conversationIds.map((id) => [id, { ids: [], hasMore: false }]));
  if (conversationIds.length === 0) return pages;
  const direction = window.forward ? Prisma.raw('ASC') : Prisma.raw('DESC');
  const rows = await db.$queryRaw<{ id: number; conversation_id: number }[]>`
    SELECT id, conversation_id FROM (
      SELECT id, conversation_id, ROW_NUMBER() OVER (PARTITION BY conversation_id ORDER BY id ${direction}) AS position
      FROM messages WHERE ${conditions(conversationIds, excludeInternal, window)}
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

/** How many messages each conversation has (without internal ones when asked), in one statement. */
export async function countMessages(
  db: PrismaClient,
  conversationIds: readonly number[],
  excludeInternal: boolean,
): Promise<Map<number, number>> {
  const rows = conversationIds.length
    ? await db.message.groupBy({
        by: ['conversationId'],
        where: {
          conversationId: { in: [...conversationIds] },
          ...(excludeInternal ? { private: false, messageType: { not: 'activity' as const } } : {}),
        },
        _count: { _all: true },
      })
    : [];
  const counts = new Map(rows.map((row) => [row.conversationId, row._count._all]));
  return new Map(conversationIds.map((id) => [id, counts.get(id) ?? 0]));
}
