/**
 * Team: a group of agents a conversation can be assigned to.
 */
import { builder } from '../builder.ts';

export const TeamType = builder.prismaNode('Team', {
  id: { field: 'id' },
  // `node`/`nodes` answer null for an id that names no record, as documented, instead of failing.
  nullable: true,
  authScopes: (team, context) => context.access.isStaffOf(team.accountId),
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    allowAutoAssign: t.exposeBoolean('allowAutoAssign'),
  }),
});
