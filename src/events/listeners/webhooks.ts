/**
 * The webhook destination of committed events: deliveries are planned in
 * the event's own transaction (one `webhook_deliveries` row per subscribed
 * destination, src/webhooks/planner.ts), so an event is never committed
 * without them; after commit the delivery worker is woken when any of the
 * events planned one (src/webhooks/worker.ts, which also polls).
 */
import type { AnyDomainEvent } from '../catalogue.ts';
import type { Outbox, TransactionalListener } from '../outbox.ts';

/** What plans deliveries (src/webhooks/planner.ts `WebhookPlanner`). */
export interface DeliveryPlanner {
  /** Plans an event's deliveries in its transaction. */
  plan: TransactionalListener;
  /** Whether any of these committed events got a delivery. */
  hasDeliveries(events: AnyDomainEvent[]): boolean;
}

/** Attaches webhook planning (in the transaction) and the worker's wake-up (after commit) to the outbox. */
export function attachWebhooks(
  outbox: Pick<Outbox, 'onTransaction' | 'onCommit'>,
  planner: DeliveryPlanner,
  worker: { wake(): void },
): void {
  outbox.onTransaction(planner.plan);
  outbox.onCommit('webhooks', (events) => {
    if (planner.hasDeliveries(events)) worker.wake();
  });
}
