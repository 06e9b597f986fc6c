/**
 * Account webhooks (spec/API.md §3.7).
 */
import { presentWebhook } from '../../domain/webhooks/presenter.ts';
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
