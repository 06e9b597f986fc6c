/**
 * Account: the tenant. Reached through `account(id)` by its members; the
 * lists of the account (inboxes, agents, contacts, conversations, webhooks)
 * hang off it as connections, added by their own type files.
 */
import { builder } from '../builder.ts';
import { actorForAccount } from '../ids.ts';

export const AccountType = builder.prismaNode('Account', {
  id: { field: 'id' },
  // `node`/`nodes` answer null for an id that names no record, as documented, instead of failing.
  nullable: true,
  authScopes: (account, context) => context.access.isStaffOf(account.id),
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id used by the REST API.' }),
    name: t.exposeString('name'),
    status: t.exposeString('status'),
    locale: t.exposeString('locale'),
    customAttributes: t.expose('customAttributes', { type: 'JSONObject' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('account', (t) =>
  t.prismaField({
    type: 'Account',
    authScopes: { staff: true },
    description: 'An account the caller is a member of.',
    errors: {},
    args: { id: t.arg.id({ required: true, description: 'The account\'s global id.' }) },
    resolve: async (query, _root, args, context) => {
      const actor = await actorForAccount(context, args.id, 'id');
      return context.db.account.findUniqueOrThrow({ ...query, where: { id: actor.accountId } });
    },
  }),
);
