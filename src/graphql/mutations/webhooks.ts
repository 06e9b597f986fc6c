/**
 * Mutations on account webhooks (spec/API.md §3.7), each a thin call into
 * WebhookService. Users only; the service allows administrators only.
 * Subscriptions are event names as strings, checked by the service so that
 * an unknown one is a ValidationError on `subscriptions`, as in REST.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Context } from '../../context.ts';
import { WEBHOOK_SUBSCRIPTIONS } from '../../webhooks/planner.ts';
import { builder } from '../builder.ts';
import { actorForAccount, databaseIdOf, locate } from '../ids.ts';
import { WebhookType } from '../types/webhook.ts';

const subscriptionsDescription = `A non-empty list among: ${WEBHOOK_SUBSCRIPTIONS.join(', ')}.`;

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  fields: (t) => ({
    accountId: t.id({ required: true }),
    url: t.string({ required: true, description: 'An http(s) URL, unique in the account.' }),
    name: t.string(),
    inboxId: t.id({ description: 'An inbox of the account, shown with the webhook (it does not filter events).' }),
    subscriptions: t.stringList({
      description: `${subscriptionsDescription} Default: the eight conversation, contact, message and webwidget events.`,
    }),
  }),
});

const UpdateWebhookInput = builder.inputType('UpdateWebhookInput', {
  description: 'Only the fields given change; a null name or inboxId clears it.',
  fields: (t) => ({
    id: t.id({ required: true }),
    url: t.string(),
    name: t.string(),
    inboxId: t.id(),
    subscriptions: t.stringList({ description: subscriptionsDescription }),
  }),
});

const DeleteWebhookInput = builder.inputType('DeleteWebhookInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

/** The inbox's database id; null (clear) and undefined (not given) pass through. */
const inboxIdOf = (inboxId: string | number | null | undefined) =>
  inboxId == null ? inboxId : databaseIdOf('Inbox', inboxId, 'inboxId');

const reloadWebhook = (context: Context, query: object, id: number) =>
  context.db.webhook.findUniqueOrThrow({ ...query, where: { id } });

builder.mutationField('createWebhook', (t) =>
  t.prismaField({
    type: WebhookType,
    authScopes: { user: true },
    description: 'Adds an account webhook (administrators).',
    errors: {},
    args: { input: t.arg({ type: CreateWebhookInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const actor = await actorForAccount(context, input.accountId);
      const webhook = await context.services.webhooks.create(actor, {
        url: input.url,
        name: input.name,
        inboxId: inboxIdOf(input.inboxId),
        subscriptions: input.subscriptions ?? undefined,
      });
      return reloadWebhook(context, query, webhook.id);
    },
  }),
);

builder.mutationField('updateWebhook', (t) =>
  t.prismaField({
    type: WebhookType,
    authScopes: { user: true },
    description: 'Changes an account webhook (administrators).',
    errors: {},
    args: { input: t.arg({ type: UpdateWebhookInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const { actor, id } = await locate(context, 'Webhook', input.id, 'id');
      await context.services.webhooks.update(actor, id, {
        url: input.url ?? undefined,
        name: input.name,
        inboxId: inboxIdOf(input.inboxId),
        subscriptions: input.subscriptions ?? undefined,
      });
      return reloadWebhook(context, query, id);
    },
  }),
);

builder.mutationField('deleteWebhook', (t) =>
  t.id({
    authScopes: { user: true },
    description: 'Deletes an account webhook and its delivery log (administrators). Returns its id.',
    errors: {},
    args: { input: t.arg({ type: DeleteWebhookInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { actor, id } = await locate(context, 'Webhook', input.id, 'id');
      await context.services.webhooks.delete(actor, id);
      return encodeGlobalID('Webhook', id);
    },
  }),
);
