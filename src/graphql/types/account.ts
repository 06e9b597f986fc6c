/**
 * Account: the tenant. Reached through `account(id)` by its members.
 */
import { builder } from '../builder.ts';

export const AccountType = builder.prismaNode('Account', {
  id: { field: 'id' },
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id used by the REST API.' }),
    name: t.exposeString('name'),
    status: t.exposeString('status'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('account', (t) =>
  t.prismaField({
    type: 'Account',
    authScopes: { authenticated: true },
    description: 'An account the caller is a member of.',
    args: { id: t.arg.int({ required: true, description: 'The numeric account id.' }) },
    resolve: async (query, _root, args, context) => {
      await context.actorIn(args.id);
      return context.db.account.findUniqueOrThrow({ ...query, where: { id: args.id } });
    },
  }),
);
