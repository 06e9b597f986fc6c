/**
 * One subscriber's results from a shared execution (multiplexer.ts): the
 * group pushes each result without waiting, the subscriber's transport
 * pulls at its own pace. At most SUBSCRIBER_BACKLOG results wait (the
 * bound every subscription has, src/events/bus.ts); beyond that the oldest
 * are dropped, so a slow subscriber never holds up the others nor fills
 * memory. Returning it (the client unsubscribed, its socket closed) calls
 * `onReturn` (which must bear being called again). A member that resumes
 * holds the group's results while its own replay goes out, then gets those
 * positioned after the replay's last (multiplexer.ts `replayInto`).
 */
import type { ExecutionResult } from 'graphql';
import { SUBSCRIBER_BACKLOG } from '../events/bus.ts';
import { positionOfResult } from './event-cursors.ts';

export class MemberStream implements AsyncIterableIterator<ExecutionResult> {
  private queue: ExecutionResult[] = [];
  private head = 0;
  private waiting?: { resolve(result: IteratorResult<ExecutionResult>): void; reject(error: unknown): void };
  private ended = false;
  private failure?: { error: unknown };
  /** Set while a resuming member's replay runs: the group's results wait here. */
  private held: ExecutionResult[] | undefined;
  /** The position of the last result the member's replay sent. */
  private replayedThrough = 0;

  constructor(
    private readonly onReturn: () => void,
    private readonly backlog = SUBSCRIBER_BACKLOG,
  ) {}

  /** Results waiting to be pulled. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Holds the group's results (push) until `release`. */
  hold(): void {
    this.held ??= [];
  }

  /** A result of the member's own replay: goes out even while the group's are held. */
  replayed(result: ExecutionResult): void {
    this.replayedThrough = Math.max(this.replayedThrough, positionOfResult(result)?.offset ?? 0);
    this.enqueue(result);
  }

  /** The member heard everything up to `offset` already (its cursor): results positioned there or before are not sent again. */
  heardThrough(offset: number): void {
    this.replayedThrough = Math.max(this.replayedThrough, offset);
  }

  /** The replay is out: the held results follow, those after its last position (the others it sent already). */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const result of held) if ((positionOfResult(result)?.offset ?? Infinity) > this.replayedThrough) this.enqueue(result);
  }

  push(result: ExecutionResult): void {
    if (this.held) return void this.held.push(result);
    this.enqueue(result);
  }

  private enqueue(result: ExecutionResult): void {
    if (this.ended) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.resolve({ value: result, done: false });
      return;
    }
    this.queue.push(result);
    if (this.pending > this.backlog) this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) this.queue = this.queue.slice(this.head), (this.head = 0);
  }

  /** Ends the stream after what is queued: with `error`, the subscriber's next pull throws it. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) this.failure = { error };
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) this.settle(waiting);
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.pending > 0) {
      const value = this.queue[this.head]!;
      this.queue[this.head++] = undefined as never;
      if (this.head === this.queue.length) (this.queue = []), (this.head = 0);
      return Promise.resolve({ value, done: false });
    }
    return new Promise((resolve, reject) => {
      if (this.ended) this.settle({ resolve, reject });
      else this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.queue = [];
    this.held = undefined;
    this.head = 0;
    this.failure = undefined;
    this.end();
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private settle(waiting: { resolve(result: IteratorResult<ExecutionResult>): void; reject(error: unknown): void }): void {
    const failure = this.failure;
    this.failure = undefined;
    if (failure) waiting.reject(failure.error);
    else waiting.resolve({ value: undefined, done: true });
  }
}
