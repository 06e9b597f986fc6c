/**
 * /cable clients for the tests: the official `@rails/actioncable` consumer
 * (written for browsers; given Node's `ws` WebSocket and the window
 * listeners it registers) and a raw frame client for protocol details.
 * Both queue what they receive, so no frame is lost to a race.
 */
import * as ActionCable from '@rails/actioncable';
import { WebSocket } from 'ws';

const browserish = globalThis as unknown as { addEventListener?: () => void; removeEventListener?: () => void };
browserish.addEventListener ??= () => undefined;
browserish.removeEventListener ??= () => undefined;
ActionCable.adapters.WebSocket = WebSocket as unknown as typeof globalThis.WebSocket;

/** A queue of received values with waiting by predicate. */
export class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: { predicate: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  push(item: T): void {
    const waiter = this.waiters.find((w) => w.predicate(item));
    if (waiter) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(item);
    } else this.items.push(item);
  }

  /** The first item (queued or future) matching `predicate`; earlier non-matching items stay queued. */
  next(predicate: (item: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
    const index = this.items.findIndex(predicate);
    if (index >= 0) return Promise.resolve(this.items.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (item: T) => {
          clearTimeout(timer);
          resolve(item);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`nothing matching arrived within ${timeoutMs} ms; queued: ${JSON.stringify(this.items).slice(0, 500)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Fails if an item matching `predicate` is queued or arrives within `ms`. */
  async nothing(ms: number, predicate: (item: T) => boolean = () => true): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const found = this.items.find(predicate);
    if (found) throw new Error(`unexpected: ${JSON.stringify(found).slice(0, 500)}`);
  }
}

export interface Broadcast {
  event: string;
  data: any;
}

/** A RoomChannel subscription through the official client. */
export interface RoomSubscription {
  received: Inbox<Broadcast>;
  /** Resolves with 'connected' or 'rejected', whichever the server answers. */
  outcome: Promise<'connected' | 'rejected'>;
  disconnected: Inbox<unknown>;
  perform(action: string): void;
  unsubscribe(): void;
}

export function officialConsumer(wsUrl: string) {
  return ActionCable.createConsumer(`${wsUrl}/cable`);
}

export function subscribeRoom(consumer: ActionCable.Consumer, params: Record<string, unknown>): RoomSubscription {
  const received = new Inbox<Broadcast>();
  const disconnected = new Inbox<unknown>();
  let settle: (outcome: 'connected' | 'rejected') => void = () => undefined;
  const outcome = new Promise<'connected' | 'rejected'>((resolve) => (settle = resolve));
  const subscription = consumer.subscriptions.create(
    { channel: 'RoomChannel', ...params },
    {
      connected: () => settle('connected'),
      rejected: () => settle('rejected'),
      disconnected: (details: unknown) => disconnected.push(details),
      received: (message: Broadcast) => received.push(message),
    },
  );
  return {
    received,
    outcome,
    disconnected,
    perform: (action) => subscription.perform(action),
    unsubscribe: () => subscription.unsubscribe(),
  };
}

/** A raw /cable socket: every frame parsed and queued; `query` is appended to the URL, `headers` sent with the upgrade. */
export async function rawCable(
  wsUrl: string,
  protocols: string[] = ['actioncable-v1-json', 'actioncable-unsupported'],
  options: { query?: string; headers?: Record<string, string> } = {},
) {
  const socket = new WebSocket(`${wsUrl}/cable${options.query ? `?${options.query}` : ''}`, protocols, { headers: options.headers });
  const frames = new Inbox<any>();
  let closed: (code: number) => void = () => undefined;
  const closedWith = new Promise<number>((resolve) => (closed = resolve));
  socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
  socket.on('close', (code) => closed(code));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    closedWith,
    send: (frame: unknown) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    subscribe: (identifier: string) => socket.send(JSON.stringify({ command: 'subscribe', identifier })),
    close: () => socket.close(),
  };
}
