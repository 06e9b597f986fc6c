/**
 * Resuming subscriptions: the events an account's subscriber missed since a
 * position (or a time), from the outbox's history (history.ts), then the
 * live ones from the bus, with nothing lost and nothing twice at the seam.
 *
 * The subscriber listens to the bus first and holds what arrives; then the
 * history is read; what it returns goes out, then what was held and
 * everything after it, but only events numbered after the last one
 * replayed. An account's events are numbered in commit order (outbox.ts)
 * and reach the subscriber in that order (bus.ts), so an event committed
 * after the history was read is numbered after everything in it, and one
 * the history held is dropped when it also arrives live.
 */
import { Repeater, SlidingBuffer } from '@repeaterjs/repeater';
import { SUBSCRIBER_BACKLOG, type EventBus, type SnyptoPubSub } from './bus.ts';
import type { AnyDomainEvent } from './catalogue.ts';
import type { EventHistory, Resume } from './history.ts';

/** `bus.pubsub`, with `resume` for subscriptions that give a resume point. */
export function resumablePubsub(bus: Pick<EventBus, 'listen' | 'pubsub'>, history: Pick<EventHistory, 'replay'>): SnyptoPubSub {
  return {
    subscribe: (topic, accountId) => bus.pubsub.subscribe(topic, accountId),
    resume: (accountId, resume) => resumed(bus, history, accountId, resume),
  };
}

/** Reads the history before answering, so that a refusal is the subscription's own error, not a broken stream. */
async function resumed(
  bus: Pick<EventBus, 'listen'>,
  history: Pick<EventHistory, 'replay'>,
  accountId: number,
  resume: Resume,
): Promise<AsyncIterableIterator<AnyDomainEvent>> {
  const held: AnyDomainEvent[] = [];
  let forward: ((event: AnyDomainEvent) => void) | undefined;
  const stopListening = bus.listen(accountId, (event) => (forward ? forward(event) : void held.push(event)));
  let replayed: AnyDomainEvent[];
  try {
    replayed = await history.replay(accountId, resume);
  } catch (error) {
    stopListening();
    throw error;
  }
  return new Repeater<AnyDomainEvent>((push, stop) => {
    void stop.then(stopListening);
    let last = 'after' in resume ? resume.after : 0;
    const pass = (event: AnyDomainEvent) => {
      if (event.seq <= last) return;
      last = event.seq;
      void push(event);
    };
    for (const event of replayed) pass(event);
    for (const event of held.splice(0)) pass(event);
    forward = pass;
  }, new SlidingBuffer(SUBSCRIBER_BACKLOG));
}

/**
 * Events already read from the history as a subscription of their account
 * that ends once they are out: what /cable's `history` command runs its
 * RoomChannel subscription over, so a replay is heard by the same rules as
 * the live events.
 */
export function replayedPubsub(accountId: number, events: readonly AnyDomainEvent[]): SnyptoPubSub {
  return {
    subscribe: (_topic, subscribedAccountId) =>
      new Repeater<AnyDomainEvent>(async (push, stop) => {
        if (subscribedAccountId === accountId) for (const event of events) await push(event);
        stop();
      }),
  };
}
