/**
 * Where conversations are read: `Account.conversations` (the filtered list
 * of spec/API.md §3.5, an agent seeing only their inboxes) and its
 * `conversationCounts` (the REST `meta`), one by display id, a contact's
 * conversations, and a contact inbox's conversations (the customer's own
 * view). Lists are filtered in the query, never afterwards, by the rule of
 * access/rules.ts `conversationsReachedBy`. A page of any of the three lists
 * is one planned statement (domain/conversations/page.ts) when its selection
 * can be compiled and it has no cursor; otherwise Prisma reads it with the
 * same rule's `where`.
 */
import { queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context.ts';
import { and, compile, eq, type Condition, type Rule } from '../../domain/access/condition.ts';
import { conversationsReachedBy } from '../../domain/access/rules.ts';
import { loadReachableConversation } from '../../domain/conversations/access.ts';
import { CONVERSATION_SORTS, conversationListOrder, conversationListOrdering } from '../../domain/conversations/list.ts';
import { loadConversationPage, type ConversationPage, type PageRequest } from '../../domain/conversations/page.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { selectsPath, withPlannedFields } from '../planned-page.ts';
import { actorInAccount, optionalDatabaseIdOf } from '../ids.ts';

const upper = <V extends string>(values: readonly V[]) =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), { value }])) as Record<Uppercase<V>, { value: V }>;

export const ConversationStatusFilterEnum = builder.enumType('ConversationStatusFilter', {
  description: 'A status, or ALL.',
  values: upper(['open', 'resolved', 'pending', 'snoozed', 'all'] as const),
});
export const ConversationAssigneeTypeEnum = builder.enumType('ConversationAssigneeType', {
  description: 'ME: assigned to the caller; UNASSIGNED; ASSIGNED; ALL.',
  values: upper(['me', 'unassigned', 'assigned', 'all'] as const),
});
export const ConversationSortEnum = builder.enumType('ConversationSort', {
  description: 'Chatwoot\'s sort_by values; ties are broken by id.',
  values: upper(CONVERSATION_SORTS),
});

const conversationsPerPage = { defaultSize: 25, maxSize: 100 } as const;

builder.prismaObjectField('Account', 'conversations', (t) =>
  t.prismaConnection({
    type: 'Conversation',
    cursor: 'id',
    ...conversationsPerPage,
    authScopes: { user: true },
    description: 'Conversations the caller may see (an agent: those of their inboxes), filtered and sorted.',
    args: {
      status: t.arg({ type: ConversationStatusFilterEnum, required: false, description: 'OPEN when absent.' }),
      assigneeType: t.arg({ type: ConversationAssigneeTypeEnum, required: false }),
      inboxId: t.arg.id({ required: false }),
      teamId: t.arg.id({ required: false }),
      labels: t.arg.stringList({ required: false, description: 'Conversations with every one of these labels.' }),
      q: t.arg.string({ required: false, description: 'Contact name, email, phone number or identifier contains this.' }),
      sortBy: t.arg({ type: ConversationSortEnum, required: false, description: 'LAST_ACTIVITY_AT_DESC when absent.' }),
    },
    totalCount: async (account, args, context) =>
      plannedTotals.get(context)?.get(args) ??
      context.db.conversation.count({ where: (await accountList(context, account.id, args)).where }),
    resolve: async (query, account, args, context, info) =>
      (await plannedList(query, args, context, info, async (request) =>
        context.services.conversations.plannedPage(await actorInAccount(context, account.id), listFilters(args), request),
      )) ?? context.db.conversation.findMany({ ...query, ...(await accountList(context, account.id, args)) }),
  }),
);

/** The totals of the pages planned in a request, by the connection's arguments, for its `totalCount`. */
const plannedTotals = new WeakMap<Context, WeakMap<object, number>>();

/**
 * The page in one planned statement (domain/conversations/page.ts) with the
 * unread counts and last messages the selection asks for; undefined when
 * it cannot be planned (a cursor, or a selection the planner does not
 * compile), and the page is then read through Prisma and the loaders.
 */
async function plannedList(
  query: object,
  args: object,
  context: Context,
  info: GraphQLResolveInfo,
  load: (request: PageRequest) => Promise<ConversationPage | undefined>,
) {
  const { take, skip, cursor, ...selection } = query as { take?: number; skip?: number; cursor?: unknown };
  if (cursor !== undefined || typeof take !== 'number' || take < 0) return undefined;
  const lastMessageQuery = selectsPath(info, ['edges', 'node', 'lastMessage'])
    ? queryFromInfo({ context, info, typeName: 'Message', path: ['edges', 'node', 'lastMessage'] })
    : undefined;
  const page = await load({
    take,
    skip: skip ?? 0,
    selection,
    unreadCount: selectsPath(info, ['edges', 'node', 'unreadCount']),
    lastMessages: lastMessageQuery && { last: { selection: lastMessageQuery, admitted: context.access.seenMessages } },
  });
  if (!page) return undefined;
  if (page.totalCount !== undefined) {
    const totals = plannedTotals.get(context) ?? new WeakMap<object, number>();
    plannedTotals.set(context, totals.set(args, page.totalCount));
  }
  const lastMessageKey = JSON.stringify(lastMessageQuery);
  return page.conversations.map(({ row, unreadCount, lastMessages }) =>
    withPlannedFields(row as Prisma.ConversationGetPayload<object>, {
      unreadCount,
      lastMessage: lastMessages.last === undefined ? undefined : { query: lastMessageKey, message: lastMessages.last },
    }),
  );
}

