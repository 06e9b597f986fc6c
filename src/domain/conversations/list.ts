/**
 * Conversation lists (spec/API.md §3.5 `GET /conversations` and `/meta`):
 * the filters, the sort orders and the assignee counts, restricted to the
 * conversations the actor reaches (access/rules.ts `conversationsReachedBy`).
 */
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client.ts';
import { conversationsReachedBy } from '../access/rules.ts';
import type { AccountActor } from '../actor.ts';
import { LIMITS } from '../validation.ts';

export const CONVERSATION_SORTS = [
  'last_activity_at_desc',
  'last_activity_at_asc',
  'created_at_desc',
  'created_at_asc',
  'priority_desc',
  'priority_asc',
  'waiting_since_desc',
  'waiting_since_asc',
] as const;
export type ConversationSort = (typeof CONVERSATION_SORTS)[number];

export const listConversationsInput = z.object({
  /** A status, or `all`; `open` when absent. */
  status: z.enum(['open', 'resolved', 'pending', 'snoozed', 'all']).default('open'),
  /** `me`: assigned to the caller; `unassigned`; `assigned`; `all` (default). */
  assigneeType: z.enum(['me', 'unassigned', 'assigned', 'all']).default('all'),
  inboxId: z.number().int().optional(),
  teamId: z.number().int().optional(),
  contactId: z.number().int().optional(),
  /** Conversations carrying every one of these labels. */
  labels: z.array(z.string().max(LIMITS.string)).optional(),
  /** Matches the contact's name, email, phone number or identifier (case-insensitive). */
  q: z.string().max(LIMITS.string).optional(),
  sortBy: z.enum(CONVERSATION_SORTS).default('last_activity_at_desc'),
  /**
   * Chatwoot's `conversation_type`: `unattended` keeps conversations without a
   * first reply or still waiting. `mention` and `participating` need mention
   * and participant records Snypto does not keep yet; they (and any other
   * value) filter nothing, as Chatwoot ignores an unknown type.
   */
  conversationType: z.string().max(LIMITS.string).optional(),
});
export type ListConversationsInput = z.input<typeof listConversationsInput>;
export type ListConversationsFilters = z.output<typeof listConversationsInput>;

const assigneeWhere = (actor: AccountActor, type: ListConversationsFilters['assigneeType']): Prisma.ConversationWhereInput => {
  switch (type) {
    case 'me':
      return actor.kind === 'user' ? { assigneeId: actor.userId } : { assigneeAgentBotId: actor.agentBotId };
    case 'unassigned':
      return { assigneeId: null };
    case 'assigned':
      return { assigneeId: { not: null } };
    default:
      return {};
  }
};

/** Every filter but the assignee type (the counts are taken over this set). */
function filtersWhere(actor: AccountActor, filters: ListConversationsFilters): Prisma.ConversationWhereInput[] {
  const and: Prisma.ConversationWhereInput[] = [conversationsReachedBy(actor).where];
  if (filters.status !== 'all') and.push({ status: filters.status });
  if (filters.inboxId !== undefined) and.push({ inboxId: filters.inboxId });
  if (filters.teamId !== undefined) and.push({ teamId: filters.teamId });
  if (filters.contactId !== undefined) and.push({ contactId: filters.contactId });
  if (filters.labels?.length) and.push({ labels: { hasEvery: filters.labels } });
  if (filters.conversationType === 'unattended')
    and.push({ OR: [{ firstReplyCreatedAt: null }, { waitingSince: { not: null } }] });
  const q = filters.q?.trim();
  if (q) {
    const like = { contains: q, mode: 'insensitive' as const };
    and.push({
      contact: { OR: [{ name: like }, { email: like }, { phoneNumber: like }, { identifier: like }] },
    });
  }
  return and;
}

/** The `where` of a filtered list. */
export function conversationListWhere(actor: AccountActor, filters: ListConversationsFilters): Prisma.ConversationWhereInput {
  return { AND: [...filtersWhere(actor, filters), assigneeWhere(actor, filters.assigneeType)] };
}

/** The `orderBy` of a sort key, as Chatwoot's sort handler orders (ties broken by id). */
export function conversationListOrder(sortBy: ConversationSort): Prisma.ConversationOrderByWithRelationInput[] {
  const direction = sortBy.endsWith('_asc') ? ('asc' as const) : ('desc' as const);
  if (sortBy.startsWith('last_activity_at')) return [{ lastActivityAt: direction }, { id: direction }];
  if (sortBy.startsWith('created_at')) return [{ createdAt: direction }, { id: direction }];
  if (sortBy.startsWith('priority'))
    return [{ priority: { sort: direction, nulls: 'last' } }, { lastActivityAt: 'desc' }, { id: 'desc' }];
  return [{ waitingSince: { sort: direction, nulls: 'last' } }, { createdAt: 'asc' }, { id: 'asc' }];
}

/** The where clauses of the four assignee counts of the REST `meta`. */
export function assigneeCountsWhere(actor: AccountActor, filters: ListConversationsFilters) {
  const base = filtersWhere(actor, filters);
  return {
    mine: { AND: [...base, assigneeWhere(actor, 'me')] },
    assigned: { AND: [...base, assigneeWhere(actor, 'assigned')] },
    unassigned: { AND: [...base, assigneeWhere(actor, 'unassigned')] },
    all: { AND: base },
  } satisfies Record<string, Prisma.ConversationWhereInput>;
}
