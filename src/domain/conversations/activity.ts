/**
 * Typing and read state (spec/API.md §3.5 `toggle_typing_status`,
 * `update_last_seen`, `unread`; §5.2 the Client API's `toggle_typing` and
 * `update_last_seen`; spec/EVENTS.md §2.5 `conversation.typing_on/off`,
 * `conversation.read`).
 */
import { z } from 'zod';
import type { ContactPrincipal } from '../principal.ts';
import type { PrismaClient, Tx } from '../../db.ts';
import { ValidationError } from '../../errors.ts';
import type { Performer } from '../../events/catalogue.ts';
import type { Emit } from '../../events/outbox.ts';
import type { Conversation } from '../../generated/prisma/client.ts';
import type { AccountActor } from '../actor.ts';

export const setTypingInput = z.object({
  typingStatus: z.enum(['on', 'off']),
  isPrivate: z.boolean().default(false),
});
export type SetTypingInput = z.input<typeof setTypingInput>;

/**
 * Announces that someone started or stopped typing; nothing is stored.
 * Contacts never type private notes.
 */
export async function setTyping(
  emit: Emit,
  performer: Performer,
  conversation: Conversation,
  input: z.output<typeof setTypingInput>,
): Promise<void> {
  if (performer.type === 'Contact' && input.isPrivate)
    throw ValidationError.of('isPrivate', 'Is private is not available to contacts');
  await emit(
    conversation.accountId,
    input.typingStatus === 'on' ? 'conversation.typing_on' : 'conversation.typing_off',
    { conversationId: conversation.id, inboxId: conversation.inboxId, isPrivate: input.isPrivate },
    performer,
  );
}

/**
 * An agent has read the conversation: `agentLastSeenAt`, and
 * `assigneeLastSeenAt` when they are its assignee. Chatwoot writes these
 * columns without callbacks, so no event is emitted.
 */
export function markSeenByAgent(db: PrismaClient, actor: AccountActor, conversation: Conversation): Promise<Conversation> {
  const now = new Date();
  const isAssignee = actor.kind === 'user' && conversation.assigneeId === actor.userId;
  return db.conversation.update({
    where: { id: conversation.id },
    data: { agentLastSeenAt: now, ...(isAssignee ? { assigneeLastSeenAt: now } : {}) },
  });
}

/**
 * Marks the conversation unread for the agents: last seen one second before
 * the last incoming message (never, when there is none). No event, as above.
 */
export async function markUnread(db: PrismaClient, conversation: Conversation): Promise<Conversation> {
  const lastIncoming = await db.message.findFirst({
    where: { conversationId: conversation.id, messageType: 'incoming' },
    orderBy: { id: 'desc' },
    select: { createdAt: true },
  });
  const lastSeen = lastIncoming ? new Date(lastIncoming.createdAt.getTime() - 1000) : null;
  return db.conversation.update({
    where: { id: conversation.id },
    data: { agentLastSeenAt: lastSeen, assigneeLastSeenAt: lastSeen },
  });
}

/**
 * The contact has read the conversation: `contactLastSeenAt` (which emits
 * `conversation.read`), then every outgoing, template or activity message
 * sent or delivered before that moment becomes `read` (one
 * `message.updated` each), as Chatwoot's status job does.
 */
export async function markSeenByContact(
  tx: Tx,
  emit: Emit,
  contact: ContactPrincipal,
  conversation: Conversation,
): Promise<Conversation> {
  const now = new Date();
  const after = await tx.conversation.update({ where: { id: conversation.id }, data: { contactLastSeenAt: now } });
  const performer: Performer = { type: 'Contact', id: contact.contactId };
  const ids = { conversationId: conversation.id, inboxId: conversation.inboxId };
  await emit(conversation.accountId, 'conversation.read', ids, performer);
  const unread = await tx.message.findMany({
    where: {
      conversationId: conversation.id,
      messageType: { in: ['outgoing', 'template', 'activity'] },
      status: { in: ['sent', 'delivered'] },
      createdAt: { lt: now },
    },
    select: { id: true, status: true, messageType: true, private: true },
    orderBy: { id: 'asc' },
  });
  if (unread.length === 0) return after;
  await tx.message.updateMany({ where: { id: { in: unread.map((m) => m.id) } }, data: { status: 'read' } });
  for (const message of unread)
    await emit(conversation.accountId, 'message.updated', {
      messageId: message.id,
      ...ids,
      messageType: message.messageType,
      private: message.private,
      previousChanges: { status: [message.status, 'read'] },
    });
  return after;
}
