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
import type { Resume } from './history.ts';
import { connectRedis } from '../redis.ts';

/** What subscription resolvers subscribe to: an account's events, as they reach this instance. */
export interface SnyptoPubSub {
  subscribe(topic: 'account:events', accountId: number): AsyncIterableIterator<AnyDomainEvent>;
  /**
   * The events the subscriber missed since `resume` (replay.ts), then the
   * live ones; rejects with HistoryUnavailableError when the history does not
   * reach back that far. Absent where nothing may resume (a /cable audience).
   */
  resume?(accountId: number, resume: Resume): Promise<AsyncIterableIterator<AnyDomainEvent>>;
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
  /**
   * Reads an account's committed events numbered `from` to `to` (history.ts):
   * how an instance fills a gap that the bus left (see AccountChannel).
   * Without it, a gap is skipped once GAP_WAIT_MS has passed.
   */
  fill?: (accountId: number, from: number, to: number) => Promise<AnyDomainEvent[]>;
  onFillError?: (error: unknown) => void;
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

/** How long an instance holds an account's event that came before an earlier-numbered one, before reading the gap. */
export const GAP_WAIT_MS = 250;

/**
 * One account's events on this instance, handed to its listeners in the
 * order of their numbers (`seq`, commit order; outbox.ts). Events reach an
 * instance in the order they were published, which across instances (and
 * Redis) need not be the order they committed: an event that arrives
 * before an earlier-numbered one is held until that one arrives, or, after
 * GAP_WAIT_MS, is read from the history. So every subscriber hears its
 * account's events in commit order, and the cursor of the last one it heard
 * is a safe place to resume from. One seen twice is dropped. The first event
 * after the channel opens is taken as it comes.
 */
class AccountChannel {
  readonly listeners = new Set<(event: AnyDomainEvent) => void>();
  private last: number | undefined;
  private readonly held = new Map<number, AnyDomainEvent>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly accountId: number,
    private readonly options: Pick<EventBusOptions, 'fill' | 'onFillError'>,
  ) {}

  receive(event: AnyDomainEvent): void {
    // No number: published by an instance that does not number events; nothing to order it by.
    if (!event.seq) return this.deliver(event);
    if (this.last !== undefined && event.seq <= this.last) return;
    if (this.last !== undefined && event.seq > this.last + 1) {
      this.held.set(event.seq, event);
      this.timer ??= setTimeout(() => void this.fillGap(), GAP_WAIT_MS);
      return;
    }
    this.advance(event);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.held.clear();
  }

  private advance(event: AnyDomainEvent): void {
    this.last = event.seq;
    this.deliver(event);
    for (let next = this.held.get(this.last + 1); next; next = this.held.get(this.last + 1)) {
      this.held.delete(next.seq);
      this.last = next.seq;
      this.deliver(next);
    }
    // What is still held waits for its own gap to fill.
    if (this.held.size === 0) this.timer = void clearTimeout(this.timer);
    else this.timer ??= setTimeout(() => void this.fillGap(), GAP_WAIT_MS);
  }

  private deliver(event: AnyDomainEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Reads what is missing before the earliest held event; what still is not there is skipped. */
  private async fillGap(): Promise<void> {
    this.timer = undefined;
    if (this.closed || this.held.size === 0 || this.last === undefined) return;
    const first = Math.min(...this.held.keys());
    let found: AnyDomainEvent[] = [];
    try {
      found = (await this.options.fill?.(this.accountId, this.last + 1, first - 1)) ?? [];
    } catch (error) {
      this.options.onFillError?.(error);
    }
    if (this.closed) return;
    for (const event of found.sort((a, b) => a.seq - b.seq)) this.receive(event);
    // Filled (a later gap, if any, has its own wait): done. Not in the history either, or it could not be read: go on
    // from the event after the gap.
    const after = this.held.get(first);
    if (!after || this.last >= first) return;
    this.held.delete(first);
    this.advance(after);
  }
}

export function createEventBus(options: EventBusOptions = {}): EventBus {
  const transport = options.redisUrl ? throughRedis(options.redisUrl, options) : inProcess();
  const { eventTarget } = transport;
  const topic = (accountId: number) => topicOf(options.namespace ?? 'snypto', accountId);
  const channels = new Map<number, { channel: AccountChannel; stop: () => void }>();
  const listen = (accountId: number, listener: (event: AnyDomainEvent) => void) => {
    let open = channels.get(accountId);
    if (!open) {
      const channel = new AccountChannel(accountId, options);
      const callback = (event: Event) => channel.receive((event as CustomEvent<AnyDomainEvent>).detail);
      eventTarget.addEventListener(topic(accountId), callback);
      open = { channel, stop: () => eventTarget.removeEventListener(topic(accountId), callback) };
      channels.set(accountId, open);
    }
    const { channel } = open;
    // Each call its own entry, even for the same function: stopping one leaves the others.
    const entry = (event: AnyDomainEvent) => listener(event);
    channel.listeners.add(entry);
    return () => {
      channel.listeners.delete(entry);
      if (channel.listeners.size > 0 || channels.get(accountId)?.channel !== channel) return;
      channels.delete(accountId);
      channel.close();
      open.stop();
    };
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
