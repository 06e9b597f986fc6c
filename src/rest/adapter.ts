/**
 * Mounts the route table on Fastify: credentials from `api_access_token`,
 * account scoping, the bot allow-list, Rails' parameter merging, and the
 * error table. Rules live in the services; this only translates.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, authFailure, type Authenticator } from '../auth.ts';
import type { Services } from '../services.ts';
import { CLIENT_NOT_FOUND_BODY, NOT_FOUND_BODY, replyForError } from './errors.ts';
import { idParam, mergeParams, type Params } from './params.ts';
import type { PathIds, PlatformAppPrincipal, Route, RouteReply } from './route.ts';

export interface RestDeps {
  authenticator: Authenticator;
  services: Services;
}

/** Whether a request URL is on a REST surface (Application, Client or Platform API). */
export const isRestPath = (url: string): boolean => /^\/(?:public\/|platform\/)?api\//.test(url);

/**
 * Rails' path normalisation on the REST surfaces (spec/API.md §1.1):
 * repeated slashes are one, a trailing slash is dropped, and a `.json`
 * format suffix is the path without it, so `/api/v1/accounts/1/inboxes/`
 * (as swagger.json writes it) and `/api/v1/profile.json` reach their
 * routes. The query string stays as it is.
 */
export function normalisedRestPath(url: string): string {
  if (!isRestPath(url)) return url;
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? '' : url.slice(queryAt);
  const normalised = path.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1').replace(/\.json$/, '');
  return normalised + query;
}

/** `api_access_token` or `api-access-token` (both normalise to Rack's HTTP_API_ACCESS_TOKEN). */
export function accessTokenOf(request: FastifyRequest): string | undefined {
  const value = request.headers['api_access_token'] ?? request.headers['api-access-token'];
  return Array.isArray(value) ? value[0] : value;
}

/** The platform app owning the token; anything else (no token, a user's or a bot's) is Chatwoot's one 401. */
async function platformAppOf(deps: RestDeps, token: string | undefined): Promise<PlatformAppPrincipal> {
  const principal = token
    ? await deps.authenticator.principalFor(token).catch((error: unknown) => {
        if (error instanceof AuthError) return undefined;
        throw error;
      })
    : undefined;
  if (principal?.kind !== 'platformApp') throw authFailure('invalid_platform_token');
  return principal;
}

/** The route parameter decoder: a path's conversation display id as the conversation's database id, once. */
async function pathIds(route: Route, deps: RestDeps, params: Params, accountId: number): Promise<PathIds> {
  if (!route.path.includes('/:conversation_id')) return {};
  return { conversationId: await deps.services.conversationIds.idOf(accountId, idParam(params.conversation_id)) };
}

async function run(route: Route, deps: RestDeps, request: FastifyRequest): Promise<RouteReply> {
  const params = mergeParams(request.query, request.body, request.params, route.wrap);
  if (route.scope === 'public') return route.handle({ params, services: deps.services });
  if (route.scope === 'session') {
    const session = await deps.services.clientSessions.session(String(params.inbox_identifier), String(params.contact_identifier));
    return route.handle({ params, services: deps.services, session, ...(await pathIds(route, deps, params, session.accountId)) });
  }
  if (route.scope === 'platform')
    return route.handle({ params, services: deps.services, principal: await platformAppOf(deps, accessTokenOf(request)) });
  const principal = await deps.authenticator.principalFor(accessTokenOf(request));
  const base = { params, principal, services: deps.services };
  if (route.scope === 'user') {
    if (principal.kind !== 'user') throw authFailure(principal.kind === 'agentBot' ? 'bot_not_allowed' : 'invalid_token');
    return route.handle({ ...base, principal });
  }
  if (principal.kind === 'agentBot' && !route.bots) throw authFailure('bot_not_allowed');
  const actor = await deps.authenticator.actorIn(principal, idParam(params.account_id));
  return route.handle({ ...base, actor, ...(await pathIds(route, deps, params, actor.accountId)) });
}

export function mountRoutes(app: FastifyInstance, routes: Route[], deps: RestDeps): void {
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.path,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        try {
          const result = await run(route, deps, request);
          reply.code(result.status ?? 200);
          return result.body === undefined ? reply.send() : reply.send(result.body);
        } catch (error) {
          const clientApi = route.scope === 'public' || route.scope === 'session';
          const mapped = replyForError(error, route.validation ?? 'record', clientApi ? CLIENT_NOT_FOUND_BODY : NOT_FOUND_BODY);
          if (!mapped) throw error;
          return reply.code(mapped.status).send(mapped.body);
        }
      },
    });
  }
}
