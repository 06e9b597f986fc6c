/**
 * Who is calling. Every transport resolves its credentials here: the
 * `api_access_token` header (REST), the `connection_init` payload
 * (graphql-ws) or an `Authorization`/`api_access_token` header (GraphQL over
 * HTTP and SSE). Account scoping follows spec/API.md §1.2, in that order.
 */
import type { PrismaClient } from './db.ts';
import type { AccountActor } from './domain/actor.ts';
import { findContactSession } from './domain/client/session.ts';
import { authFailure, type ContactCredentials, type ContactPrincipal, type Principal } from './domain/principal.ts';
import { fitsIntegerColumn, isStorable } from './domain/validation.ts';
import { EpochCache } from './epoch-cache.ts';
import { NotFoundError } from './errors.ts';

// For the transports, which take all of authentication from here.
export { AUTH_MESSAGES, AuthError, authFailure, type ContactCredentials, type ContactPrincipal, type Principal } from './domain/principal.ts';

const fail = authFailure;

/**
 * The tables a token's owner and membership are read from, and those whose
 * deletes cascade into them (an inbox is deleted with its channel): a write
 * to any of them ends what was cached.
 */
const CREDENTIAL_TABLES = [
  'access_tokens',
  'users',
  'platform_apps',
  'accounts',
  'account_users',
  'agent_bots',
  'agent_bot_inboxes',
  'inboxes',
  'channel_api',
] as const;

export class Authenticator {
  private readonly principals: EpochCache<string, Principal>;
  private readonly actors: EpochCache<string, AccountActor>;

  /**
   * @param cache a known token's owner and membership are remembered until
   *   the next write to a table they are read from (a token reset, a removed
   *   agent, a changed role all are such writes); `maxEntries: 0` turns this off.
   */
  constructor(
    private readonly db: PrismaClient,
    cache: { writeEpoch: (tables?: readonly string[]) => number; maxEntries: number },
  ) {
    const epoch = () => cache.writeEpoch(CREDENTIAL_TABLES);
    this.principals = new EpochCache(epoch, cache.maxEntries);
    this.actors = new EpochCache(epoch, cache.maxEntries);
  }

  /** The owner of an access token; throws for a missing or unknown token. */
  async principalFor(token: string | undefined | null): Promise<Principal> {
    if (token === undefined || token === null) throw fail('missing_credentials');
    const cached = token ? this.principals.get(token) : undefined;
    if (cached) return cached;
    const epoch = this.principals.now();
    const principal = await this.lookUpToken(token);
    this.principals.set(token, principal, epoch);
    return principal;
  }

  private async lookUpToken(token: string): Promise<Principal> {
    const row = token
      ? await this.db.accessToken.findUnique({
          where: { token },
          select: { userId: true, agentBotId: true, platformAppId: true },
        })
      : null;
    if (row?.userId) return { kind: 'user', userId: row.userId };
    if (row?.agentBotId) return { kind: 'agentBot', agentBotId: row.agentBotId };
    if (row?.platformAppId) return { kind: 'platformApp', platformAppId: row.platformAppId };
    throw fail('invalid_token');
  }

  /**
   * The contact session these credentials prove, or INVALID_TOKEN. When the
   * inbox makes HMAC identity validation mandatory, only verified sessions pass.
   */
  async contactFor(credentials: ContactCredentials): Promise<ContactPrincipal> {
    const found = await findContactSession(this.db, credentials);
    if (!found || (found.hmacMandatory && !found.principal.hmacVerified)) throw fail('invalid_token');
    return found.principal;
  }

  /**
   * The user whose real-time key this is (/cable's RoomChannel: the user's
   * `pubsub_token` with their id, spec/EVENTS.md §2.3), or INVALID_TOKEN.
   */
  async userForPubsubToken(pubsubToken: string, userId: number): Promise<Principal> {
    const user =
      pubsubToken !== '' && isStorable(pubsubToken) && fitsIntegerColumn(userId) && userId > 0
        ? await this.db.user.findFirst({ where: { pubsubToken, id: userId }, select: { id: true } })
        : null;
    if (!user) throw fail('invalid_token');
    return { kind: 'user', userId: user.id };
  }

  /** The principal acting inside an account, or the documented refusal. */
  async actorIn(principal: Principal, accountId: number): Promise<AccountActor> {
    const key = `${JSON.stringify(principal)}@${accountId}`;
    const cached = this.actors.get(key);
    if (cached) return cached;
    const epoch = this.actors.now();
    const actor = await this.lookUpActor(principal, accountId);
    this.actors.set(key, actor, epoch);
    return actor;
  }

  /**
   * The accounts a principal may act in, at most `limit` of them (lookUpActor's
   * rule): a user's memberships; an agent bot's own account and the accounts
   * of the inboxes it is connected to. Others act in none.
   */
  async accountIdsOf(principal: Principal, limit: number): Promise<number[]> {
    if (principal.kind === 'user') {
      const memberships = await this.db.accountUser.findMany({ where: { userId: principal.userId }, select: { accountId: true }, take: limit });
      return memberships.map((membership) => membership.accountId);
    }
    if (principal.kind !== 'agentBot') return [];
    const bot = await this.db.agentBot.findUnique({
      where: { id: principal.agentBotId },
      select: { accountId: true, inboxes: { select: { accountId: true } } },
    });
    if (!bot) return [];
    const ids = new Set<number>(bot.inboxes.map((connection) => connection.accountId));
    if (bot.accountId !== null) ids.add(bot.accountId);
    return [...ids].slice(0, limit);
  }

  private async lookUpActor(principal: Principal, accountId: number): Promise<AccountActor> {
    if (!Number.isSafeInteger(accountId)) throw new NotFoundError('Account');
    if (principal.kind === 'user') {
      // The common case in one statement: a member, with the account's status.
      const membership = await this.db.accountUser.findUnique({
        where: { accountId_userId: { accountId, userId: principal.userId } },
        select: { role: true, account: { select: { status: true } } },
      });
      if (membership?.account.status === 'active')
        return { kind: 'user', accountId, userId: principal.userId, role: membership.role };
    }
    const account = await this.db.account.findUnique({ where: { id: accountId }, select: { id: true, status: true } });
    if (!account) throw new NotFoundError('Account');
    if (principal.kind === 'platformApp' || principal.kind === 'contact') throw fail('not_account_member');
    if (account.status === 'suspended') throw fail('account_suspended');
    if (principal.kind === 'user') throw fail('not_account_member');
    const bot = await this.db.agentBot.findFirst({
      where: {
        id: principal.agentBotId,
        OR: [{ accountId }, { inboxes: { some: { accountId } } }],
      },
      select: { id: true },
    });
    if (!bot) throw fail('bot_not_in_account');
    return { kind: 'agentBot', accountId, agentBotId: bot.id };
  }

}
