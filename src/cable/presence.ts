/**
 * Who is online (spec/EVENTS.md §2.3): a RoomChannel subscription and each
 * `update_presence` it performs mark its caller present for 20 seconds
 * (Chatwoot's PRESENCE_DURATION; its clients refresh every 20 s). The
 * answer is a `presence.update` broadcast to that caller:
 * `{"account_id": 1, "users": {"<id>": "online|busy|offline"}, "contacts": {"<id>": "online"}}`,
 * users present (and those who turned auto-offline off) with their
 * availability, `contacts` for agents only.
 *
 * Presence is kept in this process's memory: with several instances
 * (REDIS_URL), each knows only its own connections.
 */
import type { PrismaClient } from '../db.ts';
import { EpochCache } from '../epoch-cache.ts';
import type { RoomCaller } from './room-channel.ts';

export const PRESENCE_DURATION_MS = 20_000;

interface AccountPresence {
  users: Map<number, number>;
  contacts: Map<number, number>;
}

/** A member's availability, and whether they are listed even when not connected (auto-offline off). */
interface Member {
  availability: string;
  alwaysListed: boolean;
}

export class Presence {
  private readonly accounts = new Map<number, AccountPresence>();
  /** Each account's members, read once until the next write to `account_users` (thousands subscribe at once). */
  private readonly members: EpochCache<number, Map<number, Member>>;

  constructor(
    private readonly db: PrismaClient,
    cache: { writeEpoch: (tables?: readonly string[]) => number },
    private readonly now: () => number = Date.now,
  ) {
    this.members = new EpochCache(() => cache.writeEpoch(['account_users']), 1_000);
  }

  /** Marks the caller present and returns the serialised `presence.update` message for them (null for a caller without an account). */
  async refresh(caller: RoomCaller): Promise<string | null> {
    const principal = caller.principal;
    const accountId = principal.kind === 'contact' ? principal.accountId : caller.accountId;
    if (accountId === undefined) return null;
    const presence = this.presenceOf(accountId);
    if (principal.kind === 'contact') presence.contacts.set(principal.contactId, this.now());
    else if (principal.kind === 'user') presence.users.set(principal.userId, this.now());
    const data: Record<string, unknown> = { account_id: accountId, users: await this.users(accountId, presence) };
    if (principal.kind === 'user') data.contacts = Object.fromEntries([...this.present(presence.contacts)].map((id) => [String(id), 'online']));
    return JSON.stringify({ event: 'presence.update', data });
  }

  /** The contacts of the account present now (the Application API's `contacts/active`). */
  onlineContactIds(accountId: number): number[] {
    const presence = this.accounts.get(accountId);
    return presence ? [...this.present(presence.contacts)] : [];
  }

  private presenceOf(accountId: number): AccountPresence {
    let presence = this.accounts.get(accountId);
    if (!presence) this.accounts.set(accountId, (presence = { users: new Map(), contacts: new Map() }));
    return presence;
  }

  /** Ids seen within the presence duration; older entries are dropped. */
  private *present(seen: Map<number, number>): Generator<number> {
    const since = this.now() - PRESENCE_DURATION_MS;
    for (const [id, at] of seen) {
      if (at >= since) yield id;
      else seen.delete(id);
    }
  }

  /** Present users and those who are never auto-offline, with their availability in the account. */
  private async users(accountId: number, presence: AccountPresence): Promise<Record<string, string>> {
    const members = await this.membersOf(accountId);
    const listed = new Set(this.present(presence.users));
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
