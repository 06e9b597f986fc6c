/**
 * The event bus: how committed domain events reach the real-time side of
 * every instance. The real-time listener (listeners/realtime.ts) publishes
 * each event on its account's topic after commit; GraphQL subscription
 * resolvers (and through them /cable) subscribe to an account's topic and
 * filter what their caller may hear; /cable's audiences `listen` to an
 * account to regroup their members on membership events.
 *
 * With one instance the topics live in this process (an EventTarget). With
 * REDIS_URL they go through Redis pub/sub (`@graphql-yoga/redis-event-target`
 * on ioredis), so an event committed on any instance reaches the subscribers
 * of every instance; each instance subscribes only to the accounts its
 * clients listen to.
 */
import { setMaxListeners } from 'node:events';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Repeater, SlidingBuffer } from '@repeaterjs/repeater';
import type { Redis } from 'ioredis';
import type { AnyDomainEvent } from './catalogue.ts';
import { connectRedis } from '../redis.ts';

/** What subscription resolvers subscribe to: an account's events, as they reach this instance. */
export interface SnyptoPubSub {
  subscribe(topic: 'account:events', accountId: number): AsyncIterableIterator<AnyDomainEvent>;
}

/**
 * Events a subscription may have waiting before its oldest are dropped.
 * Without a bound, one client that cannot keep up would fill memory; with
 * yoga's own pubsub (1,024 pending pushes, then an exception thrown in the
 * publisher's dispatch) it would crash the instance. Each subscription has
 * its own buffer (yoga's `repeaterBuffer` option shares one instance among
 * all of them, mixing their events).
 */
export const SUBSCRIBER_BACKLOG = 4096;

/** The topic (the Redis channel) of an account's events. */
const topicOf = (namespace: string, accountId: number) => `${namespace}:account:events:${accountId}`;

export interface EventBusOptions {
  /** Redis to fan events out through; in-process when absent. */
  redisUrl?: string;
  /** Prefix of the Redis channels (default `snypto`). */
  namespace?: string;
  /** Called with the milliseconds an event took from its publication to this instance (Redis only). */
  onFanOut?: (latencyMs: number) => void;
  onRedisError?: (error: Error) => void;
}

export interface EventBus {
  /** What subscription resolvers subscribe to. */
  pubsub: SnyptoPubSub;
  /**
   * Calls `listener` with each event of the account as it reaches this
   * instance, synchronously, before any subscriber resolves it; returns the
   * function that stops it.
   */
  listen(accountId: number, listener: (event: AnyDomainEvent) => void): () => void;
  /** The after-commit listener: publishes each event on its account's topic. */
  publish(events: AnyDomainEvent[]): void;
  /** Whether the bus can publish (Redis answers PING); always true in process. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** An event on the wire between instances, with the time it was published (Dates kept as Dates). */
interface WireEvent {
  event: AnyDomainEvent;
  publishedAt: number;
}

/** How a Date travels (a key no event data uses). */
const DATE_TAG = '$snyptoDate';

/** JSON that keeps Dates (an event's `occurredAt`, a snapshot's timestamps) as Dates. */
export const eventSerializer = {
  stringify(event: AnyDomainEvent): string {
    const wire: WireEvent = { event, publishedAt: Date.now() };
    return JSON.stringify(wire, function (this: Record<string, unknown>, key, value: unknown) {
      const original = this[key];
      return original instanceof Date ? { [DATE_TAG]: original.toISOString() } : value;
    });
  },
  parse(text: string): WireEvent {
    return JSON.parse(text, (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && DATE_TAG in value && Object.keys(value).length === 1)
        return new Date((value as Record<string, string>)[DATE_TAG]!);
      return value;
    }) as WireEvent;
  },
};

