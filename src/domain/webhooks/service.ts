/**
 * Account webhooks (spec/API.md §3.7): administrators choose the URLs that
 * receive the account's events and which events each one subscribes to
 * (spec/EVENTS.md §1.2). Deliveries are planned from events by
 * src/webhooks/planner.ts.
 */
import { z } from 'zod';
import type { PrismaClient } from '../../db.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { DestinationGuard } from '../../webhooks/destination-guard.ts';
import { DEFAULT_WEBHOOK_SUBSCRIPTIONS, WEBHOOK_SUBSCRIPTIONS } from '../../webhooks/planner.ts';
import { requireAdministrator, type AccountActor } from '../actor.ts';
import { webhookSecret } from '../tokens.ts';
import { parseInput, recordId, stringColumn, type RawInput } from '../validation.ts';
import { checkDestination, webhookUrl } from './destination.ts';

const allowed = new Set<string>(WEBHOOK_SUBSCRIPTIONS);

const webhookFields = {
  url: webhookUrl(),
  name: stringColumn().nullish(),
  inboxId: recordId().nullish(),
  /** A non-empty subset of WEBHOOK_SUBSCRIPTIONS; Chatwoot words a bad list "Subscriptions Invalid events". */
  subscriptions: z
    .array(z.string())
    .refine((list) => list.length > 0 && list.every((name) => allowed.has(name)), { message: 'Invalid events' })
    .transform((list) => [...new Set(list)]),
};

/** A new webhook: url required; subscriptions default to DEFAULT_WEBHOOK_SUBSCRIPTIONS. */
export const createWebhookInput = z.object({
  ...webhookFields,
  subscriptions: webhookFields.subscriptions.optional(),
});
export type CreateWebhookInput = z.input<typeof createWebhookInput>;

/** A webhook change: only the keys given change; a null name or inboxId clears it. */
export const updateWebhookInput = z.object({
  url: webhookFields.url.optional(),
  name: webhookFields.name,
  inboxId: webhookFields.inboxId,
  subscriptions: webhookFields.subscriptions.optional(),
});
export type UpdateWebhookInput = z.input<typeof updateWebhookInput>;

/** Each webhook comes with its inbox's id and name, as the REST shape shows it. */
const withInbox = { inbox: { select: { id: true, name: true } } } as const;

const urlTaken = () => ValidationError.of('url', 'Url has already been taken');

export class WebhookService {
  constructor(
    private readonly db: PrismaClient,
    /** Refuses URLs on private addresses (SSRF), unless SNYPTO_WEBHOOK_ALLOW_PRIVATE. */
    private readonly destinations = new DestinationGuard({ allowPrivate: false }),
  ) {}

  /** The account's webhooks, oldest first (administrators). */
  async list(actor: AccountActor) {
    requireAdministrator(actor);
    return this.db.webhook.findMany({ where: { accountId: actor.accountId }, orderBy: { id: 'asc' }, include: withInbox });
  }

  /**
   * Creates a webhook (administrators): an http(s) URL unique in the
   * account, the default subscriptions when none are given, an optional
   * inbox of the account and a new signing secret.
   */
  async create(actor: AccountActor, raw: RawInput<CreateWebhookInput>) {
    requireAdministrator(actor);
    const input = parseInput(createWebhookInput, raw);
    await this.checkInbox(actor, input.inboxId);
    await checkDestination(this.destinations, 'url', input.url);
    await this.checkUrlFree(actor.accountId, input.url);
    return this.saving(() =>
      this.db.webhook.create({
        data: {
          accountId: actor.accountId,
          url: input.url,
          name: input.name ?? null,
          inboxId: input.inboxId ?? null,
          subscriptions: input.subscriptions ?? [...DEFAULT_WEBHOOK_SUBSCRIPTIONS],
          secret: webhookSecret(),
        },
        include: withInbox,
      }),
    );
  }

