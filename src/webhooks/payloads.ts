/**
 * Builds a webhook body from an outbox event, from the database's state when
 * the first attempt is made (as Chatwoot's WebhookListener does). The body is
 * then stored so that every retry sends the same bytes.
 */
import type { PrismaClient } from '../db.ts';
import { presentConversationPush } from '../domain/conversations/presenter.ts';
import { loadConversationView } from '../domain/conversations/view.ts';
import { presentMessageWebhook, messageViewInclude, type MessageView } from '../domain/messages/presenter.ts';
import {
  presentAgentBotWebhook,
  presentContactWebhook,
  presentUserWebhook,
} from '../domain/senders/presenter.ts';
import { presentInboxEvent } from '../domain/inboxes/event-presenter.ts';
import { webhookEventName, type EventDataMap, type EventName, type Performer } from '../events/catalogue.ts';

export interface StoredEvent {
  accountId: number;
  name: string;
  data: unknown;
}

/** The body for `event`, or null when what it describes no longer exists. */
export async function buildWebhookBody(db: PrismaClient, event: StoredEvent): Promise<Record<string, unknown> | null> {
  const name = event.name as EventName;
  const data = event.data as EventDataMap[EventName] & { performer?: Performer };
  const account = await db.account.findUnique({ where: { id: event.accountId }, select: { id: true, name: true } });
  if (!account) return null;
  const withEvent = (payload: Record<string, unknown> | null) =>
    payload && { ...payload, event: webhookEventName(name) };

  switch (name) {
    case 'message.created':
    case 'message.updated': {
      const { messageId, conversationId } = data as EventDataMap['message.created'];
      const message = (await db.message.findUnique({
        where: { id: messageId },
        include: { ...messageViewInclude(account.id), inbox: { select: { id: true, name: true } } },
      })) as (MessageView & { inbox: { id: number; name: string } }) | null;
      const view = await loadConversationView(db, account.id, conversationId);
      if (!message || !view) return null;
      return withEvent(presentMessageWebhook(message, account, message.inbox, presentConversationPush(view)));
    }
    case 'conversation.created':
    case 'conversation.status_changed':
    case 'conversation.updated': {
      const view = await loadConversationView(db, account.id, (data as { conversationId: number }).conversationId);
      if (!view) return null;
      const changed = 'changedAttributes' in data ? { changed_attributes: data.changedAttributes } : {};
      return withEvent({ ...presentConversationPush(view), ...changed });
    }
    case 'conversation.typing_on':
    case 'conversation.typing_off': {
      const { conversationId, isPrivate } = data as EventDataMap['conversation.typing_on'];
      const view = await loadConversationView(db, account.id, conversationId);
      if (!view) return null;
      return withEvent({
        user: await performerWebhook(db, account, data.performer),
        conversation: presentConversationPush(view),
        is_private: isPrivate,
      });
    }
    case 'contact.created':
    case 'contact.updated': {
      const contact = await db.contact.findUnique({ where: { id: (data as { contactId: number }).contactId } });
      if (!contact) return null;
      const changed = 'changedAttributes' in data ? { changed_attributes: data.changedAttributes } : {};
      return withEvent({ ...presentContactWebhook(contact, account), ...changed });
    }
    case 'inbox.created':
    case 'inbox.updated': {
      const inbox = await db.inbox.findUnique({
        where: { id: (data as { inboxId: number }).inboxId },
        include: { channel: true },
      });
      if (!inbox) return null;
      const changed = 'changedAttributes' in data ? { changed_attributes: data.changedAttributes } : {};
      return withEvent({ ...presentInboxEvent(inbox), ...changed });
    }
    default:
      return null;
  }
}

async function performerWebhook(db: PrismaClient, account: { id: number; name: string }, performer?: Performer) {
  if (!performer) return null;
  if (performer.type === 'User') {
    const user = await db.user.findUnique({ where: { id: performer.id } });
    return user && presentUserWebhook(user);
  }
  if (performer.type === 'AgentBot') {
    const bot = await db.agentBot.findUnique({ where: { id: performer.id } });
    return bot && presentAgentBotWebhook(bot);
  }
  const contact = await db.contact.findUnique({ where: { id: performer.id } });
  return contact && presentContactWebhook(contact, account);
}
