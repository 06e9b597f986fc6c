/**
 * Chatwoot's custom filters in GraphQL: the same FilterService as
 * `POST /contacts/filter` and `POST /conversations/filter`, the same
 * attributes, operators, checks and messages (a ValidationError), pages of
 * the same size. An agent finds only the conversations of their inboxes.
 */
import type { Context } from '../../context.ts';
import { builder } from '../builder.ts';
import { actorInAccount } from '../ids.ts';
import { ConversationCountsType } from './conversation-queries.ts';

const FilterConditionInput = builder.inputType('FilterCondition', {
  description: "One condition of a custom filter (an entry of Chatwoot's `payload`).",
  fields: (t) => ({
    attributeKey: t.string({ required: true, description: 'e.g. `status`, `inbox_id`, `country_code`, `name`.' }),
    filterOperator: t.string({ required: true, description: '`equal_to`, `not_equal_to`, `contains`, `is_present`, `days_before`, ...' }),
    values: t.stringList({ required: false, description: 'Blank only for `is_present` and `is_not_present`.' }),
    queryOperator: t.string({ required: false, description: '`AND` or `OR`: how this condition joins the next one.' }),
  }),
});

type Condition = { attributeKey: string; filterOperator: string; values?: string[] | null; queryOperator?: string | null };

/** The conditions as the REST payload the service reads. */
const payloadOf = (conditions: Condition[]) =>
  conditions.map((c) => ({
    attribute_key: c.attributeKey,
    filter_operator: c.filterOperator,
    values: c.values ?? undefined,
    query_operator: c.queryOperator ?? undefined,
  }));

const CONTACTS_PER_PAGE = 15;
const pageArg = { description: 'Page number, from 1.' } as const;

/** `rows` in the order of `ids`. */
const findRows = <T>(rows: T[], ids: number[], idOf: (row: T) => number) => {
  const byId = new Map(rows.map((row) => [idOf(row), row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
};

const conversationMatches = async (context: Context, accountId: number, conditions: Condition[], page = 1) =>
  context.services.filters.matchConversations(await actorInAccount(context, accountId), payloadOf(conditions), page);

builder.prismaObjectField('Account', 'filteredConversations', (t) =>
  t.prismaField({
    type: ['Conversation'],
    authScopes: { user: true },
    errors: {},
    description: 'One page (25) of the conversations matching a custom filter, most recent activity first.',
    args: {
      conditions: t.arg({ type: [FilterConditionInput], required: true }),
      page: t.arg.int({ required: false, ...pageArg }),
    },
    resolve: async (query, account, args, context) => {
      const { ids } = await conversationMatches(context, account.id, args.conditions, args.page ?? 1);
      const rows = await context.db.conversation.findMany({ ...query, where: { id: { in: ids } } });
      return findRows(rows, ids, (row) => row.id);
    },
  }),
);

builder.prismaObjectField('Account', 'filteredConversationCounts', (t) =>
  t.field({
    type: ConversationCountsType,
    authScopes: { user: true },
    errors: {},
    description: 'How many conversations match a custom filter: mine, assigned, unassigned, all.',
    args: { conditions: t.arg({ type: [FilterConditionInput], required: true }) },
    resolve: async (account, args, context) => {
      const { counts } = await conversationMatches(context, account.id, args.conditions);
      return { ...counts, assigned: counts.all - counts.unassigned };
    },
  }),
);

builder.prismaObjectField('Account', 'filteredContacts', (t) =>
  t.prismaField({
    type: ['Contact'],
    authScopes: { user: true },
    errors: {},
    description: 'One page (15) of the contacts (with an email, phone number or identifier) matching a custom filter.',
    args: {
      conditions: t.arg({ type: [FilterConditionInput], required: true }),
      page: t.arg.int({ required: false, ...pageArg }),
    },
    resolve: async (query, account, args, context) => {
      const actor = await actorInAccount(context, account.id);
      const offset = (Math.max(1, args.page ?? 1) - 1) * CONTACTS_PER_PAGE;
      const { contacts } = await context.services.filters.filterContacts(
        actor,
        payloadOf(args.conditions),
        {},
        { offset, limit: CONTACTS_PER_PAGE },
        query,
      );
      return contacts;
    },
  }),
);

builder.prismaObjectField('Account', 'filteredContactCount', (t) =>
  t.int({
    authScopes: { user: true },
    errors: {},
    description: 'How many contacts match a custom filter.',
    args: { conditions: t.arg({ type: [FilterConditionInput], required: true }) },
    resolve: async (account, args, context) => {
      const actor = await actorInAccount(context, account.id);
      const found = await context.services.filters.filterContacts(actor, payloadOf(args.conditions), {}, { offset: 0, limit: 0 });
      return found.totalCount;
    },
  }),
);
