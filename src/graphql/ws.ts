/**
 * GraphQL over WebSocket (the graphql-ws protocol) on `/graphql`, running on
 * Yoga's envelop so that every transport shares one schema, context and
 * error masking. The token comes in the `connection_init` payload
 * (`{"api_access_token": "..."}`, or a contact's credentials, see
 * graphqlCredentials); unknown credentials close the socket with 4403 Forbidden.
 */
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { WebSocketServer } from 'ws';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Authenticator } from '../auth.ts';
import type { Context } from '../context.ts';
import { DomainError } from '../errors.ts';
import { principalOf } from '../context.ts';
import { graphqlCredentials } from './yoga.ts';

type EnvelopedRoot = { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };

export function bindGraphqlWs(
  wss: WebSocketServer,
  yoga: YogaServerInstance<Record<string, unknown>, Context>,
  authenticator: Authenticator,
) {
  return useServer(
    {
      onConnect: async (ctx) => {
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
        const args: ExecutionArgs = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        return errors.length ? errors : args;
      },
    },
    wss,
  );
}
