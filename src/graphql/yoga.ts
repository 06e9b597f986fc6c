/**
 * GraphQL over HTTP and SSE (Yoga), GraphiQL at `/graphql` (self-contained,
 * so it works offline). Domain errors become GraphQL errors with a stable
 * `extensions.code`; anything unexpected is masked.
 */
import { useGraphQLSSE } from '@graphql-yoga/plugin-graphql-sse';
import {
  createYoga,
  createGraphQLError,
  maskError as defaultMaskError,
  type GraphiQLOptions,
  type Plugin,
  type YogaServerInstance,
} from 'graphql-yoga';
import { randomUUID } from 'node:crypto';
import type { Request as SseRequest, Response as SseResponse } from 'graphql-sse';
import { createContext, principalOf, type AudienceOptions, type Context, type Credentials } from '../context.ts';
import type { Authenticator, Principal } from '../auth.ts';
import type { PrismaClient } from '../db.ts';
import { DomainError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { EventBus, SnyptoPubSub } from '../events/bus.ts';
import type { EventHistory } from '../events/history.ts';
import type { EventCursors } from './event-cursors.ts';
import { Multiplexer } from './multiplexer.ts';
import { useInputGuard } from './input-guard.ts';
import { armor } from './limits.ts';
import { useReadCache } from './read-cache.ts';
import { schema } from './schema.ts';

export const GRAPHQL_SSE_PATH = '/graphql/stream';

export interface GraphqlDeps {
  /** Query results are cached per caller until the next committed write (see read-cache.ts). */
  readCache: { writeEpoch: (tables?: readonly string[]) => number; maxEntries: number };
  logger: { error(details: object, message: string): void };
  db: PrismaClient;
  services: Services;
  pubsub: SnyptoPubSub;
  authenticator: Authenticator;
  /** Membership events reach the multiplexer's groups through it (multiplexer.ts). */
  bus: Pick<EventBus, 'listen' | 'pubsub'>;
  /** Each subscription result carries its event's cursor (event-cursors.ts). */
  cursors: EventCursors;
  /** Where a resuming multiplexed subscriber's replay comes from. */
  history: Pick<EventHistory, 'replay' | 'limits'>;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * What the caller presented. Agents and bots: `Authorization: Bearer <token>`
 * or `api_access_token` (headers), `api_access_token`/`accessToken` (graphql-ws
 * payload). Contacts: `X-Inbox-Identifier` + `X-Contact-Identifier` (the
 * contact's `source_id`) or `X-Pubsub-Token` (headers), `inboxIdentifier` +
 * `contactIdentifier` or `pubsubToken` (graphql-ws payload).
 */
export function graphqlCredentials(
  headers: { get(name: string): string | null } | undefined,
  connectionParams?: Record<string, unknown>,
): Credentials {
  const params = connectionParams ?? {};
  const header = (name: string) => text(headers?.get(name));
  const authorization = header('authorization');
  const token =
    text(params.api_access_token) ??
    text(params.accessToken) ??
    (authorization?.toLowerCase().startsWith('bearer ') ? authorization.slice(7).trim() : undefined) ??
    header('api_access_token') ??
    header('api-access-token');
  if (token !== undefined) return { token };
  const pubsubToken = text(params.pubsubToken) ?? header('x-pubsub-token');
  if (pubsubToken !== undefined) return { contact: { pubsubToken } };
  const inboxIdentifier = text(params.inboxIdentifier) ?? header('x-inbox-identifier');
  const sourceId = text(params.contactIdentifier) ?? header('x-contact-identifier');
  if (inboxIdentifier !== undefined && sourceId !== undefined) return { contact: { inboxIdentifier, sourceId } };
  return undefined;
}

/**
 * graphql-sse's `authenticate` hook: refuses unknown credentials with 401 and
 * the GraphQL error in the body (the protocol's client shows the status),
 * otherwise hands out the event-stream token as the library does by default.
 */
function refuseBadCredentials(authenticator: Authenticator) {
  return async (request: SseRequest<unknown, unknown>): Promise<string | SseResponse> => {
    const credentials = graphqlCredentials({ get: (name) => request.headers.get(name) ?? null });
    if (credentials !== undefined) {
      const refusal = await principalOf(authenticator, credentials).then(
        () => null,
        (error: unknown) => (error instanceof DomainError ? error : Promise.reject(error)),
      );
      if (refusal)
        return [
          JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] }),
          { status: 401, statusText: 'Unauthorized', headers: { 'content-type': 'application/json; charset=utf-8' } },
        ];
    }
    return (
      request.headers.get('x-graphql-event-stream-token') ??
      new URL(request.url, 'http://localhost').searchParams.get('token') ??
      randomUUID()
    );
  };
}

