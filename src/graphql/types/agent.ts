/**
 * Agent: a user as a member of one account (an AccountUser row), with role
 * and availability (spec/API.md §2.4). Contacts see agents only as senders,
 * so everything but the public name and avatar is for the agent side.
 * `Account.agents` lists them ordered by lower(name), as Chatwoot does.
 */
import { PothosValidationError } from '@pothos/core';
import { queryFromInfo } from '@pothos/plugin-prisma';
import { resolveOffsetConnection, type DefaultConnectionArguments } from '@pothos/plugin-relay';
import type { Context } from '../../context.ts';
import { ValidationError } from '../../errors.ts';
import type { AccountUser, User } from '../../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { actorInAccount } from '../ids.ts';
import { AgentRoleEnum, AvailabilityEnum } from './enums.ts';

const lowerName = (a: { name: string; id: number }, b: { name: string; id: number }) =>
  a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : a.id - b.id;

/** An Agent node as resolvers hand it over: the membership with its user. */
export type AgentRow = AccountUser & { user: User };

/** Agent nodes (AccountUser rows); visible to the account's staff and, as senders, its contacts. */
export const AgentType = builder.prismaNode('AccountUser', {
  variant: 'Agent',
  id: { field: 'id' },
  // `node`/`nodes` answer null for an id that names no record, as documented, instead of failing.
  nullable: true,
  // An agent is always loaded with its user (name, avatar, email), in the same statement batch;
  // loadAgent loads it the same way, so nothing is fetched twice.
  include: { user: true },
  authScopes: async (member, context) =>
    context.principal?.kind === 'contact'
      ? context.principal.accountId === member.accountId
      : context.access.isStaffOf(member.accountId),
  fields: (t) => ({
    userDatabaseId: t.exposeInt('userId', { description: 'The user\'s numeric id, as the REST API shows it.' }),
    name: t.string({ resolve: (m) => m.user.name }),
    availableName: t.string({
      description: 'The display name when set, else the name.',
      resolve: (m) => m.user.displayName || m.user.name,
    }),
    avatarUrl: t.string({
      nullable: true,
      resolve: (m) => m.user.avatarUrl,
    }),
    email: t.string({
      authScopes: { staff: true },
      resolve: (m) => m.user.email,
    }),
    role: t.expose('role', { type: AgentRoleEnum, authScopes: { staff: true } }),
    availability: t.expose('availability', { type: AvailabilityEnum }),
    autoOffline: t.exposeBoolean('autoOffline', { authScopes: { staff: true } }),
    confirmed: t.boolean({
      authScopes: { staff: true },
      resolve: (m) => m.user.confirmed,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    inboxes: t.prismaField({
      type: ['Inbox'],
      authScopes: { staff: true },
      description: 'The inboxes of the account the agent is a member of and the caller may see, ordered by lower(name).',
      select: (_args, _context, nested) => ({ user: { select: { inboxMemberships: { select: { inbox: nested() } } } } }),
      resolve: async (_query, member, _args, context) => {
        const inboxes = member.user.inboxMemberships
          .map((membership) => membership.inbox)
          .filter((inbox) => inbox.accountId === member.accountId);
        const visible = await Promise.all(inboxes.map((inbox) => context.access.canSeeInbox(inbox.accountId, inbox.id)));
        return inboxes.filter((_inbox, index) => visible[index]).sort(lowerName);
      },
    }),
  }),
});

/**
 * A page of a list whose order a service decided (ids in order): loads only
 * the page's rows, with offset cursors and the total count. A malformed
 * cursor is a ValidationError.
 */
export async function connectionOfIds<T extends { id: number }>(
  args: DefaultConnectionArguments,
  ids: number[],
  load: (page: number[]) => Promise<T[]>,
) {
  try {
    const connection = await resolveOffsetConnection({ args }, async ({ offset, limit }) => {
      const page = ids.slice(offset, offset + limit);
      const byId = new Map((await load(page)).map((row) => [row.id, row]));
      return page.flatMap((id) => byId.get(id) ?? []);
    });
    return { ...connection, totalCount: ids.length };
  } catch (error) {
    if (error instanceof PothosValidationError) throw ValidationError.of('after', error.message);
    throw error;
  }
}

builder.prismaObjectField('Account', 'agents', (t) =>
  t.connection(
    {
      type: AgentType,
      authScopes: { staff: true },
      description: 'The account\'s agents and administrators, ordered by lower(name).',
      resolve: async (account, args, context, info) => {
        const actor = await actorInAccount(context, account.id);
        const ids = (await context.services.agents.orderedIds(actor)).map((ref) => ref.agentId);
        const query = queryFromInfo({ context, info, typeName: 'Agent', path: ['edges', 'node'] });
        // The query from the selection includes the user (the type's `include`); Prisma's types cannot see that.
        const load = (page: number[]) =>
          context.db.accountUser.findMany({ ...query, where: { id: { in: page } } }) as Promise<AgentRow[]>;
        return connectionOfIds(args, ids, load);
      },
    },
    {
      name: 'AccountAgentsConnection',
      fields: (c) => ({
        totalCount: c.int({
          description: 'How many agents the account has, over all pages.',
          resolve: (connection) => (connection as unknown as { totalCount: number }).totalCount,
        }),
      }),
    },
  ),
);

/**
 * What a relation to a user selects so that the user's Agent row in any of
 * their accounts comes in the parent's own statement: the user with their
 * memberships (a user is a member of few accounts). `agentOfUser` picks the
 * one of the parent's account; a user who left it is no agent of it (null).
 */
export const userAsAgentSelect = { include: { accountUsers: true } } as const;

export function agentOfUser(user: (User & { accountUsers: AccountUser[] }) | null, accountId: number): AgentRow | null {
  const membership = user?.accountUsers.find((m) => m.accountId === accountId);
  return user && membership ? { ...membership, user } : null;
}

/**
 * The Agent rows for (account, user) pairs, batched per request, for a user
 * not loaded with its parent (an event's performer). Null when the user has
 * left the account.
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