  /** Changes a webhook's url, name, inbox (null clears it) or subscriptions, with the rules of create. */
  async update(actor: AccountActor, webhookId: number, raw: RawInput<UpdateWebhookInput>) {
    const webhook = await this.find(actor, webhookId);
    requireAdministrator(actor);
    const input = parseInput(updateWebhookInput, raw);
    await this.checkInbox(actor, input.inboxId);
    if (input.url !== undefined && input.url !== webhook.url) {
      await checkDestination(this.destinations, 'url', input.url);
      await this.checkUrlFree(actor.accountId, input.url);
    }
    return this.saving(() =>
      this.db.webhook.update({
        where: { id: webhook.id },
        data: {
          url: input.url,
          name: input.name,
          inboxId: input.inboxId,
          subscriptions: input.subscriptions,
        },
        include: withInbox,
      }),
    );
  }

  /** Deletes a webhook and its delivery log (administrators). */
  async delete(actor: AccountActor, webhookId: number): Promise<void> {
    const webhook = await this.find(actor, webhookId);
    requireAdministrator(actor);
    await this.db.webhook.delete({ where: { id: webhook.id } });
  }

  private async find(actor: AccountActor, webhookId: number) {
    const webhook = Number.isSafeInteger(webhookId)
      ? await this.db.webhook.findFirst({ where: { id: webhookId, accountId: actor.accountId } })
      : null;
    if (!webhook) throw new NotFoundError('Webhook');
    return webhook;
  }

  private async checkInbox(actor: AccountActor, inboxId: number | null | undefined) {
    if (inboxId == null) return;
    const inbox = await this.db.inbox.findFirst({ where: { id: inboxId, accountId: actor.accountId }, select: { id: true } });
    if (!inbox) throw new NotFoundError('Inbox');
  }

  private async checkUrlFree(accountId: number, url: string) {
    if (await this.db.webhook.findFirst({ where: { accountId, url }, select: { id: true } })) throw urlTaken();
  }

  /** Runs a write, reporting a uniqueness race on (account, url) as the validation failure it is. */
  private async saving<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw urlTaken();
      throw error;
    }
  }

  /** The key that signs an account webhook's deliveries (administrators). */
  async secret(actor: AccountActor, webhookId: number): Promise<string> {
    requireAdministrator(actor);
    return (await this.find(actor, webhookId)).secret;
  }

  /**
   * Gives an account webhook a new signing secret (administrators). The
   * worker reads the secret at each attempt, so the old one signs nothing
   * from now on, retries of earlier deliveries included.
   */
  async rotateSecret(actor: AccountActor, webhookId: number): Promise<string> {
    requireAdministrator(actor);
    const webhook = await this.find(actor, webhookId);
    const updated = await this.db.webhook.update({ where: { id: webhook.id }, data: { secret: webhookSecret() }, select: { secret: true } });
    return updated.secret;
  }

  /** The key that signs deliveries to an API inbox's webhook_url (administrators). */
  async inboxSecret(actor: AccountActor, inboxId: number): Promise<string> {
    requireAdministrator(actor);
    return (await this.findInboxChannel(actor, inboxId)).secret;
  }

  /** Gives an API inbox's webhook_url a new signing secret (administrators), effective at once as rotateSecret. */
  async rotateInboxSecret(actor: AccountActor, inboxId: number): Promise<string> {
    requireAdministrator(actor);
    const channel = await this.findInboxChannel(actor, inboxId);
    const updated = await this.db.channelApi.update({ where: { id: channel.id }, data: { secret: webhookSecret() }, select: { secret: true } });
    return updated.secret;
  }

  private async findInboxChannel(actor: AccountActor, inboxId: number) {
    const inbox = Number.isSafeInteger(inboxId)
      ? await this.db.inbox.findFirst({
          where: { id: inboxId, accountId: actor.accountId },
          select: { channel: { select: { id: true, secret: true } } },
        })
      : null;
    if (!inbox) throw new NotFoundError('Inbox');
    return inbox.channel;
  }
}
