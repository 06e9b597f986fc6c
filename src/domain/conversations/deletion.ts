/**
 * Deleting a conversation (spec/API.md §3.5 `DELETE /conversations/{id}`):
 * administrators only, in any inbox of their account (who reaches it:
 * access/rules.ts `conversationsReachedBy`). Chatwoot enqueues the
 * deletion; Snypto deletes the conversation and its messages inline, in one
 * transaction. The event catalogue has no event for it, so none is emitted.
 */
import type { PrismaClient } from '../../db.ts';
import { requireAdministrator, type AccountActor } from '../actor.ts';
import { loadReachableConversation, lockConversationRow } from './access.ts';

export class ConversationDeletionService {
  constructor(private readonly db: PrismaClient) {}

  /** Deletes the conversation with this database id: NotFound when unknown, Forbidden for anyone but an administrator. */
  async delete(actor: AccountActor, conversationId: number): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await lockConversationRow(tx, conversationId);
      const conversation = await loadReachableConversation(tx, actor, conversationId);
      requireAdministrator(actor);
      await tx.message.deleteMany({ where: { conversationId: conversation.id } });
      await tx.conversation.delete({ where: { id: conversation.id } });
    });
  }
}
