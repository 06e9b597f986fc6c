/**
 * The shape of one REST route: a documented endpoint mapped onto a service
 * call and a presenter. Routes hold no business rule.
 */
import type { ContactPrincipal, Principal } from '../auth.ts';
import type { AccountActor } from '../domain/actor.ts';
import type { Services } from '../services.ts';
import type { ValidationStyle } from './errors.ts';
import type { Params } from './params.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteRequest {
  /** Path, query and body parameters merged as Rails merges them. */
  params: Params;
  principal: Principal;
  services: Services;
}

/**
 * The database id of the conversation the path's `:conversation_id` names
 * (a display id of the account), resolved by the adapter before the route
 * runs; NotFound answers first when there is none. Present exactly on routes
 * whose path has `:conversation_id`.
 */
export interface PathIds {
  conversationId?: number;
}

export interface AccountRouteRequest extends RouteRequest, PathIds {
  actor: AccountActor;
}

export interface RouteReply {
  status?: number;
  /** The JSON body; undefined sends an empty 200. */
  body?: unknown;
}

interface RouteBase {
  method: Method | Method[];
  /** Fastify path, e.g. `/api/v1/accounts/:account_id/contacts`. */
  path: string;
  /** Rails' wrapper key for this controller's JSON params (`contact`, `agent`, ...). */
  wrap?: string;
  /** How a validation failure is worded (default `record`). */
  validation?: ValidationStyle;
}

/** A route under `/api/v1/accounts/:account_id`, run as the caller inside that account. */
export interface AccountRoute extends RouteBase {
  scope: 'account';
  /** Agent-bot tokens may call it (Chatwoot's bot allow-list, spec/API.md §1.2). */
  bots?: boolean;
  handle(request: AccountRouteRequest): Promise<RouteReply>;
}

/** A route of a user token that is not account-scoped (profile). */
export interface UserRoute extends RouteBase {
  scope: 'user';
  handle(request: RouteRequest & { principal: Extract<Principal, { kind: 'user' }> }): Promise<RouteReply>;
}

/** The platform app calling the Platform API (`/platform/api/v1`). */
export type PlatformAppPrincipal = Extract<Principal, { kind: 'platformApp' }>;

/** A Platform API route: only a platform app's token reaches it. */
export interface PlatformRoute extends RouteBase {
  scope: 'platform';
  handle(request: RouteRequest & { principal: PlatformAppPrincipal }): Promise<RouteReply>;
}

/** A Client API route: no token, the inbox identifier in the path is all the caller shows. */
export interface PublicRoute extends RouteBase {
  scope: 'public';
  handle(request: Omit<RouteRequest, 'principal'>): Promise<RouteReply>;
}

/**
 * A Client API route acting for a contact: the adapter turns the path's
 * inbox identifier and `contact_identifier` (the session's `source_id`)
 * into the session first.
 */
export interface ContactSessionRoute extends RouteBase {
  scope: 'session';
  handle(request: Omit<RouteRequest, 'principal'> & PathIds & { session: ContactPrincipal }): Promise<RouteReply>;
}

export type Route = AccountRoute | UserRoute | PlatformRoute | PublicRoute | ContactSessionRoute;

/** Both of Rails' verbs for `update`. */
export const UPDATE: Method[] = ['PATCH', 'PUT'];
export const ACCOUNT = '/api/v1/accounts/:account_id';
export const PLATFORM = '/platform/api/v1';
/** The path's conversation id, on a route whose path has `:conversation_id`. */
export function conversationIdOf(request: PathIds): number {
  if (request.conversationId === undefined) throw new Error('This route has no :conversation_id in its path');
  return request.conversationId;
}
export const CLIENT_INBOX = '/public/api/v1/inboxes/:inbox_identifier';