type ListArgs = {
  status?: string | null;
  assigneeType?: string | null;
  inboxId?: string | number | null;
  teamId?: string | number | null;
  labels?: string[] | null;
  q?: string | null;
  sortBy?: string | null;
};

/** The list's where/orderBy, from the service's rules. */
async function accountList(context: Context, accountId: number, args: ListArgs) {
  const actor = await actorInAccount(context, accountId);
  return context.services.conversations.listQuery(actor, listFilters(args));
}

/** The list's filters from the field's arguments. */
function listFilters(args: ListArgs) {
  return {
    status: args.status ?? undefined,
    assigneeType: args.assigneeType ?? undefined,
    inboxId: optionalDatabaseIdOf('Inbox', args.inboxId, 'inboxId'),
    teamId: optionalDatabaseIdOf('Team', args.teamId, 'teamId'),
    labels: args.labels ?? undefined,
    q: args.q ?? undefined,
    sortBy: args.sortBy ?? undefined,
  };
}

export const ConversationCountsType = builder
  .objectRef<{ mine: number; assigned: number; unassigned: number; all: number }>('ConversationCounts')
  .implement({
    description: 'How many conversations of a filtered list are assigned to the caller, to anyone, to nobody, in all.',
    fields: (t) => ({
      mine: t.exposeInt('mine'),
      assigned: t.exposeInt('assigned'),
      unassigned: t.exposeInt('unassigned'),
      all: t.exposeInt('all'),
    }),
  });

builder.prismaObjectField('Account', 'conversationCounts', (t) =>
  t.field({
    type: ConversationCountsType,
    authScopes: { user: true },
    description: 'The counts behind the mine / unassigned / all tabs (REST `meta`), under the same filters as `conversations`.',
    args: {
      status: t.arg({ type: ConversationStatusFilterEnum, required: false }),
      inboxId: t.arg.id({ required: false }),
      teamId: t.arg.id({ required: false }),
      labels: t.arg.stringList({ required: false }),
      q: t.arg.string({ required: false }),
    },
    resolve: async (account, args, context) => {
      const actor = await actorInAccount(context, account.id);
      return context.services.conversations.counts(actor, {
        status: args.status ?? undefined,
        inboxId: optionalDatabaseIdOf('Inbox', args.inboxId, 'inboxId'),
        teamId: optionalDatabaseIdOf('Team', args.teamId, 'teamId'),
        labels: args.labels ?? undefined,
        q: args.q ?? undefined,
      });
    },
  }),
);

builder.prismaObjectField('Account', 'conversation', (t) =>
  t.prismaField({
    type: 'Conversation',
    authScopes: { user: true },
    description: 'One conversation by its display id (the REST id).',
    errors: {},
    args: { displayId: t.arg.int({ required: true }) },
    resolve: async (query, account, args, context) => {
      const actor = await actorInAccount(context, account.id);
      // The client's display id, resolved once; the rest is by database id.
      const id = await context.services.conversationIds.idOf(account.id, args.displayId);
      await loadReachableConversation(context.db, actor, id);
      return context.db.conversation.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

/** A contact's (or contact inbox's) conversations that the caller may see: `filter` and the caller's reach. */
async function scopedRule(context: Context, accountId: number, filter: Condition): Promise<Rule<Prisma.ConversationWhereInput>> {
  // A contact: the conversations their session reaches; staff: those of the inboxes they reach.
  const viewer = context.principal;
  const reacher = viewer?.kind === 'contact' ? viewer : await actorInAccount(context, accountId);
  return compile(and(filter, conversationsReachedBy(reacher).condition));
}

const newestFirst = conversationListOrdering('last_activity_at_desc');

/** A connection over the conversations of `filter` the caller may see, newest activity first, planned when it can be. */
function scopedConnection(filter: (parent: { id: number }) => Condition) {
  return {
    totalCount: async (parent: { id: number; accountId: number }, args: object, context: Context) =>
      plannedTotals.get(context)?.get(args) ??
      context.db.conversation.count({ where: (await scopedRule(context, parent.accountId, filter(parent))).where }),
    resolve: async (query: object, parent: { id: number; accountId: number }, args: object, context: Context, info: GraphQLResolveInfo) => {
      const rule = await scopedRule(context, parent.accountId, filter(parent));
      return (
        (await plannedList(query, args, context, info, (request) => loadConversationPage(context.db, rule, newestFirst, request))) ??
        context.db.conversation.findMany({ ...query, where: rule.where, orderBy: conversationListOrder('last_activity_at_desc') })
      );
    },
  };
}

builder.prismaObjectField('Contact', 'conversations', (t) =>
  t.prismaConnection({
    type: 'Conversation',
    cursor: 'id',
    ...conversationsPerPage,
    authScopes: { user: true, contact: true },
    description: 'The contact\'s conversations the caller may see (a contact: those their session reaches), newest activity first.',
    ...scopedConnection((contact) => eq('contactId', contact.id)),
  }),
);

builder.prismaObjectField('ContactInbox', 'conversations', (t) =>
  t.prismaConnection({
    type: 'Conversation',
    cursor: 'id',
    ...conversationsPerPage,
    authScopes: { user: true, contact: true },
    description: 'The conversations of this session (a contact: their own), newest activity first.',
    ...scopedConnection((session) => eq('contactInboxId', session.id)),
  }),
);
