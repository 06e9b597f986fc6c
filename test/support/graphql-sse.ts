/**
 * A graphql-sse client (the protocol's official client) whose subscriptions
 * queue every result. `singleConnection` speaks the protocol's single
 * connection mode (at /graphql/stream); the distinct connections mode works
 * at /graphql/stream and against Yoga's own SSE at /graphql.
 */
import { print, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-sse';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { queuedSubscription, type Subscription } from './subscription-queue.ts';

export interface SseClient {
  client: Client;
  subscribe<T, V extends Record<string, unknown>>(document: TypedDocumentNode<T, V>, variables: V): Subscription<T>;
  dispose(): void;
}

export function connectGraphqlSse(
  url: string,
  options: { headers?: Record<string, string>; singleConnection?: boolean } = {},
): SseClient {
  const client = createClient({
    url,
    headers: options.headers ?? {},
    singleConnection: options.singleConnection ?? false,
    retryAttempts: 0,
  });
  return {
    client,
    subscribe<T, V extends Record<string, unknown>>(document: TypedDocumentNode<T, V>, variables: V) {
      return queuedSubscription<T>((sink) =>
        client.subscribe<T>({ query: print(document), variables }, {
          next: (result) => sink.next(result as ExecutionResult<T>),
          error: sink.error,
          complete: sink.complete,
        }),
      );
    },
    dispose: () => client.dispose(),
  };
}
