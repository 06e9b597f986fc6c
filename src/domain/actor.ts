/**
 * Who is acting inside an account, and the loaders of what they reach. The
 * rule itself (administrators and agent bots reach every inbox of their
 * account, agents only the inboxes they are members of; spec/API.md §1.2)
 * is written once in access/rules.ts (`inboxesReachedBy`); these functions
 * only load the rows and memberships it is asked about.
 */
import type { Tx } from '../db.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import type { Performer } from '../events/catalogue.ts';
import { inboxesReachedBy, memberOnlyAgent } from './access/rules.ts';
import type { AccountActor } from './principal.ts';
import { fitsIntegerColumn } from './validation.ts';

export type { AccountActor };

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
 * account, Forbidden when the actor does not reach it (`inboxesReachedBy`:
 * an agent who is not a member). One statement.
 */
export async function loadAccessibleInbox(tx: Tx, actor: AccountActor, inboxId: number) {
  if (!fitsIntegerColumn(inboxId)) throw new NotFoundError('Inbox');
  // Only an agent's membership matters; for anyone else ask for a user no row has (-1).
  const row = await tx.inbox.findFirst({
    where: { id: inboxId, accountId: actor.accountId },
    include: { members: { where: { userId: memberOnlyAgent(actor) ?? -1 }, select: { inboxId: true } } },
  });
  if (!row) throw new NotFoundError('Inbox');
  const { members, ...inbox } = row;
  if (!inboxesReachedBy(actor).test(inbox, { memberInboxIds: new Set(members.map((m) => m.inboxId)) })) throw new ForbiddenError();
  return inbox;
}

/** Ids of the inboxes an agent reaches (`inboxesReachedBy`); undefined means "every inbox" (administrators, bots). */
export async function visibleInboxIds(tx: Tx, actor: AccountActor): Promise<number[] | undefined> {
  if (memberOnlyAgent(actor) === undefined) return undefined;
  const rows = await tx.inbox.findMany({ where: inboxesReachedBy(actor).where, select: { id: true } });
  return rows.map((r) => r.id);
}

/**
 * What each of these users reaches in the account (`inboxesReachedBy`), in
 * two statements however many they are: 'all' for administrators, the inbox
 * ids (ascending) an agent reaches. Users who are not members of the
 * account, or whose account is not active, are absent (the same rule as the
 * actor lookup).
 */
export async function inboxReachOfUsers(tx: Tx, accountId: number, userIds: readonly number[]): Promise<Map<number, 'all' | number[]>> {
  const members = await tx.accountUser.findMany({
    where: { accountId, userId: { in: [...userIds] }, account: { status: 'active' } },
    select: { userId: true, role: true },
  });
  const actors: AccountActor[] = members.map((m) => ({ kind: 'user', accountId, userId: m.userId, role: m.role }));
  const agentIds = actors.flatMap((actor) => memberOnlyAgent(actor) ?? []);
  // The account's inboxes any of the agents is a member of, each with those agents' memberships: the rule's facts.
  const inboxes = agentIds.length
    ? await tx.inbox.findMany({
        where: { accountId, members: { some: { userId: { in: agentIds } } } },
        select: { id: true, accountId: true, members: { where: { userId: { in: agentIds } }, select: { userId: true } } },
        orderBy: { id: 'asc' },
      })
    : [];
  const reach = new Map<number, 'all' | number[]>();
  for (const actor of actors) {
    const agentId = memberOnlyAgent(actor);
    if (agentId === undefined) {
      reach.set((actor as { userId: number }).userId, 'all');
      continue;
    }
    const memberInboxIds = new Set(inboxes.filter((i) => i.members.some((m) => m.userId === agentId)).map((i) => i.id));
    const rule = inboxesReachedBy(actor);
    reach.set(agentId, inboxes.filter((inbox) => rule.test(inbox, { memberInboxIds })).map((i) => i.id));
  }
  return reach;
}
