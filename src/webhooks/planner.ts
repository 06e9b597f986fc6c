/**
 * Which webhooks an event goes to (spec/EVENTS.md §1.2), decided inside the
 * transaction that records the event, so a committed change always has its
 * deliveries: the API inbox's `webhook_url` receives every inbox-scoped event
 * with no filter; account webhooks receive the events they subscribe to.
 */
import type { Tx } from '../db.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { webhookEventName, type AnyDomainEvent, type EventName } from '../events/catalogue.ts';

/** Events delivered to the API channel's webhook_url (and to subscribed account webhooks). */
const INBOX_SCOPED: ReadonlySet<EventName> = new Set<EventName>([
  'conversation.created',
  'conversation.status_changed',
  'conversation.updated',
  'message.created',
  'message.updated',
  'conversation.typing_on',
  'conversation.typing_off',
]);

/** Events delivered to subscribed account webhooks only. */
const ACCOUNT_ONLY: ReadonlySet<EventName> = new Set<EventName>([
  'contact.created',
  'contact.updated',
  'inbox.created',
  'inbox.updated',
]);

/** The subscriptions of a webhook created without any (the column's default in Chatwoot). */
export const DEFAULT_WEBHOOK_SUBSCRIPTIONS = [
  'conversation_status_changed',
  'conversation_updated',
  'conversation_created',
  'contact_created',
  'contact_updated',
  'message_created',
  'message_updated',
  'webwidget_triggered',
] as const;

/** Every value an account webhook may subscribe to. */
export const WEBHOOK_SUBSCRIPTIONS = [
  ...DEFAULT_WEBHOOK_SUBSCRIPTIONS,
  'inbox_created',
  'inbox_updated',
  'conversation_typing_on',
  'conversation_typing_off',
] as const;

function isDeliverable(event: AnyDomainEvent): boolean {
  if (event.name === 'message.created' || event.name === 'message.updated')
    return event.data.messageType !== 'activity';
  if (event.name === 'contact.updated' || event.name === 'inbox.updated')
    return event.data.changedAttributes.length > 0;
  return INBOX_SCOPED.has(event.name) || ACCOUNT_ONLY.has(event.name);
}

/** Transactional listener: writes one pending delivery per destination of the event. */
export async function planWebhookDeliveries(tx: Tx, event: AnyDomainEvent): Promise<void> {
  if (!isDeliverable(event)) return;
  const eventName = webhookEventName(event.name);
  const base = { eventId: BigInt(event.id), accountId: event.accountId, eventName };
  const rows: Prisma.WebhookDeliveryCreateManyInput[] = [];

  if (INBOX_SCOPED.has(event.name) && 'inboxId' in event.data) {
    const inbox = await tx.inbox.findUnique({
      where: { id: event.data.inboxId },
      select: { id: true, channelType: true, channel: { select: { webhookUrl: true } } },
    });
    const url = inbox?.channel.webhookUrl?.trim();
    if (inbox && inbox.channelType === 'Channel::Api' && url)
      rows.push({ ...base, destination: 'api_inbox_webhook', inboxId: inbox.id, url });
  }
  const webhooks = await tx.webhook.findMany({
    where: { accountId: event.accountId, disabledAt: null, subscriptions: { has: eventName } },
    select: { id: true, url: true },
  });
  for (const webhook of webhooks)
    rows.push({ ...base, destination: 'account_webhook', webhookId: webhook.id, url: webhook.url });

  if (rows.length > 0) await tx.webhookDelivery.createMany({ data: rows });
}
