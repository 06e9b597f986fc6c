/**
 * Webhook: an account webhook, the events it subscribes to and its
 * deliveries (spec/API.md §3.7, spec/EVENTS.md §1.2). Administrators of the
 * account only: `Account.webhooks` answers anyone else with a ForbiddenError.
 * Subscriptions are the webhook event names as strings (e.g.
 * `message_created`), exactly as REST and the payloads' `event` spell them.
 */
import { ForbiddenError } from '../../errors.ts';
import { WEBHOOK_SUBSCRIPTIONS } from '../../webhooks/planner.ts';
import { builder } from '../builder.ts';
import { WebhookDeliveryStateEnum } from './webhook-delivery.ts';

/** Webhook nodes, visible to administrators of the account only. */
export const WebhookType = builder.prismaNode('Webhook', {
  id: { field: 'id' },
  // `node`/`nodes` answer null for an id that names no record, as documented, instead of failing.
  nullable: true,
  authScopes: (webhook, context) => context.access.isAdministratorOf(webhook.accountId),
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id used by the REST API.' }),
    name: t.exposeString('name', { nullable: true }),
    url: t.exposeString('url'),
    subscriptions: t.exposeStringList('subscriptions', {
      description: `The events delivered, among: ${WEBHOOK_SUBSCRIPTIONS.join(', ')}.`,
    }),
    secret: t.exposeString('secret', { description: 'Key that signs the deliveries (webhook-signature, X-Snypto-Signature).' }),
    inbox: t.relation('inbox', { nullable: true, description: 'Stored and shown; does not filter the events (as in Chatwoot).' }),
    disabledAt: t.expose('disabledAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Set when the receiver answered 410 Gone; nothing is delivered while set.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    deliveries: t.relatedConnection('deliveries', {
      cursor: 'id',
      totalCount: true,
      description: 'The deliveries to this webhook, newest first.',
      args: { state: t.arg({ type: WebhookDeliveryStateEnum, description: 'Only the deliveries in this state.' }) },
      query: (args) => ({
        where: args.state ? { state: args.state } : {},
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
    }),
  }),
});

builder.prismaObjectField('Account', 'webhooks', (t) =>
  t.prismaField({
    type: [WebhookType],
    authScopes: { user: true },
    description: 'The account\'s webhooks, oldest first; a ForbiddenError for anyone but its administrators.',
    errors: { result: { name: 'AccountWebhooksSuccess' }, union: { name: 'AccountWebhooksResult' } },
    resolve: async (query, account, _args, context) => {
      if (!(await context.access.isAdministratorOf(account.id))) throw new ForbiddenError();
      return context.db.webhook.findMany({ ...query, where: { accountId: account.id }, orderBy: { id: 'asc' } });
    },
  }),
);
