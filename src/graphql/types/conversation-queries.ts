/**
 * Where conversations are read: `Account.conversations` (the filtered list
 * of spec/API.md §3.5, an agent seeing only their inboxes) and its
 * `conversationCounts` (the REST `meta`), one by display id, a contact's
 * conversations, and a contact inbox's conversations (the customer's own
 * view). Lists are filtered in the query, never afterwards, by the rule of
 * access/rules.ts `conversationsReachedBy` (its Prisma `where`).
 */
import { queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context.ts';
import { conversationsReachedBy } from '../../domain/access/rules.ts';
import { loadReachableConversation } from '../../domain/conversations/access.ts';
import { CONVERSATION_SORTS } from '../../domain/conversations/list.ts';
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
      (await plannedList(query, account.id, args, context, info)) ??
      context.db.conversation.findMany({ ...query, ...(await accountList(context, account.id, args)) }),
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
async function plannedList(query: object, accountId: number, args: ListArgs, context: Context, info: GraphQLResolveInfo) {
  const { take, skip, cursor, ...selection } = query as { take?: number; skip?: number; cursor?: unknown };
  if (cursor !== undefined || typeof take !== 'number' || take < 0) return undefined;
  const lastMessageQuery = selectsPath(info, ['edges', 'node', 'lastMessage'])
    ? queryFromInfo({ context, info, typeName: 'Message', path: ['edges', 'node', 'lastMessage'] })
    : undefined;
  const actor = await actorInAccount(context, accountId);
  const page = await context.services.conversations.plannedPage(actor, listFilters(args), {
    take,
    skip: skip ?? 0,
    selection,
    unreadCount: selectsPath(info, ['edges', 'node', 'unreadCount']),
    lastMessage: lastMessageQuery && { selection: lastMessageQuery, admitted: context.access.seenMessages },
  });
  if (!page) return undefined;
  if (page.totalCount !== undefined) {
    const totals = plannedTotals.get(context) ?? new WeakMap<object, number>();
    plannedTotals.set(context, totals.set(args, page.totalCount));
  }
  const lastMessageKey = JSON.stringify(lastMessageQuery);
  return page.conversations.map(({ row, unreadCount, lastMessage }) =>
    withPlannedFields(row as Prisma.ConversationGetPayload<object>, {
      unreadCount,
      lastMessage: lastMessage === undefined ? undefined : { query: lastMessageKey, message: lastMessage },
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

/** A contact's (or contact inbox's) conversations that the caller may see, newest activity first. */
async function scopedWhere(
  context: Context,
  accountId: number,
  where: Prisma.ConversationWhereInput,
): Promise<Prisma.ConversationWhereInput> {
  // A contact: the conversations their session reaches; staff: those of the inboxes they reach.
  const viewer = context.principal;
  const reacher = viewer?.kind === 'contact' ? viewer : await actorInAccount(context, accountId);
  return { AND: [where, conversationsReachedBy(reacher).where] };
}

const newestFirst = [{ lastActivityAt: 'desc' }, { id: 'desc' }] satisfies Prisma.ConversationOrderByWithRelationInput[];

builder.prismaObjectField('Contact', 'conversations', (t) =>
  t.prismaConnection({
    type: 'Conversation',
    cursor: 'id',
    ...conversationsPerPage,
    authScopes: { user: true, contact: true },
    description: 'The contact\'s conversations the caller may see (a contact: those their session reaches), newest activity first.',
    totalCount: async (contact, _args, context) =>
      context.db.conversation.count({ where: await scopedWhere(context, contact.accountId, { contactId: contact.id }) }),
    resolve: async (query, contact, _args, context) =>
      context.db.conversation.findMany({
        ...query,
        where: await scopedWhere(context, contact.accountId, { contactId: contact.id }),
        orderBy: newestFirst,
      }),
  }),
);

builder.prismaObjectField('ContactInbox', 'conversations', (t) =>
  t.prismaConnection({
    type: 'Conversation',
    cursor: 'id',
    ...conversationsPerPage,
    authScopes: { user: true, contact: true },
    description: 'The conversations of this session (a contact: their own), newest activity first.',
    totalCount: async (session, _args, context) =>
      context.db.conversation.count({ where: await scopedWhere(context, session.accountId, { contactInboxId: session.id }) }),
    resolve: async (query, session, _args, context) =>
      context.db.conversation.findMany({
        ...query,
        where: await scopedWhere(context, session.accountId, { contactInboxId: session.id }),
        orderBy: newestFirst,
      }),
  }),
);
