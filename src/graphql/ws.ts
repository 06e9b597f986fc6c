/**
 * GraphQL over WebSocket (the graphql-ws protocol) on `/graphql`, running on
 * Yoga's envelop so that every transport shares one schema, context and
 * error masking. The token comes in the `connection_init` payload
 * (`{"api_access_token": "..."}`, or a contact's credentials, see
 * graphqlCredentials); unknown credentials close the socket with 4403 Forbidden.
 * The binding counts the subscriptions streaming on its sockets (metrics).
 */
import type { ExecutionArgs, GraphQLError } from 'graphql';
import type { Context as SocketContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { WebSocketServer } from 'ws';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Authenticator } from '../auth.ts';
import type { Context } from '../context.ts';
import { DomainError } from '../errors.ts';
import { principalOf } from '../context.ts';
import { graphqlCredentials } from './yoga.ts';

type EnvelopedRoot = { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };

export interface GraphqlWsBinding {
  /** Subscriptions streaming results now, over every socket (single-result operations are not counted). */
  subscriptions(): number;
}

export function bindGraphqlWs(
  wss: WebSocketServer,
  yoga: YogaServerInstance<Record<string, unknown>, Context>,
  authenticator: Authenticator,
): GraphqlWsBinding {
  const sockets = new Set<SocketContext<Record<string, unknown> | undefined, unknown>>();
  useServer(
    {
      onClose: (ctx) => void sockets.delete(ctx),
      onConnect: async (ctx) => {
        sockets.add(ctx);
        const credentials = graphqlCredentials(undefined, ctx.connectionParams);
        if (credentials === undefined) return true;
        return principalOf(authenticator, credentials).then(
          () => true,
          (error: unknown) => (error instanceof DomainError ? false : Promise.reject(error)),
        );
      },
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          connectionParams: ctx.connectionParams,
        });
        // Syntax errors and graphql-armor's refusals are thrown by parse/validate: they are the client's errors.
        try {
          const document = parse(params.query);
          const errors = validate(schema, document);
          if (errors.length) return errors;
          const args: ExecutionArgs = {
            schema,
            operationName: params.operationName,
            document,
            variableValues: params.variables,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe },
          };
          return args;
        } catch (error) {
          // By name: graphql-armor may throw the CommonJS copy of graphql's GraphQLError class.
          if (error instanceof Error && error.name === 'GraphQLError') return [error as GraphQLError];
          throw error;
        }
      },
    },
    wss,
  );
  return {
    subscriptions() {
      let streaming = 0;
      for (const ctx of sockets) for (const id in ctx.subscriptions) if (ctx.subscriptions[id]) streaming += 1;
      return streaming;
    },
  };
}
