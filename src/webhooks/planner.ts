/**
 * Which webhooks an event goes to (spec/EVENTS.md §1.2), decided inside the
 * transaction that records the event, so a committed change always has its
 * deliveries: the API inbox's `webhook_url` receives every inbox-scoped event
 * with no filter; account webhooks receive the events they subscribe to.
 */
import { randomUUID } from 'node:crypto';
import { Prisma, type WebhookDestination } from '../generated/prisma/client.ts';
import type { RawSql } from '../raw-sql.ts';
import { writes } from '../write-tables.ts';
import { EpochCache } from '../epoch-cache.ts';
import { nonActivityMessages } from '../domain/access/rules.ts';
import { inboxWebhookTarget } from '../domain/webhooks/destination.ts';
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
    // Chatwoot sends no webhook for activity messages.
    return nonActivityMessages.test(event.data);
  if (event.name === 'contact.updated' || event.name === 'inbox.updated')
    return event.data.changedAttributes.length > 0;
  return INBOX_SCOPED.has(event.name) || ACCOUNT_ONLY.has(event.name);
}

interface Destination {
  id: number;
  url: string;
}

/**
 * Writes one pending delivery per destination of each event, inside the
 * event's transaction (a transactional outbox listener). Destinations are
 * remembered until the next write to the tables they come from, so a busy
 * inbox does not look its webhooks up again for every message.
 */
export class WebhookPlanner {
  /** An API inbox's webhook_url (null: none), by inbox id. */
  private readonly inboxUrls: EpochCache<number, Destination | null>;
  /** The enabled account webhooks subscribed to an event, by `account:event`. */
  private readonly accountWebhooks: EpochCache<string, Destination[]>;
  /** Events that got at least one delivery; the worker is woken only for those. */
  private readonly planned = new WeakSet<AnyDomainEvent>();

  constructor(cache: { writeEpoch: (tables?: readonly string[]) => number; maxEntries: number }) {
    this.inboxUrls = new EpochCache(() => cache.writeEpoch(['accounts', 'inboxes', 'channel_api']), cache.maxEntries);
    this.accountWebhooks = new EpochCache(() => cache.writeEpoch(['accounts', 'inboxes', 'channel_api', 'webhooks']), cache.maxEntries);
  }

  /** The transactional listener. */
  readonly plan = async (event: AnyDomainEvent, sql: RawSql): Promise<void> => {
    if (!isDeliverable(event)) return;
    const eventName = webhookEventName(event.name);
    const now = new Date();
    const row = (destination: WebhookDestination, inboxId: number | null, webhookId: number | null, url: string) =>
      Prisma.sql`(${randomUUID()}::uuid, ${BigInt(event.id)}, ${event.accountId}, ${destination}::"WebhookDestination",
        ${inboxId}::int, ${webhookId}::int, ${url}, ${eventName}, ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz)`;
    const rows: Prisma.Sql[] = [];

    const aboutItsDelivery = event.name === 'message.updated' && event.data.deliveryOutcome === true;
    if (INBOX_SCOPED.has(event.name) && 'inboxId' in event.data && !aboutItsDelivery) {
      const inbox = await this.inboxWebhook(sql, event.data.inboxId);
      if (inbox) rows.push(row('api_inbox_webhook', inbox.id, null, inbox.url));
    }
    for (const webhook of await this.subscribedWebhooks(sql, event.accountId, eventName))
      rows.push(row('account_webhook', null, webhook.id, webhook.url));

    if (rows.length === 0) return;
    await sql.execute(writes('webhook_deliveries')`
      INSERT INTO webhook_deliveries
        (id, event_id, account_id, destination, inbox_id, webhook_id, url, event_name, next_attempt_at, created_at, updated_at)
      VALUES ${Prisma.join(rows)}`);
    this.planned.add(event);
  };

  /** Whether any of these (committed) events got a delivery. */
  hasDeliveries(events: AnyDomainEvent[]): boolean {
    return events.some((event) => this.planned.has(event));
  }

  private async inboxWebhook(sql: RawSql, inboxId: number): Promise<Destination | null> {
    const cached = this.inboxUrls.get(inboxId);
    if (cached !== undefined) return cached;
    const epoch = this.inboxUrls.now();
    const [inbox] = await sql.rows<{ id: number; channel_type: string; webhook_url: string | null }>(Prisma.sql`
      SELECT i.id, i.channel_type, ch.webhook_url FROM inboxes i JOIN channel_api ch ON ch.id = i.channel_id WHERE i.id = ${inboxId}`);
    const stored = inbox?.webhook_url?.trim();
    const url = stored ? inboxWebhookTarget(stored) : undefined;
    const destination = inbox && inbox.channel_type === 'Channel::Api' && url ? { id: inbox.id, url } : null;
    this.inboxUrls.set(inboxId, destination, epoch);
    return destination;
  }

  private async subscribedWebhooks(sql: RawSql, accountId: number, eventName: string): Promise<Destination[]> {
    const key = `${accountId}:${eventName}`;
    const cached = this.accountWebhooks.get(key);
    if (cached) return cached;
    const epoch = this.accountWebhooks.now();
    const webhooks = await sql.rows<Destination>(Prisma.sql`
      SELECT id, url FROM webhooks
      WHERE account_id = ${accountId} AND disabled_at IS NULL AND ${eventName}::text = ANY (subscriptions)
      ORDER BY id`);
    this.accountWebhooks.set(key, webhooks, epoch);
    return webhooks;
  }
}
