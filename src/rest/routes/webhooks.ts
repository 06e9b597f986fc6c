/**
 * Account webhooks (spec/API.md §3.7).
 */
import { presentWebhook, presentWebhookDelivery } from '../../domain/webhooks/presenter.ts';
import type { WebhookDelivery } from '../../generated/prisma/client.ts';
import { idParam, integer, text, type Params } from '../params.ts';
import { ACCOUNT, UPDATE, type Route } from '../route.ts';

/** `inbox_id`: null/blank clears, a non-integer stays as-is for validation. */
const inboxId = (value: unknown) => (value === null || value === '' ? null : value === undefined ? undefined : (integer(value) ?? value));

const input = (params: Params) => ({
  url: text(params.url),
  name: text(params.name),
  inboxId: inboxId(params.inbox_id),
  subscriptions: params.subscriptions,
});

export const webhookRoutes: Route[] = [
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/webhooks`,
    handle: async ({ actor, services }) => ({
      body: { payload: { webhooks: (await services.webhooks.list(actor)).map(presentWebhook) } },
    }),
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/webhooks`,
    wrap: 'webhook',
    handle: async ({ actor, params, services }) => ({
      body: { payload: { webhook: presentWebhook(await services.webhooks.create(actor, input(params))) } },
    }),
  },
  {
    scope: 'account',
    method: UPDATE,
    path: `${ACCOUNT}/webhooks/:id`,
    wrap: 'webhook',
    handle: async ({ actor, params, services }) => ({
      body: { payload: { webhook: presentWebhook(await services.webhooks.update(actor, idParam(params.id), input(params))) } },
    }),
  },
  {
    scope: 'account',
    method: 'DELETE',
    path: `${ACCOUNT}/webhooks/:id`,
    handle: async ({ actor, params, services }) => {
      await services.webhooks.delete(actor, idParam(params.id));
      return {};
    },
  },
];

/**
 * The delivery log and signing secrets (Snypto extensions of Chatwoot's API,
 * issue 6): `/webhooks/:id/…` for an account webhook, `/webhooks/inboxes/:inbox_id/…`
 * for an API inbox's webhook_url, `/webhooks/deliveries/:delivery_id/redeliver`.
 * The static segments win over `:id` in the router, and differ in length anyway.
 */
const logQuery = (params: Params) => ({
  page: Math.max(integer(params.page) ?? 1, 1),
  state: params.state === '' ? undefined : params.state,
});

const deliveryPage = ({ count, page, deliveries }: { count: number; page: number; deliveries: WebhookDelivery[] }) => ({
  body: { meta: { count, current_page: page }, payload: deliveries.map(presentWebhookDelivery) },
});

webhookRoutes.push(
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/webhooks/:id/deliveries`,
    handle: async ({ actor, params, services }) =>
      deliveryPage(await services.webhookDeliveries.listForWebhook(actor, idParam(params.id), logQuery(params))),
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/webhooks/inboxes/:inbox_id/deliveries`,
    handle: async ({ actor, params, services }) =>
      deliveryPage(await services.webhookDeliveries.listForInbox(actor, idParam(params.inbox_id), logQuery(params))),
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/webhooks/deliveries/:delivery_id/redeliver`,
    handle: async ({ actor, params, services }) => ({
      body: presentWebhookDelivery(await services.webhookDeliveries.redeliver(actor, String(params.delivery_id))),
    }),
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/webhooks/:id/secret`,
    handle: async ({ actor, params, services }) => ({ body: { secret: await services.webhooks.secret(actor, idParam(params.id)) } }),
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/webhooks/:id/rotate_secret`,
    handle: async ({ actor, params, services }) => ({
      body: { secret: await services.webhooks.rotateSecret(actor, idParam(params.id)) },
    }),
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/webhooks/inboxes/:inbox_id/secret`,
    handle: async ({ actor, params, services }) => ({
      body: { secret: await services.webhooks.inboxSecret(actor, idParam(params.inbox_id)) },
    }),
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/webhooks/inboxes/:inbox_id/rotate_secret`,
    handle: async ({ actor, params, services }) => ({
      body: { secret: await services.webhooks.rotateInboxSecret(actor, idParam(params.inbox_id)) },
    }),
  },
);
