/**
 * Helpers of the webhook delivery tests: a clock the test moves, account
 * webhooks, reading delivery rows, waiting for an attempt or for the worker
 * to have sent everything due, posting a message over REST.
 */
import { expect } from 'vitest';
import type { WebhookDelivery } from '../../src/generated/prisma/client.ts';
import { accountPath, adminApi } from './seed.ts';
import type { TestServer } from './server.ts';
import type { seedForeignTenant } from './tenant.ts';
import { waitFor } from './wait.ts';

export { waitFor };

/** Real time plus an offset the test moves forward (never back, so rows written with real time stay due). */
export class TestClock {
  private offsetMs = 0;
  readonly now = () => new Date(Date.now() + this.offsetMs);
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** Moves the worker's clock (the server started with `clock.now`) and lets it look for due deliveries at once. */
export function advanceWorker(server: TestServer, clock: TestClock, ms: number): void {
  clock.advance(ms);
  server.app.webhooks.wake();
}

/**
 * Resolves once the server's delivery worker has sent every delivery due by
 * its clock and recorded each outcome (on the message too). A test that
 * asserts something was not sent, or not changed by a send, waits for this:
 * whatever was planned before the call has happened by then. With
 * `sends: false`, once the worker has claimed all it may for now, without
 * waiting for the sends under way (receivers that hold their answers).
 */
export function deliveriesSettled(server: TestServer, options?: { sends?: boolean }): Promise<void> {
  return server.app.webhooks.settled(options);
}

/** An account webhook to `url`, created over REST (200 expected); `remove` deletes it. */
export async function createAccountWebhook(server: TestServer, url: string, subscriptions?: string[]) {
  const created = await adminApi(server).post(accountPath(server, '/webhooks'), { url, subscriptions });
  expect(created.status).toBe(200);
  const id = created.body.payload.webhook.id as number;
  return { id, remove: () => adminApi(server).delete(accountPath(server, `/webhooks/${id}`)) };
}

/** Which deliveries of a message a helper looks at: its event, and optionally the destination URL. */
export interface DeliveryFilter {
  eventName?: string;
  url?: string;
}

/** The deliveries of one message's event (by message id in the event data), oldest first. */
export function deliveriesOfMessage(server: TestServer, messageId: number, filter: DeliveryFilter = {}): Promise<WebhookDelivery[]> {
  return server.app.database.prisma.webhookDelivery.findMany({
    where: {
      eventName: filter.eventName ?? 'message_created',
      url: filter.url,
      event: { data: { path: ['messageId'], equals: messageId } },
    },
    orderBy: { createdAt: 'asc' },
  });
}

/** Waits until the message's single (matching) delivery has `attempts` recorded attempts, and returns it. */
export function deliveryAfter(server: TestServer, messageId: number, attempts: number, filter: DeliveryFilter = {}) {
  return waitFor(async () => {
    const [delivery, ...others] = await deliveriesOfMessage(server, messageId, filter);
    expect(others).toEqual([]);
    return delivery && delivery.attempts >= attempts && delivery.lockedUntil === null ? delivery : null;
  }, `attempt ${attempts} of the delivery of message ${messageId}`);
}

/** A failed delivery of another account's webhook, written straight into the database. */
export async function foreignDelivery(server: TestServer, foreign: Awaited<ReturnType<typeof seedForeignTenant>>) {
  const db = server.app.database.prisma;
  const event = await db.event.create({ data: { accountId: foreign.account.id, name: 'contact.created', data: {} } });
  return db.webhookDelivery.create({
    data: {
      eventId: event.id,
      accountId: foreign.account.id,
      destination: 'account_webhook',
      webhookId: foreign.webhook.id,
      url: foreign.webhook.url,
      eventName: 'contact_created',
      state: 'failed',
      nextAttemptAt: new Date(),
    },
  });
}

/** Posts an incoming message to a conversation; returns its id. */
export async function postMessage(server: TestServer, conversationId: number, content: string): Promise<number> {
  const reply = await adminApi(server).post(accountPath(server, `/conversations/${conversationId}/messages`), {
    content,
    message_type: 'incoming',
  });
  expect(reply.status).toBe(200);
  return reply.body.id as number;
}

/** Milliseconds between a delivery's last attempt and its next one. */
export const retryDelay = (delivery: WebhookDelivery) => delivery.nextAttemptAt.getTime() - delivery.lastAttemptAt!.getTime();
