/**
 * Who is online (spec/EVENTS.md §2.3): a RoomChannel subscription and each
 * `update_presence` it performs mark its caller present for 20 seconds
 * (Chatwoot's PRESENCE_DURATION; its clients refresh every 20 s). The
 * answer is a `presence.update` broadcast to that caller:
 * `{"account_id": 1, "users": {"<id>": "online|busy|offline"}, "contacts": {"<id>": "online"}}`,
 * users present (and those who turned auto-offline off) with their
 * availability, `contacts` for agents only.
 *
 * Where presence lives:
 * - with REDIS_URL, in Redis, shared by every instance, as Chatwoot keeps
 *   it: one sorted set per account and kind (`<namespace>:presence:<account>:users`,
 *   `…:contacts`), member = id, score = last seen (ms, the refreshing
 *   instance's clock). Each refresh is one MULTI: record the caller, prune
 *   entries older than 20 s, push the key's expiry 20 s out (an account
 *   nobody refreshes leaves nothing behind), read who is left.
 * - otherwise in this process's memory.
 *
 * Members' availability comes from `account_users`. In memory it is cached
 * until this process's next write to that table (thousands subscribe at
 * once). With Redis another instance's write cannot be seen here, so the
 * cache holds an entry only within the current wall-clock second: at most
 * 1 s stale, and still one read per account per second however many
 * subscribe.
 */
import { connectRedis } from '../redis.ts';
import type { PrismaClient } from '../db.ts';
import { EpochCache } from '../epoch-cache.ts';
import type { RoomCaller } from './room-channel.ts';

export const PRESENCE_DURATION_MS = 20_000;

/** Accounts whose members' availability is cached at once. */
const MEMBER_CACHE_ACCOUNTS = 1_000;

type Kind = 'users' | 'contacts';

/** A member's availability, and whether they are listed even when not connected (auto-offline off). */
interface Member {
  availability: string;
  alwaysListed: boolean;
}

export interface PresenceOptions {
  /** Keep presence in this Redis, shared by every instance; in this process's memory when absent. */
  redisUrl?: string;
  /** Prefix of the Redis keys (default `snypto`). */
  namespace?: string;
  onRedisError?: (error: Error) => void;
  /** The clock (ms); tests may replace it. */
  now?: () => number;
}

/** Where presence is recorded and read. */
interface PresenceStore {
  /** Records `id` as seen now and returns who of `kinds` was seen within the presence duration. */
  touch(accountId: number, kind: Kind, id: number, read: readonly Kind[]): Promise<Record<Kind, number[]>>;
  present(accountId: number, kind: Kind): Promise<number[]>;
  close(): Promise<void>;
}

/** The Redis key of an account's present users or contacts. */
export const presenceKeyOf = (namespace: string, accountId: number, kind: Kind) => `${namespace}:presence:${accountId}:${kind}`;

function inMemory(now: () => number): PresenceStore {
  const accounts = new Map<number, Record<Kind, Map<number, number>>>();
  const seenOf = (accountId: number) => {
    let seen = accounts.get(accountId);
    if (!seen) accounts.set(accountId, (seen = { users: new Map(), contacts: new Map() }));
    return seen;
  };
  /** Ids seen within the presence duration; older entries are dropped. */
  const present = (seen: Map<number, number>) => {
    const since = now() - PRESENCE_DURATION_MS;
    const ids: number[] = [];
    for (const [id, at] of seen) {
      if (at >= since) ids.push(id);
      else seen.delete(id);
    }
    return ids;
  };
  return {
    async touch(accountId, kind, id, read) {
      const seen = seenOf(accountId);
      seen[kind].set(id, now());
      return { users: read.includes('users') ? present(seen.users) : [], contacts: read.includes('contacts') ? present(seen.contacts) : [] };
    },
    async present(accountId, kind) {
      const seen = accounts.get(accountId);
      return seen ? present(seen[kind]) : [];
    },
    close: async () => undefined,
  };
}

