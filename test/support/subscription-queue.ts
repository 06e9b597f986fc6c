/**
 * A subscription whose results are queued, so that no event is lost to a
 * race between the server sending it and the test waiting for it. Shared
 * by the graphql-ws and graphql-sse clients of the tests.
 */
import type { ExecutionResult } from 'graphql';

export interface Subscription<T> {
  /** The next result, waiting up to `timeoutMs`. */
  next(timeoutMs?: number): Promise<ExecutionResult<T>>;
  /** The next result that satisfies `predicate`; others are dropped. */
  nextMatching(predicate: (result: ExecutionResult<T>) => boolean, timeoutMs?: number): Promise<ExecutionResult<T>>;
  /** Waits `ms` and fails if a result satisfying `predicate` (default: any) arrived. */
  expectNothing(ms: number, predicate?: (result: ExecutionResult<T>) => boolean): Promise<void>;
  unsubscribe(): void;
}

/** The sink a client library pushes results into. */
export interface ResultSink<T> {
  next(result: ExecutionResult<T>): void;
  error(error: unknown): void;
  complete(): void;
}

/** Starts a subscription with `start` (which returns its unsubscribe) and queues what it yields. */
export function queuedSubscription<T>(start: (sink: ResultSink<T>) => () => void): Subscription<T> {
  const results: ExecutionResult<T>[] = [];
  const waiters: ((result: ExecutionResult<T>) => void)[] = [];
  const push = (result: ExecutionResult<T>) => {
    const waiter = waiters.shift();
    if (waiter) waiter(result);
    else results.push(result);
  };
  const unsubscribe = start({
    next: push,
    error: (error) => {
      const message =
        error instanceof Error ? error.message : Array.isArray(error) ? JSON.stringify(error) : String((error as { message?: string })?.message ?? error);
      push({ errors: [{ message }] } as never);
    },
    complete: () => undefined,
  });
  return {
    next(timeoutMs = 10_000) {
      const ready = results.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise<ExecutionResult<T>>((resolve, reject) => {
        const waiter = (result: ExecutionResult<T>) => {
          clearTimeout(timer);
          resolve(result);
        };
        const timer = setTimeout(() => {
          // A waiter that gave up must not swallow the next result.
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no subscription result within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    async nextMatching(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const result = await this.next(Math.max(1, deadline - Date.now()));
        if (predicate(result)) return result;
      }
    },
    async expectNothing(ms, predicate = () => true) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      const unexpected = results.find(predicate);
      if (unexpected) throw new Error(`unexpected result: ${JSON.stringify(unexpected)}`);
    },
    unsubscribe,
  };
}
