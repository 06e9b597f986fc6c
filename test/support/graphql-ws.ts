/**
 * A graphql-ws client (the protocol's official client over `ws`) whose
 * subscriptions queue every result, so no event is lost to a race.
 */
import { print, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import WebSocket from 'ws';

export interface Subscription<T> {
  /** The next result, waiting up to `timeoutMs`. */
  next(timeoutMs?: number): Promise<ExecutionResult<T>>;
  /** The next result that satisfies `predicate`; others are dropped. */
  nextMatching(predicate: (result: ExecutionResult<T>) => boolean, timeoutMs?: number): Promise<ExecutionResult<T>>;
  /** Waits `ms` and fails if a result satisfying `predicate` (default: any) arrived. */
  expectNothing(ms: number, predicate?: (result: ExecutionResult<T>) => boolean): Promise<void>;
  unsubscribe(): void;
}

export interface WsClient {
  client: Client;
  /** Resolves when the server acknowledged the connection, rejects with the close event otherwise. */
  connected: Promise<void>;
  /** Resolves with the close code once the socket closes. */
  closed: Promise<number>;
  subscribe<T, V extends Record<string, unknown>>(document: TypedDocumentNode<T, V>, variables: V): Subscription<T>;
  dispose(): Promise<void>;
}

export function connectGraphqlWs(wsUrl: string, connectionParams: Record<string, unknown>): WsClient {
  let resolveConnected!: () => void;
  let rejectConnected!: (reason: unknown) => void;
  let resolveClosed!: (code: number) => void;
  const connected = new Promise<void>((res, rej) => ((resolveConnected = res), (rejectConnected = rej)));
  const closed = new Promise<number>((res) => (resolveClosed = res));
  const client = createClient({
    url: `${wsUrl}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    on: {
      connected: () => resolveConnected(),
      closed: (event) => {
        const code = (event as { code?: number }).code ?? 0;
        rejectConnected(new Error(`closed with ${code}`));
        resolveClosed(code);
      },
    },
  });
  return {
    client,
    connected,
    closed,
    subscribe<T, V extends Record<string, unknown>>(document: TypedDocumentNode<T, V>, variables: V): Subscription<T> {
      const results: ExecutionResult<T>[] = [];
      const waiters: ((result: ExecutionResult<T>) => void)[] = [];
      const push = (result: ExecutionResult<T>) => {
        const waiter = waiters.shift();
        if (waiter) waiter(result);
        else results.push(result);
      };
      const unsubscribe = client.subscribe<T>(
        { query: print(document), variables },
        {
          next: (result) => push(result as ExecutionResult<T>),
          error: (error) => push({ errors: [{ message: String((error as Error).message ?? error) }] } as never),
          complete: () => undefined,
        },
      );
      return {
        next(timeoutMs = 10_000) {
          const ready = results.shift();
          if (ready) return Promise.resolve(ready);
          return new Promise<ExecutionResult<T>>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no subscription result within ${timeoutMs} ms`)), timeoutMs);
            waiters.push((result) => {
              clearTimeout(timer);
              resolve(result);
            });
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
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}

/**
 * Resolves once the subscription is live on the server: sends probes (each a
 * real event the subscription selects) until one arrives. Later results that
 * are probes are to be skipped with `nextMatching`.
 */
export async function untilLive<T>(
  subscription: Subscription<T>,
  sendProbe: () => Promise<unknown>,
  isProbe: (result: ExecutionResult<T>) => boolean,
): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    await sendProbe();
    try {
      await subscription.nextMatching(isProbe, 250);
      return;
    } catch {
      /* not live yet: probe again */
    }
  }
  throw new Error('subscription never became live');
}