function inRedis(redisUrl: string, namespace: string, now: () => number, onError?: (error: Error) => void): PresenceStore {
  const presenceKey = (accountId: number, kind: Kind) => presenceKeyOf(namespace, accountId, kind);
  const redis = connectRedis(redisUrl, onError);
  const ids = (members: unknown) => (members as string[]).map(Number);
  return {
    async touch(accountId, kind, id, read) {
      const at = now();
      const since = at - PRESENCE_DURATION_MS;
      const key = presenceKey(accountId, kind);
      const multi = redis.multi().zadd(key, at, String(id)).pexpire(key, PRESENCE_DURATION_MS);
      const pruned = [...new Set([kind, ...read])];
      for (const k of pruned) multi.zremrangebyscore(presenceKey(accountId, k), '-inf', `(${since}`);
      for (const k of read) multi.zrangebyscore(presenceKey(accountId, k), since, '+inf');
      const replies = (await multi.exec()) ?? [];
      const failed = replies.find(([error]) => error);
      if (failed) throw failed[0];
      const lists = replies.slice(2 + pruned.length).map(([, members]) => ids(members));
      const result: Record<Kind, number[]> = { users: [], contacts: [] };
      read.forEach((k, i) => (result[k] = lists[i]!));
      return result;
    },
    async present(accountId, kind) {
      return ids(await redis.zrangebyscore(presenceKey(accountId, kind), now() - PRESENCE_DURATION_MS, '+inf'));
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export class Presence {
  private readonly store: PresenceStore;
  /** Each account's members (see the header for how long an entry holds). */
  private readonly members: EpochCache<number, Map<number, Member>>;

  constructor(
    private readonly db: PrismaClient,
    cache: { writeEpoch: (tables?: readonly string[]) => number },
    options: PresenceOptions = {},
  ) {
    const now = options.now ?? Date.now;
    this.store = options.redisUrl ? inRedis(options.redisUrl, options.namespace ?? 'snypto', now, options.onRedisError) : inMemory(now);
    const epoch = options.redisUrl ? () => Math.floor(Date.now() / 1000) : () => cache.writeEpoch(['account_users']);
    this.members = new EpochCache(epoch, MEMBER_CACHE_ACCOUNTS);
  }

  /**
   * Marks the caller present and returns the serialised `presence.update`
   * message for them (null for a caller without an account). Rejects when
   * Redis cannot be reached: the caller then gets no `presence.update`.
   */
  async refresh(caller: RoomCaller): Promise<string | null> {
    const principal = caller.principal;
    const accountId = principal.kind === 'contact' ? principal.accountId : caller.accountId;
    if (accountId === undefined) return null;
    const isUser = principal.kind === 'user';
    const read: Kind[] = isUser ? ['users', 'contacts'] : ['users'];
    const present =
      principal.kind === 'contact'
        ? await this.store.touch(accountId, 'contacts', principal.contactId, read)
        : principal.kind === 'user'
          ? await this.store.touch(accountId, 'users', principal.userId, read)
          : { users: await this.store.present(accountId, 'users'), contacts: [] };
    const data: Record<string, unknown> = { account_id: accountId, users: await this.users(accountId, present.users) };
    if (isUser) data.contacts = Object.fromEntries([...present.contacts].sort((a, b) => a - b).map((c) => [String(c), 'online']));
    return JSON.stringify({ event: 'presence.update', data });
  }

  /** The contacts of the account present now (the Application API's `contacts/active`). */
  onlineContactIds(accountId: number): Promise<number[]> {
    return this.store.present(accountId, 'contacts');
  }

  /** Closes the Redis connection, if any. */
  close(): Promise<void> {
    return this.store.close();
  }

  /** Present users and those who are never auto-offline, with their availability in the account. */
  private async users(accountId: number, presentIds: number[]): Promise<Record<string, string>> {
    const members = await this.membersOf(accountId);
    const listed = new Set(presentIds);
    for (const [userId, member] of members) if (member.alwaysListed) listed.add(userId);
    const users: Record<string, string> = {};
    for (const userId of [...listed].sort((a, b) => a - b)) {
      const member = members.get(userId);
      if (member) users[String(userId)] = member.availability;
    }
    return users;
  }

  private async membersOf(accountId: number): Promise<Map<number, Member>> {
    const cached = this.members.get(accountId);
    if (cached) return cached;
    const epoch = this.members.now();
    const rows = await this.db.accountUser.findMany({
      where: { accountId },
      select: { userId: true, availability: true, autoOffline: true },
    });
    const members = new Map(rows.map((row) => [row.userId, { availability: row.availability, alwaysListed: !row.autoOffline }]));
    this.members.set(accountId, members, epoch);
    return members;
  }
}
