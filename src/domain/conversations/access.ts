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
