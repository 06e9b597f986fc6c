/**
 * The real-time destination of committed events: after commit, each event
 * is published on its account's topic of the event bus (../bus.ts), where
 * GraphQL subscriptions (graphql-ws, SSE, and /cable through `roomEvents`)
 * of every instance hear it.
 */
import type { EventBus } from '../bus.ts';
import type { Outbox } from '../outbox.ts';

/** Attaches publication on the bus, after commit, to the outbox. */
export function attachRealtime(outbox: Pick<Outbox, 'onCommit'>, bus: Pick<EventBus, 'publish'>): void {
  outbox.onCommit('real-time', (events) => bus.publish(events));
}
