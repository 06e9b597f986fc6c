/**
 * Conversation access (Chatwoot's `ConversationPolicy#show?`): administrators
 * and agent bots reach every conversation of the account, agents those of
 * the inboxes they are members of.
 */
import type { Tx } from '../../db.ts';
import { NotFoundError } from '../../errors.ts';
import { loadAccessibleInbox, type AccountActor } from '../actor.ts';

/** Loads the conversation with this display id, or throws NotFound / Forbidden. */
export async function loadAccessibleConversation(tx: Tx, actor: AccountActor, displayId: number) {
  if (!Number.isSafeInteger(displayId)) throw new NotFoundError('Conversation');
  const conversation = await tx.conversation.findUnique({
    where: { accountId_displayId: { accountId: actor.accountId, displayId } },
    include: { inbox: true },
  });
  if (!conversation) throw new NotFoundError('Conversation');
  await loadAccessibleInbox(tx, actor, conversation.inboxId);
  return conversation;
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
