/**
 * What a new message does to its conversation (spec/CONFORMANCE.md I-15):
 * activity time, waiting time, first reply, and reopening a resolved or
 * snoozed conversation on an incoming message unless it is muted (its
 * contact is blocked): `open`, or `pending` when the inbox has an active bot,
 * announced by an activity message.
 */
import type { Tx } from '../../db.ts';
import type { Emit } from '../../events/outbox.ts';
import type { Conversation, MessageType } from '../../generated/prisma/client.ts';

export const REOPENED_BY_INCOMING = 'System reopened the conversation due to a new incoming message.';

export interface NewMessageFacts {
  messageType: MessageType;
  private: boolean;
  /** A public outgoing message written by a user (not a bot): it answers the contact. */
  humanReply: boolean;
  at: Date;
}

/** Applies a new message's effects to its conversation inside the message's transaction. */
export async function applyToConversation(tx: Tx, emit: Emit, conversation: Conversation, message: NewMessageFacts) {
  const { messageType, humanReply, at } = message;
  const reopen =
    messageType === 'incoming' &&
    (conversation.status === 'resolved' || conversation.status === 'snoozed') &&
    !(await isMuted(tx, conversation));
  const activeBot = reopen
    ? await tx.agentBotInbox.findFirst({ where: { inboxId: conversation.inboxId, status: 'active' } })
    : null;
  const newStatus = reopen ? (activeBot ? 'pending' : 'open') : undefined;
  await tx.conversation.update({
    where: { id: conversation.id },
    data: {
      ...(messageType !== 'activity' ? { lastActivityAt: at } : {}),
      ...(messageType === 'incoming' && !conversation.waitingSince ? { waitingSince: at } : {}),
      ...(humanReply ? { waitingSince: null } : {}),
      ...(humanReply && !conversation.firstReplyCreatedAt ? { firstReplyCreatedAt: at } : {}),
      ...(newStatus ? { status: newStatus, snoozedUntil: null } : {}),
    },
  });
  if (!newStatus) return;
  const activity = await tx.message.create({
    data: {
      accountId: conversation.accountId,
      inboxId: conversation.inboxId,
      conversationId: conversation.id,
      messageType: 'activity',
      content: REOPENED_BY_INCOMING,
    },
  });
  const ids = { conversationId: conversation.id, inboxId: conversation.inboxId };
  await emit(conversation.accountId, 'message.created', {
    messageId: activity.id,
    ...ids,
    messageType: 'activity',
    private: false,
  });
  await emit(conversation.accountId, 'conversation.status_changed', ids);
  await emit(conversation.accountId, 'conversation.updated', {
    ...ids,
    changedAttributes: [{ status: { previous_value: conversation.status, current_value: newStatus } }],
  });
}

/** A muted conversation is one whose contact is blocked. */
async function isMuted(tx: Tx, conversation: Conversation): Promise<boolean> {
  const contact = await tx.contact.findUnique({ where: { id: conversation.contactId }, select: { blocked: true } });
  return contact?.blocked ?? false;
}
