/**
 * The GraphQL side of the event bus: after commit, every domain event is
 * published on its account's topic; subscription resolvers filter the events
 * they care about and re-load what their client selected, authorised as
 * that client.
 */
import { createPubSub } from 'graphql-yoga';
import type { AnyDomainEvent } from '../events/catalogue.ts';

export type SnyptoPubSub = ReturnType<typeof createSnyptoPubSub>;

export const createSnyptoPubSub = () =>
  createPubSub<{ 'account:events': [accountId: number, event: AnyDomainEvent] }>();

/** After-commit listener that feeds GraphQL subscriptions. */
export const publishToGraphql = (pubsub: SnyptoPubSub) => (events: AnyDomainEvent[]) => {
  for (const event of events) pubsub.publish('account:events', event.accountId, event);
};
