/**
 * Agent: a user as a member of one account (an AccountUser row), with role
 * and availability. Contacts see agents only as senders, so everything but
 * the public name and avatar is for the agent side.
 */
import type { Context } from '../../context.ts';
import { builder } from '../builder.ts';

export const AgentType = builder.prismaNode('AccountUser', {
  variant: 'Agent',
  id: { field: 'id' },
  authScopes: async (member, context) =>
    context.principal?.kind === 'contact'
      ? context.principal.accountId === member.accountId
      : context.access.isStaffOf(member.accountId),
  fields: (t) => ({
    userDatabaseId: t.exposeInt('userId', { description: 'The user\'s numeric id, as the REST API shows it.' }),
    name: t.string({ select: { user: { select: { name: true } } }, resolve: (m) => m.user.name }),
    availableName: t.string({
      description: 'The display name when set, else the name.',
      select: { user: { select: { name: true, displayName: true } } },
      resolve: (m) => m.user.displayName || m.user.name,
    }),
    avatarUrl: t.string({
      nullable: true,
      select: { user: { select: { avatarUrl: true } } },
      resolve: (m) => m.user.avatarUrl,
    }),
    email: t.string({
      authScopes: { staff: true },
      select: { user: { select: { email: true } } },
      resolve: (m) => m.user.email,
    }),
    role: t.exposeString('role', { authScopes: { staff: true }, description: 'agent or administrator.' }),
    availability: t.exposeString('availability', { description: 'online, offline or busy.' }),
    autoOffline: t.exposeBoolean('autoOffline', { authScopes: { staff: true } }),
    confirmed: t.boolean({
      authScopes: { staff: true },
      select: { user: { select: { confirmed: true } } },
      resolve: (m) => m.user.confirmed,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

/**
 * The Agent rows for (account, user) pairs, batched per request: conversation
 * assignees and message senders are users, shown as agents of the account.
 * Null when the user has left the account.
 */
export function loadAgent(context: Context, accountId: number, userId: number) {
  return context
    .loader<string, Awaited<ReturnType<typeof findMembers>>[number] | null>('agent-by-account-user', async (keys) => {
      const pairs = keys.map((key) => key.split(':').map(Number) as [number, number]);
      const rows = await findMembers(context, pairs);
      const byKey = new Map(rows.map((row) => [`${row.accountId}:${row.userId}`, row]));
      return keys.map((key) => byKey.get(key) ?? null);
    })
    .load(`${accountId}:${userId}`);
}

const findMembers = (context: Context, pairs: [number, number][]) =>
  context.db.accountUser.findMany({
    where: { OR: pairs.map(([accountId, userId]) => ({ accountId, userId })) },
    include: { user: true },
  });
