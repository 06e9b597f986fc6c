/**
 * Retrying a message (spec/API.md §3.6 `POST …/messages/{id}/retry`): the
 * message goes back to `sent` with its content attributes cleared (the
 * failure's `external_error` with them), announced as `message.updated`.
 * An API inbox has no provider to resend through: its receiver already got
 * the message over the webhook. An unknown message is Chatwoot's 422 (its
 * controller rescues the lookup failure), not a 404.
 */
import type { PrismaClient } from '../../db.ts';
import { ValidationError } from '../../errors.ts';
import type { Outbox } from '../../events/outbox.ts';
import { performerOf, type AccountActor } from '../actor.ts';
import { loadAccessibleConversation } from '../conversations/access.ts';
import { saveMessageChanges } from './changes.ts';
import type { MessageService } from './service.ts';

export class MessageRetryService {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
    private readonly messages: MessageService,
  ) {}

  /** Marks the message sent again and clears its content attributes; returns its view. */
  async retry(actor: AccountActor, displayId: number, messageId: number) {
    const conversation = await loadAccessibleConversation(this.db, actor, displayId);
    return this.outbox.transaction(async (tx, emit) => {
      const message = Number.isSafeInteger(messageId)
        ? await tx.message.findFirst({ where: { id: messageId, conversationId: conversation.id } })
        : null;
      if (!message)
        throw ValidationError.rule('id', `Couldn't find Message${messageId > 0 ? ` with 'id'=${messageId}` : ''}`);
      await saveMessageChanges(tx, emit, performerOf(actor), message, { status: 'sent', contentAttributes: {} });
      return this.messages.loadView(tx, actor.accountId, message.id);
    });
  }
}
