/**
 * WebhookDelivery: one event on its way to one destination (an account
 * webhook or an API inbox's webhook_url), with the outcome of its latest
 * attempt. Administrators of the account only.
 */
import { builder } from '../builder.ts';

export const WebhookDeliveryStateEnum = builder.enumType('WebhookDeliveryState', {
  description: 'PENDING until delivered or given up (FAILED); DISABLED when the receiver answered 410 Gone.',
  values: {
    PENDING: { value: 'pending' },
    SUCCEEDED: { value: 'succeeded' },
    FAILED: { value: 'failed' },
    DISABLED: { value: 'disabled' },
  } as const,
});

export const WebhookDestinationEnum = builder.enumType('WebhookDestination', {
  values: { ACCOUNT_WEBHOOK: { value: 'account_webhook' }, API_INBOX_WEBHOOK: { value: 'api_inbox_webhook' } } as const,
});

/** WebhookDelivery nodes (global id over the delivery's UUID), visible to administrators of the account only. */
export const WebhookDeliveryType = builder.prismaNode('WebhookDelivery', {
  id: { field: 'id' },
  authScopes: (delivery, context) => context.access.isAdministratorOf(delivery.accountId),
  fields: (t) => ({
    deliveryId: t.exposeString('id', { description: 'The delivery id sent with every attempt (a UUID).' }),
    eventName: t.exposeString('eventName', { description: 'The webhook event, e.g. message_created.' }),
    destination: t.expose('destination', { type: WebhookDestinationEnum }),
    url: t.exposeString('url'),
    state: t.expose('state', { type: WebhookDeliveryStateEnum }),
    attempts: t.exposeInt('attempts'),
    responseStatus: t.exposeInt('responseStatus', { nullable: true, description: 'HTTP status of the latest attempt.' }),
    durationMs: t.exposeInt('durationMs', { nullable: true, description: 'How long the latest attempt took.' }),
    lastError: t.exposeString('lastError', { nullable: true }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime' }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
