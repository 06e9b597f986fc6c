/**
 * One Context for every transport (GraphQL over HTTP, SSE, graphql-ws, REST):
 * who is calling, what they may see, per-request batch loaders, and the
 * services that hold the rules.
 */
import DataLoader from 'dataloader';
import { authFailure, type Authenticator, type ContactCredentials, type Principal } from './auth.ts';
import type { PrismaClient } from './db.ts';
import { DomainError } from './errors.ts';
import type { AccountActor } from './domain/actor.ts';
import type { Reach } from './domain/access/reach.ts';
import { Visibility } from './domain/visibility.ts';
import type { Services } from './services.ts';
import type { SnyptoPubSub } from './events/bus.ts';
import type { AnyDomainEvent } from './events/catalogue.ts';

/**
 * What a caller presented: an access token, a contact's session credentials,
 * a principal a transport has already authenticated (/cable), or nothing.
 */
export type Credentials = { token: string } | { contact: ContactCredentials } | { principal: Principal } | undefined;

export interface Context {
  /** Who is calling; null for an anonymous caller or one whose credentials were refused. */
  principal: Principal | null;
  /**
   * Why the presented credentials were refused (an unknown token, say). The
   * context is still built, so that every transport reports the refusal as
   * a GraphQL error of the fields that need a caller.
   */
  credentialsError: DomainError | null;
  db: PrismaClient;
  services: Services;
  pubsub: SnyptoPubSub;
  /** What the caller may see, cached for the request (or the subscription). */
  access: Visibility;
  /** The caller acting in an account, or the documented refusal (cached per account). */
  actorIn(accountId: number): Promise<AccountActor>;
  /** The accounts the caller may act in, at most `limit` (Authenticator.accountIdsOf). */
  accountIds(limit: number): Promise<number[]>;
  /** Drops what is cached about an account (a long-lived subscription hears that members or roles changed). */
  forget(accountId: number): void;
  /**
   * A DataLoader created once per request under `name`, so that a field
   * resolved for many parents costs one batched statement.
   */
  loader<K, V>(name: string, batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>): DataLoader<K, V>;
  /** Drops every loader and what it cached: a subscription does this per event, so each event reads fresh rows. */
  clearLoaders(): void;
  /**
   * The subscription serves every /cable socket of a reach (an audience,
   * src/cable/audiences.ts): `access` answers for the reach, and the one
   * per-recipient rule (not hearing one's own typing) is left to the fan-out.
   */
  servesAudience?: boolean;
  /** The `Last-Event-ID` an SSE request carried: its subscription resumes after that cursor. */
  lastEventId?: string;
  /** The event a subscription last handed to execution: its result carries the event's cursor. */
  heardEvent?: AnyDomainEvent;
}

/** What /cable sets for the subscription of an audience (src/cable/room-channel.ts). */
export interface AudienceOptions {
  /** The reach the audience's members share: what the subscription may see and hear. */
  reach: Reach;
  /** Where its events come from, when not straight from the bus (a regroup replays what the audience missed). */
  events?: SnyptoPubSub;
}

export interface ContextDeps {
  db: PrismaClient;
  services: Services;
  pubsub: SnyptoPubSub;
  authenticator: Authenticator;
}

/** The principal these credentials prove; throws the documented refusal for bad ones. */
export async function principalOf(authenticator: Authenticator, credentials: Credentials): Promise<Principal | null> {
  if (credentials === undefined) return null;
  if ('principal' in credentials) return credentials.principal;
  if ('token' in credentials) return authenticator.principalFor(credentials.token);
  return authenticator.contactFor(credentials.contact);
}

/** Builds the Context for a caller presenting `credentials` (for /cable: the one who starts an audience's subscription). */
export async function createContext(deps: ContextDeps, credentials: Credentials, audience?: AudienceOptions): Promise<Context> {
  let principal: Principal | null = null;
  let credentialsError: DomainError | null = null;
  try {
    principal = await principalOf(deps.authenticator, credentials);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    credentialsError = error;
  }
  const actors = new Map<number, Promise<AccountActor>>();
  const loaders = new Map<string, DataLoader<unknown, unknown>>();
  const actorIn = (accountId: number): Promise<AccountActor> => {
    if (!principal) return Promise.reject(credentialsError ?? authFailure('missing_credentials'));
    let actor = actors.get(accountId);
    if (!actor) {
      actor = deps.authenticator.actorIn(principal, accountId);
      actors.set(accountId, actor);
    }
    return actor;
  };
  const reach = audience?.reach;
  const access = new Visibility(deps.db, principal, actorIn, reach?.kind === 'staff' ? reach : undefined);
  return {
    principal,
    credentialsError,
    db: deps.db,
    services: deps.services,
    pubsub: audience?.events ?? deps.pubsub,
    access,
    servesAudience: audience !== undefined,
    actorIn,
    accountIds: async (limit) => (principal ? deps.authenticator.accountIdsOf(principal, limit) : []),
    forget(accountId) {
      actors.delete(accountId);
      access.forget(accountId);
    },
    clearLoaders() {
      loaders.clear();
    },
    loader<K, V>(name: string, batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>) {
      let loader = loaders.get(name) as DataLoader<K, V> | undefined;
      if (!loader) {
        loader = new DataLoader<K, V>(batch);
        loaders.set(name, loader as DataLoader<unknown, unknown>);
      }
      return loader;
    },
  };
}
