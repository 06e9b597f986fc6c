/**
 * The GraphQL side of the event bus: after commit, every domain event is
 * published on its account's topic; subscription resolvers filter the events
 * they care about and re-load what their client selected, authorised as
 * that client.
 */
import { setMaxListeners } from 'node:events';
import { createPubSub } from 'graphql-yoga';
import type { AnyDomainEvent } from '../events/catalogue.ts';

export type SnyptoPubSub = ReturnType<typeof createSnyptoPubSub>;

/**
 * Every subscriber of an account listens on that account's topic (a
 * GraphQL subscription, a /cable RoomChannel), so a topic has as many
 * listeners as there are subscribers: Node's leak warning (10) does not apply.
 */
export function createSnyptoPubSub() {
  const eventTarget = new EventTarget();
  setMaxListeners(0, eventTarget);
  return createPubSub<{ 'account:events': [accountId: number, event: AnyDomainEvent] }>({ eventTarget });
}

/** After-commit listener that feeds GraphQL subscriptions. */
export const publishToGraphql = (pubsub: SnyptoPubSub) => (events: AnyDomainEvent[]) => {
  for (const event of events) pubsub.publish('account:events', event.accountId, event);
};
