/**
 * One Context for every transport (GraphQL over HTTP, SSE, graphql-ws, REST):
 * who is calling, and the services that hold the rules.
 */
import { authFailure, type Authenticator, type Principal } from './auth.ts';
import type { PrismaClient } from './db.ts';
import type { AccountActor } from './domain/actor.ts';
import type { Services } from './services.ts';
import type { SnyptoPubSub } from './graphql/pubsub.ts';

export interface Context {
  /** The token's owner; null for an anonymous caller. */
  principal: Principal | null;
  db: PrismaClient;
  services: Services;
  pubsub: SnyptoPubSub;
  /** The caller acting in an account, or the documented refusal (cached per account). */
  actorIn(accountId: number): Promise<AccountActor>;
}

/** Builds the Context for a caller holding `token` (undefined: no credentials). */
export async function createContext(
  deps: { db: PrismaClient; services: Services; pubsub: SnyptoPubSub; authenticator: Authenticator },
  token: string | undefined,
): Promise<Context> {
  const principal = token === undefined ? null : await deps.authenticator.principalFor(token);
  const actors = new Map<number, Promise<AccountActor>>();
  return {
    principal,
    db: deps.db,
    services: deps.services,
    pubsub: deps.pubsub,
    actorIn(accountId) {
      if (!principal) return Promise.reject(authFailure('missing_credentials'));
      let actor = actors.get(accountId);
      if (!actor) {
        actor = deps.authenticator.actorIn(principal, accountId);
        actors.set(accountId, actor);
      }
      return actor;
    },
  };
}
