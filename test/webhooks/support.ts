/**
 * Helpers of the webhook delivery tests: a clock the test moves, reading
 * delivery rows, waiting for a condition, posting a message over REST.
 */
import { expect } from 'vitest';
import type { WebhookDelivery } from '../../src/generated/prisma/client.ts';
import { accountPath, adminApi } from '../support/seed.ts';
import type { TestServer } from '../support/server.ts';
import { waitFor } from '../support/wait.ts';

export { waitFor };

/** Real time plus an offset the test moves forward (never back, so rows written with real time stay due). */
export class TestClock {
  private offsetMs = 0;
  readonly now = () => new Date(Date.now() + this.offsetMs);
  advance(ms: number): void {
    this.offsetMs += ms;
  }
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
