/**
 * WebhookDelivery: one event on its way to one destination (an account
 * webhook or an API inbox's webhook_url), with the outcome of its latest
 * attempt. Administrators of the account only. Also `Inbox.webhookDeliveries`,
 * an API inbox's delivery log.
 */
import type { WebhookDeliveryState } from '../../generated/prisma/client.ts';
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
  // `node`/`nodes` answer null for an id that names no record, as documented, instead of failing.
  nullable: true,
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

/**
 * An API inbox's delivery log: the deliveries to its webhook_url (and to the
 * URLs it had before), newest first. Null for anyone but the account's
 * administrators, as the inbox's secrets are.
 */
builder.prismaObjectField('Inbox', 'webhookDeliveries', (t) =>
  t.prismaConnection({
    type: WebhookDeliveryType,
    cursor: 'id',
    nullable: true,
    args: { state: t.arg({ type: WebhookDeliveryStateEnum, description: 'Only the deliveries in this state.' }) },
    description: 'Deliveries to the inbox\'s webhook_url, newest first; null unless the caller administers the account.',
    authScopes: (inbox, _args, context) => context.access.isAdministratorOf(inbox.accountId),
    unauthorizedResolver: () => null,
    totalCount: (inbox, args, context) =>
      context.db.webhookDelivery.count({ where: deliveriesOfInbox(inbox.id, args.state) }),
    resolve: (query, inbox, args, context) =>
      context.db.webhookDelivery.findMany({
        ...query,
        where: deliveriesOfInbox(inbox.id, args.state),
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
  }),
);

const deliveriesOfInbox = (inboxId: number, state: WebhookDeliveryState | null | undefined) => ({
  inboxId,
  destination: 'api_inbox_webhook' as const,
  ...(state ? { state } : {}),
});
