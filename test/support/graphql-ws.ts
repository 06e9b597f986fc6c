/**
 * A graphql-ws client (the protocol's official client over `ws`) whose
 * subscriptions queue every result, so no event is lost to a race.
 */
import { print, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import WebSocket from 'ws';
import { queuedSubscription, type Subscription } from './subscription-queue.ts';

export type { Subscription };

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
      return queuedSubscription<T>((sink) =>
        client.subscribe<T>({ query: print(document), variables }, {
          next: (result) => sink.next(result as ExecutionResult<T>),
          error: sink.error,
          complete: sink.complete,
        }),
      );
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}

/**
 * How long each probe is waited for. A probe sent before the subscription was
 * live never arrives (a live one arrives within milliseconds of its request),
 * so the first waits are short and the next probe goes out soon; a probe that
 * arrives after its wait still counts, at the next one.
 */
const PROBE_WAITS_MS = [50, 100, 200];
const LATER_PROBE_WAIT_MS = 250;
/** How long probing goes on before the subscription counts as never live. */
const LIVE_WITHIN_MS = 12_500;

/**
 * Resolves once the subscription is live on the server: sends probes (each a
 * real event the subscription selects) until one arrives. Later results that
 * are probes are to be skipped with `nextMatching`.
 */
export async function untilLive<T>(
  subscription: Subscription<T>,
  sendProbe: () => Promise<unknown>,
  isProbe: (result: ExecutionResult<T>) => boolean,
): Promise<ExecutionResult<T>> {
  const deadline = Date.now() + LIVE_WITHIN_MS;
  for (let attempt = 0; ; attempt++) {
    await sendProbe();
    try {
      return await subscription.nextMatching(isProbe, PROBE_WAITS_MS[attempt] ?? LATER_PROBE_WAIT_MS);
    } catch {
      /* not live yet: probe again */
    }
    if (Date.now() > deadline) throw new Error('subscription never became live');
  }
}