/** Where topics live: this process, or Redis. */
interface Transport {
  eventTarget: EventTarget;
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

function inProcess(): Transport {
  // Every subscriber of an account listens on its topic: Node's leak warning (10 listeners) does not apply.
  const eventTarget = new EventTarget();
  setMaxListeners(0, eventTarget);
  return { eventTarget, ready: async () => true, close: async () => undefined };
}

function throughRedis(redisUrl: string, options: EventBusOptions): Transport {
  const publishClient = connectRedis(redisUrl, options.onRedisError);
  const subscribeClient = connectRedis(redisUrl, options.onRedisError);
  // The event target calls these without awaiting them: a failure (Redis down, or closing) is logged, never left unhandled.
  const logged = (work: Promise<unknown>) => void work.catch((error: Error) => options.onRedisError?.(error));
  const eventTarget = createRedisEventTarget<CustomEvent>({
    publishClient: { publish: (channel: string, message: string) => logged(publishClient.publish(channel, message)) } as unknown as Redis,
    subscribeClient: {
      on: (event: 'message', listener: (channel: string, message: string) => void) => subscribeClient.on(event, listener),
      subscribe: (channel: string) => logged(subscribeClient.subscribe(channel)),
      unsubscribe: (channel: string) => logged(subscribeClient.unsubscribe(channel)),
    } as unknown as Redis,
    serializer: {
      stringify: (event: unknown) => eventSerializer.stringify(event as AnyDomainEvent),
      parse: (text: string) => {
        const wire = eventSerializer.parse(text);
        options.onFanOut?.(Date.now() - wire.publishedAt);
        return wire.event;
      },
    },
  }) as unknown as EventTarget;
  return {
    eventTarget,
    async ready() {
      try {
        return (await publishClient.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}

export function createEventBus(options: EventBusOptions = {}): EventBus {
  const transport = options.redisUrl ? throughRedis(options.redisUrl, options) : inProcess();
  const { eventTarget } = transport;
  const topic = (accountId: number) => topicOf(options.namespace ?? 'snypto', accountId);
  const listen = (accountId: number, listener: (event: AnyDomainEvent) => void) => {
    const callback = (event: Event) => listener((event as CustomEvent<AnyDomainEvent>).detail);
    eventTarget.addEventListener(topic(accountId), callback);
    return () => eventTarget.removeEventListener(topic(accountId), callback);
  };
  return {
    pubsub: {
      subscribe: (_topic, accountId) =>
        new Repeater<AnyDomainEvent>((push, stop) => {
          const stopListening = listen(accountId, (event) => void push(event));
          void stop.then(stopListening);
        }, new SlidingBuffer(SUBSCRIBER_BACKLOG)),
    },
    listen,
    publish(events) {
      for (const event of events) eventTarget.dispatchEvent(new CustomEvent(topic(event.accountId), { detail: event }));
    },
    ready: () => transport.ready(),
    close: () => transport.close(),
  };
}

/**
 * The events of one account for one subscriber, from `backlog` (events this
 * instance has already heard) on: it listens from the moment it is made, so
 * nothing falls between the backlog and what follows, however late the
 * subscriber subscribes. /cable gives it to an audience a regroup creates
 * (src/cable/audiences.ts). `close` stops it if nobody subscribes after all.
 */
export function replayingPubsub(
  bus: Pick<EventBus, 'listen' | 'pubsub'>,
  accountId: number,
  backlog: readonly AnyDomainEvent[],
): SnyptoPubSub & { close(): void } {
  const queued = [...backlog];
  let forward: ((event: AnyDomainEvent) => void) | undefined;
  const stopListening = bus.listen(accountId, (event) => (forward ? forward(event) : void queued.push(event)));
  return {
    subscribe: (topic, subscribedAccountId) => {
      if (subscribedAccountId !== accountId) return bus.pubsub.subscribe(topic, subscribedAccountId);
      return new Repeater<AnyDomainEvent>((push, stop) => {
        for (const event of queued.splice(0)) void push(event);
        forward = (event) => void push(event);
        void stop.then(stopListening);
      }, new SlidingBuffer(SUBSCRIBER_BACKLOG));
    },
    close: stopListening,
  };
}
