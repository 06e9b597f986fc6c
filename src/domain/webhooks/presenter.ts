/**
 * The account webhook wire shape (spec/API.md §3.7).
 */
import type { Webhook } from '../../generated/prisma/client.ts';

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
