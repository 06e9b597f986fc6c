/**
 * Retrying a message (spec/API.md §3.6 `POST …/messages/{id}/retry`): the
 * message goes back to `sent` with its content attributes cleared (the
 * failure's `external_error` with them), announced as `message.updated`.
 * An API inbox has no provider to resend through: its receiver already got
 * the message over the webhook. An unknown message is Chatwoot's 422 (its
 * controller rescues the lookup failure), not a 404. The conversation is
 * named by database id; access is `loadReachableConversation`.
 */
import type { PrismaClient } from '../../db.ts';
import { ValidationError } from '../../errors.ts';
import type { Outbox } from '../../events/outbox.ts';
import { performerOf, type AccountActor } from '../actor.ts';
import { loadReachableConversation } from '../conversations/access.ts';
import { saveMessageChanges } from './changes.ts';

export class MessageRetryService {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
  ) {}

  /** Marks the message sent again and clears its content attributes; returns its id. */
  async retry(actor: AccountActor, conversationId: number, messageId: number): Promise<number> {
    const conversation = await loadReachableConversation(this.db, actor, conversationId);
    return this.outbox.transaction(async (tx, emit) => {
      const message = Number.isSafeInteger(messageId)
        ? await tx.message.findFirst({ where: { id: messageId, conversationId: conversation.id } })
        : null;
      if (!message)
        throw ValidationError.rule('id', `Couldn't find Message${messageId > 0 ? ` with 'id'=${messageId}` : ''}`);
      await saveMessageChanges(tx, emit, performerOf(actor), message, { status: 'sent', contentAttributes: {} });
      return message.id;
    });
  }
}
