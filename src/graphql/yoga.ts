/**
 * GraphQL over HTTP and SSE (Yoga), GraphiQL at `/graphql`. Domain errors
 * become GraphQL errors with a stable `extensions.code`; anything unexpected
 * is masked.
 */
import { createYoga, createGraphQLError, maskError as defaultMaskError, type YogaServerInstance } from 'graphql-yoga';
import { createContext, type Context } from '../context.ts';
import type { Authenticator } from '../auth.ts';
import type { PrismaClient } from '../db.ts';
import { DomainError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { SnyptoPubSub } from './pubsub.ts';
import { schema } from './schema.ts';

export interface GraphqlDeps {
  db: PrismaClient;
  services: Services;
  pubsub: SnyptoPubSub;
  authenticator: Authenticator;
}

/** The caller's token: `Authorization: Bearer`, the `api_access_token` header, or graphql-ws connection params. */
export function graphqlToken(
  headers: { get(name: string): string | null } | undefined,
  connectionParams?: Record<string, unknown>,
): string | undefined {
  const fromParams = connectionParams?.api_access_token ?? connectionParams?.accessToken;
  if (typeof fromParams === 'string') return fromParams;
  const authorization = headers?.get('authorization');
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim();
  return headers?.get('api_access_token') ?? headers?.get('api-access-token') ?? undefined;
}

export function createGraphqlServer(deps: GraphqlDeps): YogaServerInstance<Record<string, unknown>, Context> {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    context: async (initial) => {
      const connectionParams = (initial as { connectionParams?: Record<string, unknown> }).connectionParams;
      return createContext(deps, graphqlToken(initial.request?.headers, connectionParams));
    },
    maskedErrors: {
      maskError(error, message, isDev) {
        const original = (error as { originalError?: unknown }).originalError ?? error;
        if (original instanceof DomainError)
          return createGraphQLError(original.message, { extensions: { code: original.code } });
        return defaultMaskError(error, message, isDev);
      },
    },
  });
}
