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
