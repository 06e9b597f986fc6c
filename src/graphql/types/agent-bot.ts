/**
 * AgentBot: an automated participant. It can send messages and be assigned
 * conversations in the inboxes it is connected to. `Account.agentBots` lists
 * the account's own bots and the global bots connected to its inboxes.
 */
import { builder } from '../builder.ts';

export const AgentBotType = builder.prismaNode('AgentBot', {
  id: { field: 'id' },
  // `node`/`nodes` answer null for an id that names no record, as documented, instead of failing.
  nullable: true,
  authScopes: async (bot, context) => {
    // Global bots (no account) are public to any caller; an account's bot to its staff and its contacts.
    if (bot.accountId === null) return context.principal !== null;
    if (context.principal?.kind === 'contact') return context.principal.accountId === bot.accountId;
    return context.access.isStaffOf(bot.accountId);
  },
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    avatarUrl: t.exposeString('avatarUrl', { nullable: true }),
    botType: t.exposeString('botType', { authScopes: { staff: true } }),
    outgoingUrl: t.exposeString('outgoingUrl', { nullable: true, authScopes: { staff: true } }),
    systemBot: t.boolean({ description: 'A global bot, not owned by an account.', resolve: (bot) => bot.accountId === null }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Account', 'agentBots', (t) =>
  t.prismaField({
    type: [AgentBotType],
    authScopes: { staff: true },
    description: 'The account\'s own agent bots and the global bots connected to one of its inboxes, oldest first.',
    resolve: (query, account, _args, context) =>
      context.db.agentBot.findMany({
        ...query,
        where: { OR: [{ accountId: account.id }, { accountId: null, inboxes: { some: { accountId: account.id } } }] },
        orderBy: { id: 'asc' },
      }),
  }),
);
