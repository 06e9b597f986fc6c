/**
 * Conversation lists (spec/API.md §3.5 `GET /conversations` and `/meta`):
 * the filters, the sort orders and the assignee counts, restricted to the
 * conversations the actor reaches (access/rules.ts `conversationsReachedBy`).
 * The filters are conditions (access/condition.ts) and the sort orders
 * orderings (ordering.ts), so that Prisma and the planned statements
 * (page.ts: a page, the counts) read one definition.
 */
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client.ts';
import {
  and,
  compile,
  containsInsensitive,
  eq,
  hasEvery,
  isNull,
  notNull,
  or,
  related,
  type Condition,
  type Rule,
} from '../access/condition.ts';
import { conversationsReachedBy } from '../access/rules.ts';
import { prismaOrderBy, type Ordering } from '../ordering.ts';
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

const assigneeCondition = (actor: AccountActor, type: ListConversationsFilters['assigneeType']): Condition | undefined => {
  switch (type) {
    case 'me':
      return actor.kind === 'user' ? eq('assigneeId', actor.userId) : eq('assigneeAgentBotId', actor.agentBotId);
    case 'unassigned':
      return isNull('assigneeId');
    case 'assigned':
      return notNull('assigneeId');
    default:
      return undefined;
  }
};

/** Every filter but the assignee type (the counts are taken over this set), with the actor's reach. */
function filterConditions(actor: AccountActor, filters: ListConversationsFilters): Condition[] {
  const all: Condition[] = [conversationsReachedBy(actor).condition];
  if (filters.status !== 'all') all.push(eq('status', filters.status));
  if (filters.inboxId !== undefined) all.push(eq('inboxId', filters.inboxId));
  if (filters.teamId !== undefined) all.push(eq('teamId', filters.teamId));
  if (filters.contactId !== undefined) all.push(eq('contactId', filters.contactId));
  if (filters.labels?.length) all.push(hasEvery('labels', filters.labels));
  if (filters.conversationType === 'unattended') all.push(or(isNull('firstReplyCreatedAt'), notNull('waitingSince')));
  const q = filters.q?.trim();
  if (q) {
    const contains = (field: string) => containsInsensitive(field, q);
    all.push(related('contact', 'contactId', 'contacts', or(contains('name'), contains('email'), contains('phoneNumber'), contains('identifier'))));
  }
  return all;
}

const withAssignee = (conditions: Condition[], assignee: Condition | undefined) =>
  compile<Prisma.ConversationWhereInput>(and(...conditions, ...(assignee ? [assignee] : [])));

/** A filtered list's rule (its `where` for Prisma, `sql` for a planned statement). */
export const conversationListRule = (actor: AccountActor, filters: ListConversationsFilters): Rule<Prisma.ConversationWhereInput> =>
  withAssignee(filterConditions(actor, filters), assigneeCondition(actor, filters.assigneeType));

/** The `where` of a filtered list. */
export function conversationListWhere(actor: AccountActor, filters: ListConversationsFilters): Prisma.ConversationWhereInput {
  return conversationListRule(actor, filters).where;
}

/** The order of a sort key, as Chatwoot's sort handler orders (ties broken by id). */
export function conversationListOrdering(sortBy: ConversationSort): Ordering {
  const direction = sortBy.endsWith('_asc') ? ('asc' as const) : ('desc' as const);
  if (sortBy.startsWith('last_activity_at')) return [{ field: 'lastActivityAt', direction }, { field: 'id', direction }];
  if (sortBy.startsWith('created_at')) return [{ field: 'createdAt', direction }, { field: 'id', direction }];
  if (sortBy.startsWith('priority'))
    return [{ field: 'priority', direction, nulls: 'last' }, { field: 'lastActivityAt', direction: 'desc' }, { field: 'id', direction: 'desc' }];
  return [{ field: 'waitingSince', direction, nulls: 'last' }, { field: 'createdAt', direction: 'asc' }, { field: 'id', direction: 'asc' }];
}

/** The `orderBy` of a sort key. */
export function conversationListOrder(sortBy: ConversationSort): Prisma.ConversationOrderByWithRelationInput[] {
  return prismaOrderBy(conversationListOrdering(sortBy));
}

/**
 * The four assignee counts of the REST `meta` (mine, assigned, unassigned,
 * all): the rule of every filter but the assignee type, and each tab's
 * assignee condition on top of it (none for `all`).
 */
export function assigneeCountRules(actor: AccountActor, filters: ListConversationsFilters) {
  const tab = (type: ListConversationsFilters['assigneeType']) => {
    const condition = assigneeCondition(actor, type);
    return condition ? compile<Prisma.ConversationWhereInput>(condition) : undefined;
  };
  return {
    base: compile<Prisma.ConversationWhereInput>(and(...filterConditions(actor, filters))),
    tabs: { mine: tab('me'), assigned: tab('assigned'), unassigned: tab('unassigned'), all: undefined },
  };
}
