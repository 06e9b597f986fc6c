/**
 * Conversation access (Chatwoot's `ConversationPolicy#show?`): administrators
 * and agent bots reach every conversation of the account, agents those of
 * the inboxes they are members of.
 */
import type { Tx } from '../../db.ts';
import { ForbiddenError, NotFoundError } from '../../errors.ts';
import type { AccountActor } from '../actor.ts';

/**
 * Loads the conversation with this display id and its inbox, or throws
 * NotFound / Forbidden; one statement, the caller's inbox membership included.
 */
export async function loadAccessibleConversation(tx: Tx, actor: AccountActor, displayId: number) {
  if (!Number.isSafeInteger(displayId)) throw new NotFoundError('Conversation');
  const agentId = actor.kind === 'user' && actor.role === 'agent' ? actor.userId : undefined;
  const row = await tx.conversation.findUnique({
    where: { accountId_displayId: { accountId: actor.accountId, displayId } },
    include: {
      // Only an agent's membership matters; for anyone else ask for a user no row has (-1).
      inbox: { include: { members: { where: { userId: agentId ?? -1 }, select: { id: true } } } },
    },
  });
  if (!row) throw new NotFoundError('Conversation');
  const { members, ...inbox } = row.inbox;
  if (agentId !== undefined && members.length === 0) throw new ForbiddenError();
  return { ...row, inbox };
}

/**
 * Locks the conversation's row until the transaction ends, so that
 * concurrent changes to one conversation take turns and each decides (and
 * reports) from the row as it is. A no-op when there is no such row.
 */
export async function lockConversation(tx: Tx, accountId: number, displayId: number): Promise<void> {
  if (!Number.isSafeInteger(displayId)) return;
  await tx.$queryRaw`SELECT id FROM conversations WHERE account_id = ${accountId} AND display_id = ${displayId} FOR UPDATE`;
}
