/**
 * The Pothos schema builder: Prisma-backed types, Relay nodes and
 * connections, typed errors, and scope-based authorisation shared by every
 * transport.
 *
 * Authorisation has two layers. Fields say who may call them (`authScopes`:
 * `staff` for users and agent bots, `user` for users only, `contact` for a
 * customer's session). Object types say who may see each object
 * (`authScopes: (object, context) => context.access.canSee...`), checked on
 * every object however it was reached: list, relation, `node` or a
 * subscription.
 */
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { AUTH_MESSAGES, authFailure } from '../auth.ts';
import type { Context } from '../context.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { canNameRecord } from './ids.ts';
import type PrismaTypes from '../generated/pothos-types.ts';
import { getDatamodel } from '../generated/pothos-types.ts';

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: {
    /** Any caller with valid credentials. */
    authenticated: boolean;
    /** A user or an agent bot (the agent side). */
    staff: boolean;
    /** A user (agent or administrator); agent bots are refused, as Chatwoot refuses them. */
    user: boolean;
    /** A customer in their own contact inbox session. */
    contact: boolean;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: Record<string, unknown>; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  // Errors first, so that it also catches the refusals of scope-auth.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  errors: {
    defaultTypes: [NotFoundError, ForbiddenError, ValidationError],
    // `createInbox` → `CreateInboxResult = CreateInboxSuccess | NotFoundError | ...`
    defaultResultOptions: { name: ({ fieldName }) => `${pascal(fieldName)}Success` },
    defaultUnionOptions: { name: ({ fieldName }) => `${pascal(fieldName)}Result` },
  },
  scopeAuth: {
    runScopesOnType: true,
    // Check a subscription's scopes when it starts, not only on each event.
    authorizeOnSubscribe: true,
    authScopes: (context) => {
      const kind = context.principal?.kind;
      return {
        authenticated: kind !== undefined,
        staff: kind === 'user' || kind === 'agentBot',
        user: kind === 'user',
        contact: kind === 'contact',
      };
    },
    unauthorizedError: (_parent, context) => {
      if (!context.principal) return context.credentialsError ?? authFailure('missing_credentials');
      if (context.principal.kind === 'agentBot') return new ForbiddenError(AUTH_MESSAGES.bot_not_allowed);
      return new ForbiddenError();
    },
  },
  prisma: {
    client: (context) => context.db,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: {
      description: 'Any object by its global id; null when it does not exist or the caller may not see it.',
      resolve: (_root, args, _context, _info, resolveNode) => (canNameRecord(args.id) ? resolveNode(args.id) : null),
    },
    nodesQueryOptions: {
      // The plugin loads `args.ids`: an id that can name no record is answered null in its place.
      resolve: (_root, args, _context, _info, resolveNodes) => {
        args.ids = args.ids.map((id) => (canNameRecord(id) ? id : null)) as typeof args.ids;
        return resolveNodes(args.ids);
      },
    },
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSONObject', JSONObjectResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
