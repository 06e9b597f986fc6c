/**
 * Wire shapes of a message: the REST `Message` (spec/API.md §2.6), the
 * `MessageEvent` push data (§2.7) and the webhook `MessagePayload`
 * (spec/EVENTS.md §1.4).
 */
import type { AgentBot, Attachment, Contact, Message, MessageType } from '../../generated/prisma/client.ts';
import { presentAttachments } from '../attachments/presenter.ts';
import {
  presentAgentBotPush,
  presentAgentBotWebhook,
  presentContactPush,
  presentContactWebhook,
  presentUserPush,
  presentUserWebhook,
  type UserInAccount,
} from '../senders/presenter.ts';
import { epochSeconds, isoTime } from '../wire-time.ts';

export const MESSAGE_TYPE_NUMBER: Record<MessageType, number> = {
  incoming: 0,
  outgoing: 1,
  activity: 2,
  template: 3,
};

/** A message with what its wire shapes need. */
export type MessageView = Message & {
  senderContact: Contact | null;
  senderUser: UserInAccount | null;
  senderAgentBot: AgentBot | null;
  /** Its files, in the order they were sent (metadata only; the bytes are read by the download route). */
  attachments: Attachment[];
  conversation: {
    displayId: number;
    assigneeId: number | null;
    lastActivityAt: Date;
    contactInbox: { sourceId: string };
  };
};

/** Prisma `include` (or `select`) of a message's sender, as `senderPush` reads it. */
export const messageSenderInclude = (accountId: number) =>
  ({
    senderContact: true,
    senderUser: { include: { accountUsers: { where: { accountId } } } },
    senderAgentBot: true,
  }) as const;

/** Prisma `include` that loads a MessageView for an account. */
export const messageViewInclude = (accountId: number) =>
  ({
    ...messageSenderInclude(accountId),
    attachments: { orderBy: { id: 'asc' } },
    conversation: {
      select: {
        displayId: true,
        assigneeId: true,
        lastActivityAt: true,
        contactInbox: { select: { sourceId: true } },
      },
    },
  }) as const;

/** The `sender` of a message's push shapes (SenderPush), if it has one. */
export function senderPush(message: Pick<MessageView, 'senderUser' | 'senderContact' | 'senderAgentBot'>) {
  if (message.senderUser) return presentUserPush(message.senderUser);
  if (message.senderContact) return presentContactPush(message.senderContact);
  if (message.senderAgentBot) return presentAgentBotPush(message.senderAgentBot);
  return undefined;
}

/**
 * REST `Message` (§2.6); `echo_id` when the message was created with one
 * (stored in its `echoId` column), or when the caller passes one.
 */
export function presentMessage(message: MessageView, echoId?: string) {
  const sender = senderPush(message);
  const echo = echoId ?? message.echoId ?? undefined;
  return {
    id: message.id,
    content: message.content,
    inbox_id: message.inboxId,
    ...(echo !== undefined ? { echo_id: echo } : {}),
    conversation_id: message.conversation.displayId,
    message_type: MESSAGE_TYPE_NUMBER[message.messageType],
    content_type: message.contentType,
    status: message.status,
    content_attributes: message.contentAttributes,
    created_at: epochSeconds(message.createdAt),
    private: message.private,
    source_id: message.sourceId,
    ...(sender ? { sender } : {}),
    ...presentAttachments(message.attachments),
  };
}

/** `Message#push_event_data` (§2.7), used in conversation views and /cable events. */
export function presentMessageEvent(message: MessageView, unreadCount: number, echoId?: string) {
  const sender = senderPush(message);
  return {
    id: message.id,
    content: message.content,
    account_id: message.accountId,
    inbox_id: message.inboxId,
    conversation_id: message.conversation.displayId,
    message_type: MESSAGE_TYPE_NUMBER[message.messageType],
    created_at: epochSeconds(message.createdAt),
    updated_at: isoTime(message.updatedAt),
    private: message.private,
    status: message.status,
    source_id: message.sourceId,
    content_type: message.contentType,
    content_attributes: message.contentAttributes,
    sender_type: message.senderType,
    sender_id: message.senderContactId ?? message.senderUserId ?? message.senderAgentBotId,
    external_source_ids: message.externalSourceIds,
    additional_attributes: message.additionalAttributes,
    processed_message_content: message.processedMessageContent ?? message.content,
    sentiment: message.sentiment,
    conversation: {
      assignee_id: message.conversation.assigneeId,
      unread_count: unreadCount,
      last_activity_at: epochSeconds(message.conversation.lastActivityAt),
      contact_inbox: { source_id: message.conversation.contactInbox.sourceId },
    },
    ...(echoId !== undefined ? { echo_id: echoId } : {}),
    ...presentAttachments(message.attachments),
    ...(sender ? { sender } : {}),
  };
}

/** Webhook `MessagePayload` without `event` (spec/EVENTS.md §1.4). */
export function presentMessageWebhook(
  message: MessageView,
  account: { id: number; name: string },
  inbox: { id: number; name: string },
  conversationPayload: Record<string, unknown>,
) {
  const sender = message.senderUser
    ? presentUserWebhook(message.senderUser)
    : message.senderContact
      ? presentContactWebhook(message.senderContact, account)
      : message.senderAgentBot
        ? presentAgentBotWebhook(message.senderAgentBot)
        : null;
  return {
    account: { id: account.id, name: account.name },
    additional_attributes: message.additionalAttributes,
    content_attributes: message.contentAttributes,
    content_type: message.contentType,
    content: message.content,
    conversation: conversationPayload,
    created_at: isoTime(message.createdAt),
    id: message.id,
    inbox: { id: inbox.id, name: inbox.name },
    message_type: message.messageType,
    private: message.private,
    sender,
    source_id: message.sourceId,
    ...presentAttachments(message.attachments),
  };
}
