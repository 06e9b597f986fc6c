/**
 * Who is acting inside an account, and the access rules every transport
 * shares (spec/API.md §1.2): administrators reach every inbox of their
 * account, agents only the inboxes they are members of, agent bots the
 * conversations of the accounts they are connected to.
 */
import type { Tx } from '../db.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import type { Performer } from '../events/catalogue.ts';

export type AccountActor =
  | { kind: 'user'; accountId: number; userId: number; role: 'agent' | 'administrator' }
  | { kind: 'agentBot'; accountId: number; agentBotId: number };

export const isAdministrator = (actor: AccountActor): boolean =>
  actor.kind === 'user' && actor.role === 'administrator';

export function performerOf(actor: AccountActor): Performer {
  return actor.kind === 'user' ? { type: 'User', id: actor.userId } : { type: 'AgentBot', id: actor.agentBotId };
}

/** Throws unless the actor is an administrator of the account. */
export function requireAdministrator(actor: AccountActor): void {
  if (!isAdministrator(actor)) throw new ForbiddenError();
}

/**
 * Loads an inbox of the actor's account: NotFound when it is not in the
 * account, Forbidden when the actor is an agent who is not a member.
 */
export async function loadAccessibleInbox(tx: Tx, actor: AccountActor, inboxId: number) {
  if (!Number.isSafeInteger(inboxId)) throw new NotFoundError('Inbox');
  const inbox = await tx.inbox.findFirst({ where: { id: inboxId, accountId: actor.accountId } });
  if (!inbox) throw new NotFoundError('Inbox');
  if (actor.kind === 'user' && actor.role === 'agent') {
    const member = await tx.inboxMember.findUnique({
      where: { inboxId_userId: { inboxId, userId: actor.userId } },
      select: { id: true },
    });
    if (!member) throw new ForbiddenError();
  }
  return inbox;
}

/** Ids of the inboxes an agent is a member of; undefined means "every inbox" (administrators, bots). */
export async function visibleInboxIds(tx: Tx, actor: AccountActor): Promise<number[] | undefined> {
  if (actor.kind !== 'user' || actor.role === 'administrator') return undefined;
  const rows = await tx.inboxMember.findMany({
    where: { userId: actor.userId, inbox: { accountId: actor.accountId } },
    select: { inboxId: true },
  });
  return rows.map((r) => r.inboxId);
}

/**
 * What each of these users reaches in the account, in two statements however
 * many they are: 'all' for administrators, the inbox ids (ascending) an
 * agent is a member of. Users who are not members of the account, or whose
 * account is not active, are absent (the same rule as the actor lookup).
 */
export async function inboxReachOfUsers(tx: Tx, accountId: number, userIds: readonly number[]): Promise<Map<number, 'all' | number[]>> {
  const members = await tx.accountUser.findMany({
    where: { accountId, userId: { in: [...userIds] }, account: { status: 'active' } },
    select: { userId: true, role: true },
  });
  const agentIds = members.filter((m) => m.role !== 'administrator').map((m) => m.userId);
  const memberships = agentIds.length
    ? await tx.inboxMember.findMany({
        where: { userId: { in: agentIds }, inbox: { accountId } },
        select: { userId: true, inboxId: true },
        orderBy: { inboxId: 'asc' },
      })
    : [];
  const reach = new Map<number, 'all' | number[]>(members.map((m) => [m.userId, m.role === 'administrator' ? 'all' : []]));
  for (const { userId, inboxId } of memberships) (reach.get(userId) as number[]).push(inboxId);
  return reach;
}
