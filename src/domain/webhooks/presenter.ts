/**
 * The account webhook wire shape (spec/API.md §3.7) and its delivery log entries.
 */
import type { Webhook, WebhookDelivery } from '../../generated/prisma/client.ts';

export type WebhookView = Webhook & { inbox?: { id: number; name: string } | null };

/** `{id, name, url, account_id, subscriptions, inbox?{id, name}}`; `inbox` only when one is set. */
export function presentWebhook(webhook: WebhookView) {
  return {
    id: webhook.id,
    name: webhook.name,
    url: webhook.url,
    account_id: webhook.accountId,
    subscriptions: webhook.subscriptions,
    ...(webhook.inbox ? { inbox: { id: webhook.inbox.id, name: webhook.inbox.name } } : {}),
  };
}

/** Epoch seconds, as the REST API renders times. */
const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * The delivery log entry (a Snypto extension, issue 6): `{id, event,
 * destination, webhook_id, inbox_id, url, state, attempts, response_status,
 * duration_ms, last_error, next_attempt_at, last_attempt_at, created_at}`,
 * times in epoch seconds; the response and error are those of the latest attempt.
 */
export function presentWebhookDelivery(delivery: WebhookDelivery) {
  return {
    id: delivery.id,
    event: delivery.eventName,
    destination: delivery.destination,
    webhook_id: delivery.webhookId,
    inbox_id: delivery.inboxId,
    url: delivery.url,
    state: delivery.state,
    attempts: delivery.attempts,
    response_status: delivery.responseStatus,
    duration_ms: delivery.durationMs,
    last_error: delivery.lastError,
    next_attempt_at: epochSeconds(delivery.nextAttemptAt),
    last_attempt_at: delivery.lastAttemptAt ? epochSeconds(delivery.lastAttemptAt) : null,
    created_at: epochSeconds(delivery.createdAt),
  };
}
