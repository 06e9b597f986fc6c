/**
 * Mutations on account webhooks (spec/API.md §3.7), each a thin call into
 * WebhookService. Users only; the service allows administrators only.
 * Subscriptions are event names as strings, checked by the service so that
 * an unknown one is a ValidationError on `subscriptions`, as in REST.
 * Also the delivery log's redelivery and the rotation of signing secrets
 * (an account webhook's or an API inbox's).
 */
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { Context } from '../../context.ts';
import { isDeliveryId } from '../../domain/webhooks/deliveries.ts';
import { NotFoundError } from '../../errors.ts';
import { WEBHOOK_SUBSCRIPTIONS } from '../../webhooks/planner.ts';
import { builder } from '../builder.ts';
import { actorForAccount, actorInAccount, databaseIdOf, locate } from '../ids.ts';
import { WebhookType } from '../types/webhook.ts';
import { WebhookDeliveryType } from '../types/webhook-delivery.ts';

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

const RedeliverWebhookDeliveryInput = builder.inputType('RedeliverWebhookDeliveryInput', {
  fields: (t) => ({
    deliveryId: t.id({ required: true, description: 'The WebhookDelivery\'s global id, or its delivery id (the UUID in `deliveryId`).' }),
  }),
});

const RotateWebhookSecretInput = builder.inputType('RotateWebhookSecretInput', {
  fields: (t) => ({ webhookId: t.id({ required: true }) }),
});

const RotateInboxWebhookSecretInput = builder.inputType('RotateInboxWebhookSecretInput', {
  fields: (t) => ({ inboxId: t.id({ required: true }) }),
});

/** The delivery UUID an argument names: a WebhookDelivery global id or the bare UUID; anything else names none. */
function deliveryUuidOf(value: string | number): string | undefined {
  const text = String(value);
  if (isDeliveryId(text)) return text;
  try {
    const { typename, id } = decodeGlobalID(text);
    return typename === 'WebhookDelivery' && isDeliveryId(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

builder.mutationField('redeliverWebhookDelivery', (t) =>
  t.prismaField({
    type: WebhookDeliveryType,
    authScopes: { user: true },
    description:
      'Sends a delivery again (administrators): a new attempt with the same delivery id and body. ' +
      'Redelivering to a webhook disabled by a 410 enables it again.',
    errors: {},
    args: { input: t.arg({ type: RedeliverWebhookDeliveryInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const uuid = deliveryUuidOf(input.deliveryId);
      const found = uuid ? await context.db.webhookDelivery.findUnique({ where: { id: uuid }, select: { accountId: true } }) : null;
      if (!uuid || !found) throw new NotFoundError('WebhookDelivery');
      const actor = await actorInAccount(context, found.accountId, 'WebhookDelivery');
      const delivery = await context.services.webhookDeliveries.redeliver(actor, uuid);
      return context.db.webhookDelivery.findUniqueOrThrow({ ...query, where: { id: delivery.id } });
    },
  }),
);

builder.mutationField('rotateWebhookSecret', (t) =>
  t.prismaField({
    type: WebhookType,
    authScopes: { user: true },
    description: 'Gives an account webhook a new signing secret (administrators); the old one signs nothing from now on.',
    errors: {},
    args: { input: t.arg({ type: RotateWebhookSecretInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const { actor, id } = await locate(context, 'Webhook', input.webhookId, 'webhookId');
      await context.services.webhooks.rotateSecret(actor, id);
      return reloadWebhook(context, query, id);
    },
  }),
);

builder.mutationField('rotateInboxWebhookSecret', (t) =>
  t.prismaField({
    type: 'Inbox',
    authScopes: { user: true },
    description: 'Gives an API inbox\'s webhook_url a new signing secret (administrators); the old one signs nothing from now on.',
    errors: {},
    args: { input: t.arg({ type: RotateInboxWebhookSecretInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const { actor, id } = await locate(context, 'Inbox', input.inboxId, 'inboxId');
      await context.services.webhooks.rotateInboxSecret(actor, id);
      return context.db.inbox.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);
