/**
 * Conversation access (Chatwoot's `ConversationPolicy#show?`) by database
 * id. The rule (administrators and agent bots reach every conversation of
 * the account, agents those of the inboxes they are members of, a contact's
 * session its own) is access/rules.ts `conversationsReachedBy`; this file
 * loads the row and asks it.
 */
import type { PrismaClient, Tx } from '../../db.ts';
import { ForbiddenError, NotFoundError } from '../../errors.ts';
import { conversationsReachedBy, memberOnlyAgent, type Session } from '../access/rules.ts';
import type { AccountActor } from '../actor.ts';
import { fitsIntegerColumn } from '../validation.ts';

/**
 * Loads the conversation with this database id and its inbox when `reacher`
 * reaches it (domain/access/rules.ts `conversationsReachedBy`): NotFound
 * when it is not in the reacher's account or a contact's session does not
 * reach it; Forbidden for an agent outside its inbox. One statement.
 */
export async function loadReachableConversation(tx: Tx | PrismaClient, reacher: AccountActor | Session, conversationId: number) {
  if (!fitsIntegerColumn(conversationId)) throw new NotFoundError('Conversation');
  const agentId = 'contactInboxId' in reacher ? undefined : memberOnlyAgent(reacher);
  const row = await tx.conversation.findFirst({
    where: { id: conversationId, accountId: reacher.accountId },
    // Only an agent's membership matters; for anyone else ask for a user no row has (-1).
    include: { inbox: { include: { members: { where: { userId: agentId ?? -1 }, select: { inboxId: true } } } } },
  });
  if (!row) throw new NotFoundError('Conversation');
  const { members, ...inbox } = row.inbox;
  if (!conversationsReachedBy(reacher).test(row, { memberInboxIds: new Set(members.map((m) => m.inboxId)) }))
    throw 'contactInboxId' in reacher ? new NotFoundError('Conversation') : new ForbiddenError();
  return { ...row, inbox };
}

/** Locks the conversation's row (by database id) until the transaction ends; a no-op when there is none. */
export async function lockConversationRow(tx: Tx, conversationId: number): Promise<void> {
  if (!fitsIntegerColumn(conversationId)) return;
  await tx.$queryRaw`SELECT id FROM conversations WHERE id = ${conversationId} FOR UPDATE`;
}
