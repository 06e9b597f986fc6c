/**
 * The webhook delivery log (issue 6, item 6): administrators list the
 * deliveries of an account webhook or of an API inbox's webhook_url, newest
 * first, and redeliver one. A redelivery is a new attempt of the same
 * delivery: same delivery id, same body (fixed at its first attempt), so a
 * receiver that deduplicates on `webhook-id` sees it as the retry it is.
 */
import { z } from 'zod';
import type { PrismaClient } from '../../db.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { Prisma, WebhookDeliveryState } from '../../generated/prisma/client.ts';
import { requireAdministrator, type AccountActor } from '../actor.ts';
import { parseInput, type RawInput } from '../validation.ts';

/** Deliveries on one page of the log. */
export const DELIVERIES_PER_PAGE = 25;

export const DELIVERY_STATES = ['pending', 'succeeded', 'failed', 'disabled'] as const satisfies readonly WebhookDeliveryState[];

/** Which page of the log, and optionally only the deliveries in one state. */
export const deliveryLogInput = z.object({
  page: z.number().int().min(1).max(2_147_483_647).default(1),
  state: z.enum(DELIVERY_STATES, { message: 'is not included in the list' }).optional(),
});
export type DeliveryLogInput = z.input<typeof deliveryLogInput>;

/** Newest first; the id breaks ties between deliveries planned in the same transaction. */
const NEWEST_FIRST = [{ createdAt: 'desc' }, { id: 'desc' }] satisfies Prisma.WebhookDeliveryOrderByWithRelationInput[];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a delivery id in UUID form (anything else names no delivery, and must not reach the uuid column). */
export const isDeliveryId = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

export class WebhookDeliveryService {
  /**
   * @param wakeWorker tells the delivery worker that a delivery is due now
   *   (DeliveryWorker.wake), so a redelivery goes out without waiting for its poll.
   */
  constructor(
    private readonly db: PrismaClient,
    private readonly wakeWorker: () => void = () => {},
  ) {}

  /** One page of an account webhook's deliveries (administrators); `count` is over every page. */
  async listForWebhook(actor: AccountActor, webhookId: number, raw: RawInput<DeliveryLogInput>) {
    requireAdministrator(actor);
    const input = parseInput(deliveryLogInput, raw);
    const webhook = Number.isSafeInteger(webhookId)
      ? await this.db.webhook.findFirst({ where: { id: webhookId, accountId: actor.accountId }, select: { id: true } })
      : null;
    if (!webhook) throw new NotFoundError('Webhook');
    return this.page({ accountId: actor.accountId, webhookId: webhook.id }, input);
  }

  /** One page of the deliveries to an inbox's webhook_url (administrators), including those to URLs it had before. */
  async listForInbox(actor: AccountActor, inboxId: number, raw: RawInput<DeliveryLogInput>) {
    requireAdministrator(actor);
    const input = parseInput(deliveryLogInput, raw);
    const inbox = await this.findInbox(actor, inboxId);
    return this.page({ accountId: actor.accountId, inboxId: inbox.id, destination: 'api_inbox_webhook' }, input);
  }

  /**
   * Sends a delivery again (administrators): state pending, due now, the
   * attempts so far kept (the worker counts this one on top), the worker
   * woken. Redelivering to an account webhook disabled by a 410 enables it
   * again, since asking for a delivery says the receiver is back. A delivery
   * a worker is sending right now (under its lease) is refused: the outcome
   * that worker records would overwrite the redelivery, or a second worker
   * would send it at the same time.
   */
  async redeliver(actor: AccountActor, deliveryId: string) {
    requireAdministrator(actor);
    const delivery = await this.find(actor, deliveryId);
    const now = new Date();
    const updated = await this.db.$transaction(async (tx) => {
      const { count } = await tx.webhookDelivery.updateMany({
        where: { id: delivery.id, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
        data: { state: 'pending', nextAttemptAt: now, lockedUntil: null, lockedBy: null },
      });
      if (count === 0) throw ValidationError.rule('deliveryId', 'Delivery is being attempted right now; redeliver it when the attempt ends');
      if (delivery.webhookId !== null)
        await tx.webhook.updateMany({ where: { id: delivery.webhookId, disabledAt: { not: null } }, data: { disabledAt: null } });
      return tx.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
    });
    this.wakeWorker();
    return updated;
  }

  /** A delivery of the actor's account; a malformed id, like another account's, is not found. */
  async find(actor: AccountActor, deliveryId: string) {
    const delivery = isDeliveryId(deliveryId)
      ? await this.db.webhookDelivery.findFirst({ where: { id: deliveryId, accountId: actor.accountId } })
      : null;
    if (!delivery) throw new NotFoundError('WebhookDelivery');
    return delivery;
  }

  private async findInbox(actor: AccountActor, inboxId: number) {
    const inbox = Number.isSafeInteger(inboxId)
      ? await this.db.inbox.findFirst({ where: { id: inboxId, accountId: actor.accountId }, select: { id: true } })
      : null;
    if (!inbox) throw new NotFoundError('Inbox');
    return inbox;
  }

  private async page(where: Prisma.WebhookDeliveryWhereInput, input: z.output<typeof deliveryLogInput>) {
    const filtered = { ...where, ...(input.state ? { state: input.state } : {}) };
    const [count, deliveries] = await Promise.all([
      this.db.webhookDelivery.count({ where: filtered }),
      this.db.webhookDelivery.findMany({
        where: filtered,
        orderBy: NEWEST_FIRST,
        skip: (input.page - 1) * DELIVERIES_PER_PAGE,
        take: DELIVERIES_PER_PAGE,
      }),
    ]);
    return { count, page: input.page, deliveries };
  }
}
