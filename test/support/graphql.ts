/**
 * GraphQL over HTTP for the tests: a typed POST to /graphql with an agent's
 * token or a contact's credentials, and global ids built the way the server
 * builds them.
 */
import { print, type ExecutionResult } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { TestServer } from './server.ts';

/** Who calls: an access token, a contact session's headers, or nobody. */
export type Caller = string | { headers: Record<string, string> } | null;

/** Headers proving a contact's session by inbox identifier and source_id. */
export const contactCaller = (inboxIdentifier: string, sourceId: string): Caller => ({
  headers: { 'x-inbox-identifier': inboxIdentifier, 'x-contact-identifier': sourceId },
});

/** The Relay global id of a `typename` with this database id. */
export const globalId = (typename: string, id: number | string): string =>
  Buffer.from(`${typename}:${id}`).toString('base64');

/** Runs an operation over HTTP and returns the status and the parsed result. */
export async function graphql<T, V extends Record<string, unknown>>(
  server: TestServer,
  caller: Caller,
  document: TypedDocumentNode<T, V>,
  ...[variables]: V extends Record<string, never> ? [V?] : [V]
): Promise<ExecutionResult<T> & { status: number }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
  if (typeof caller === 'string') headers.authorization = `Bearer ${caller}`;
  else if (caller) Object.assign(headers, caller.headers);
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
  });
  return { status: response.status, ...((await response.json()) as ExecutionResult<T>) };
}

/** The `data` of a typed result union, failing with the error's message when it is an error. */
export function success<T extends { __typename?: string }>(result: T | null | undefined): Extract<T, { data: unknown }>['data'] {
  if (!result || !('data' in result)) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return (result as Extract<T, { data: unknown }>).data;
}