/**
 * A subscription refused when it starts (no scope, not found, not allowed) answers `{errors}`; graphql-sse 2.6
 * only takes a result that has `data` for one, and answers anything else with 400 "Unable to detect operation
 * AST". `data: null` (what the GraphQL spec allows for a request error) lets its clients see the real error.
 */
const useDataOnRefusedSubscription = (): Plugin => ({
  onSubscribe: () => ({
    onSubscribeResult: ({ result, setResult }) => {
      if (!(Symbol.asyncIterator in result) && !('data' in result)) setResult({ ...result, data: null });
    },
  }),
});

/**
 * Yoga's own GraphiQL page loads its scripts, styles and editor workers from a
 * CDN (offline: a blank page). @graphql-yoga/render-graphiql's page has them
 * all inlined (the Monaco workers as blob: URLs, fonts and icons as data:
 * URLs): about 9 MB of HTML that takes tens of milliseconds to build, so it is
 * built once per set of options rather than on every request. The module itself
 * (those 9 MB as strings, about 50 MB of resident memory once parsed) is only
 * imported when the page is first asked for: a server nobody opens GraphiQL on
 * never holds it.
 */
function offlineGraphiQL(): (options: GraphiQLOptions) => Promise<string> {
  let page: { options: string; html: Promise<string> } | undefined;
  return (options) => {
    const key = JSON.stringify(options);
    if (page?.options !== key) {
      page = {
        options: key,
        html: import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => renderGraphiQL(options)),
      };
    }
    return page.html;
  };
}

export function createGraphqlServer(deps: GraphqlDeps): YogaServerInstance<Record<string, unknown>, Context> {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Snypto GraphiQL' },
    renderGraphiQL: offlineGraphiQL(),
    logging: false,
    // `/graphql/stream`: the graphql-sse protocol (single and distinct connection modes).
    // `/graphql` itself answers `Accept: text/event-stream` with Yoga's own GraphQL over SSE.
    plugins: [
      // First, so that its groups execute with the plain subscribe function; the others wrap each subscriber's stream.
      new Multiplexer({
        ...deps,
        onError: (error) => deps.logger.error({ err: error }, 'multiplexed subscription failed'),
      }).plugin(),
      deps.cursors.plugin(),
      useGraphQLSSE({ endpoint: GRAPHQL_SSE_PATH, authenticate: refuseBadCredentials(deps.authenticator) }),
      useDataOnRefusedSubscription(),
      armor(),
      useInputGuard(),
      useReadCache(deps.readCache),
    ],
    context: async (initial) => {
      const { connectionParams, cablePrincipal, cableAudience } = initial as {
        connectionParams?: Record<string, unknown>;
        /** Set by /cable, which authenticates a RoomChannel subscription itself (its RoomChannel). */
        cablePrincipal?: Principal;
        /** Set by /cable: the audience of callers the subscription serves (its audiences: one subscription per reach). */
        cableAudience?: AudienceOptions;
      };
      if (cablePrincipal) return createContext(deps, { principal: cablePrincipal }, cableAudience);
      const context = await createContext(deps, graphqlCredentials(initial.request?.headers, connectionParams));
      // An EventSource that reconnects sends the last `id:` it saw: its subscription resumes after it.
      const lastEventId = text(initial.request?.headers.get('last-event-id'));
      if (lastEventId !== undefined) context.lastEventId = lastEventId;
      return context;
    },
    maskedErrors: {
      maskError(error, message, isDev) {
        const original = (error as { originalError?: unknown }).originalError ?? error;
        if (original instanceof DomainError)
          return createGraphQLError(original.message, { extensions: { code: original.code } });
        const masked = defaultMaskError(error, message, isDev);
        // Only the unexpected is masked; operators still need to see it.
        if (masked !== error) deps.logger.error({ err: original }, 'GraphQL operation failed unexpectedly');
        return masked;
      },
    },
  });
}
