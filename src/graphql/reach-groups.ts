/**
 * Reach groups: subscribers who reach the same things (and ask the same
 * question) share one source, whose items go out to all of them in one
 * synchronous loop. /cable's audiences (src/cable/audiences.ts: one
 * `roomEvents` subscription per reach) and GraphQL's multiplexed
 * subscriptions (multiplexer.ts: one execution per document, variables and
 * reach) are both this, with their own group key, source and delivery.
 *
 * A member is placed by its reach (src/domain/access/reach.ts): a contact's
 * session is its reach; a user's reach in an account is only ever read from
 * the database (`staffReaches`, in batches), one placement after another
 * per account: first the joins (each member's first placement), and, on
 * every membership event (access/membership-events.ts), all of the
 * account's staff here again. From the moment such an event reaches this
 * instance until its regroup is done, the account's items are held; then
 * what was held goes out to the groups' members as they are now, so a
 * removed agent gets nothing more. A group a regroup creates (an agent
 * added to an inbox, say) starts with the account's events since that
 * membership event (`replayingPubsub`), so its members miss none of what
 * their new reach hears. A group left empty is let go: its source stops.
 *
 * Each group keeps a record of the items it recently sent (group-record.ts):
 * a member who resumes after a reconnect is served what it missed from
 * there (`recentAfter`) when the record holds all of it, instead of the
 * history being read and executed again for that one member.
 */
import type { PrismaClient } from '../db.ts';
import { changesMembership } from '../domain/access/membership-events.ts';
import { accountOfReach, staffReaches, type Reach } from '../domain/access/reach.ts';
import { replayingPubsub, type EventBus, type SnyptoPubSub } from '../events/bus.ts';
import type { AnyDomainEvent } from '../events/catalogue.ts';
import { GroupRecord, tappedPubsub, type ItemPosition, type RecordLimits } from './group-record.ts';

/** Where a member belongs: a fixed reach (a contact's session), a user of an account (read from the database), or nowhere. */
export type Placement = { reach: Reach } | { userId: number; accountId: number } | null;

/** A group as its transport sees it. */
export interface ReachGroup<M> {
  readonly key: string;
  readonly reach: Reach;
  readonly members: ReadonlySet<M>;
}

/** A group's running source; `stop` ends it. */
export interface GroupSource {
  stop(): void;
}

export interface ReachGroupsOptions<M, T> {
  db: PrismaClient;
  bus: Pick<EventBus, 'listen' | 'pubsub'>;
  placementOf(member: M): Placement;
  /** The group a member joins in a reach: members with equal keys share one source. */
  keyOf(member: M, reach: Reach): string;
  /**
   * Starts the group's source, asked by `starter` (one of its members) but
   * answering for `group.reach`; `events` is where its events come from
   * (the bus, after a regroup's replay for a group a regroup creates),
   * watched by the group's record. Null when the source is refused.
   */
  start(group: ReachGroup<M>, starter: M, events: SnyptoPubSub, emit: (item: T) => void): Promise<GroupSource | null>;
  /** Hands one item to every member of a group. */
  deliver(members: ReadonlySet<M>, item: T): void;
  /** Where an item stands in its account's history (the event it was decided for), for the group's record. */
  positionOf(item: T): ItemPosition | undefined;
  /** What each group's record keeps (items 0: none). */
  record: RecordLimits;
  onError(error: unknown): void;
}

interface Group<M, T> extends ReachGroup<M> {
  accountId: number;
  members: Set<M>;
  source?: GroupSource;
  /** Set while its source starts; resolves to whether it did. */
  starting?: Promise<boolean>;
  /** What it yielded while its account regrouped. */
  held: T[];
  /** What it recently sent, for members who resume. */
  record: GroupRecord<T>;
  /** Set once it is let go: it serves nobody again. */
  closed?: boolean;
}

/** Staff of one account on this instance, and the account's placements. */
interface AccountStaff<M> {
  accountId: number;
  /** Every staff member here, placed in a group or waiting for their first placement. */
  members: Map<M, number>;
  /** Members waiting for their first placement. */
  joining: Set<M>;
  /** The placement the next joins wait for (one read for all of them), until it starts. */
  nextJoins?: Promise<void>;
  /** The last placement asked for: placements run one after another. */
  queue: Promise<void>;
  /** Membership events heard whose regroup is not done: items are held while there are any. */
  regroups: number;
  /** The account's events since the first of them, for groups a regroup creates. */
  since?: AnyDomainEvent[];
  stopListening: () => void;
}

export class ReachGroups<M, T> {
  private readonly groups = new Map<string, Group<M, T>>();
  private readonly groupOf = new Map<M, Group<M, T>>();
  private readonly staff = new Map<number, AccountStaff<M>>();

  constructor(private readonly options: ReachGroupsOptions<M, T>) {}

  /** How many members the groups serve. */
  get size(): number {
    return this.groupOf.size;
  }

  /**
   * Adds the member to the group of its reach, starting the group's source
   * if it has none; false when it is in no group (no placement, not a member
   * of the account, or the source was refused).
   */
  async join(member: M): Promise<boolean> {
    const placement = this.options.placementOf(member);
    if (placement === null) return false;
    if ('reach' in placement) {
      const group = this.attach(member, placement.reach);
      return (await this.serve(group)) && this.groupOf.get(member) === group;
    }
    const staff = this.staffOf(placement.accountId);
    staff.members.set(member, placement.userId);
    staff.joining.add(member);
    await (staff.nextJoins ??= this.enqueue(staff, () => {
      staff.nextJoins = undefined;
      return this.place(staff, [...staff.joining], false);
    }));
    const joined = this.groupOf.has(member);
    if (!joined) this.leave(member);
    return joined;
  }

  /** The reach of the group the member is in, if it is in one. */
  reachOf(member: M): Reach | undefined {
    return this.groupOf.get(member)?.reach;
  }

  /**
   * What the member's group sent after the event at `position` (which the
   * member heard), from its record; undefined when the record cannot serve
   * it (it does not reach back that far, or the account is regrouping):
   * then the caller reads the history.
   */
  recentAfter(member: M, position: ItemPosition & { accountId?: number }): T[] | undefined {
    const group = this.groupOf.get(member);
    if (!group?.source || group.closed || this.staff.get(group.accountId)?.regroups) return undefined;
    if (position.accountId !== undefined && position.accountId !== group.accountId) return undefined;
    return group.record.after(position);
  }

  /** Removes the member; a group left empty stops its source. */
  leave(member: M): void {
    this.detach(member);
    const placement = this.options.placementOf(member);
    if (placement === null || 'reach' in placement) return;
    const staff = this.staff.get(placement.accountId);
    if (!staff?.members.delete(member)) return;
    staff.joining.delete(member);
    if (staff.members.size === 0) {
      staff.stopListening();
      this.staff.delete(placement.accountId);
    }
  }

  /** Puts the member in its group in `reach` (made if there is none yet) and returns it. */
  private attach(member: M, reach: Reach): Group<M, T> {
    const key = this.options.keyOf(member, reach);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { key, reach, accountId: accountOfReach(reach), members: new Set(), held: [], record: new GroupRecord<T>(this.options.record) }));
    group.members.add(member);
    this.groupOf.set(member, group);
    return group;
  }

  /** Takes the member out of its group; a group left empty is let go. */
  private detach(member: M): void {
    const group = this.groupOf.get(member);
    if (!group) return;
    this.groupOf.delete(member);
    group.members.delete(member);
    if (group.members.size === 0) this.close(group);
  }

  private close(group: Group<M, T>): void {
    group.closed = true;
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    group.source?.stop();
  }

  /**
   * Starts the group's source unless it has one, asked by its first member;
   * with `replay`, its events begin there. When the source is refused (or
   * fails to start), the group is dissolved: its members get nothing.
   */
  private serve(group: Group<M, T>, replay?: readonly AnyDomainEvent[]): Promise<boolean> {
    if (group.source) return Promise.resolve(true);
    return (group.starting ??= this.start(group, replay));
  }

  private async start(group: Group<M, T>, replay: readonly AnyDomainEvent[] | undefined): Promise<boolean> {
    const starter = group.members.values().next().value!;
    const events = replay && replayingPubsub(this.options.bus, group.accountId, replay);
    const heard = tappedPubsub(events ?? this.options.bus.pubsub, group.accountId, (seq) => group.record.heard(seq));
    let source: GroupSource | null = null;
    try {
      source = await this.options.start(group, starter, heard, (item) => this.fanOut(group, item));
    } finally {
      group.starting = undefined;
      if (!source) {
        events?.close();
        for (const member of [...group.members]) this.detach(member);
      }
    }
    if (!source) return false;
    if (group.closed) {
      source.stop();
      return false;
    }
    group.source = source;
    return true;
  }

  /** Hands an item to every member of the group (held while its account regroups). */
  private fanOut(group: Group<M, T>, item: T): void {
    if (group.closed) return;
    if (this.staff.get(group.accountId)?.regroups) {
      group.held.push(item);
      return;
    }
    group.record.sent(item, this.options.positionOf(item));
    this.options.deliver(group.members, item);
  }

  private staffOf(accountId: number): AccountStaff<M> {
    let staff = this.staff.get(accountId);
    if (!staff) {
      const created: AccountStaff<M> = {
        accountId,
        members: new Map(),
        joining: new Set(),
        queue: Promise.resolve(),
        regroups: 0,
        stopListening: this.options.bus.listen(accountId, (event) => this.onAccountEvent(created, event)),
      };
      this.staff.set(accountId, (staff = created));
    }
    return staff;
  }

  /** Runs `work` after the account's earlier placements; its failure is the caller's, never the next placement's. */
  private enqueue(staff: AccountStaff<M>, work: () => Promise<void>): Promise<void> {
    const run = staff.queue.then(work);
    staff.queue = run.catch(() => undefined);
    return run;
  }

  /** Called as each event of an account with staff here arrives, before any source resolves it. */
  private onAccountEvent(staff: AccountStaff<M>, event: AnyDomainEvent): void {
    staff.since?.push(event);
    if (!changesMembership(event.name)) return;
    staff.regroups++;
    staff.since ??= [];
    void this.enqueue(staff, () => this.place(staff, [...staff.members.keys()], true))
      .catch(this.options.onError)
      .finally(() => {
        if (--staff.regroups > 0) return;
        staff.since = undefined;
        this.release(staff);
      });
  }

  /**
   * Puts these members of the account's staff in the groups of their
   * reaches as the database has them now (one batched read), lets go of
   * the groups left empty and starts those that have no source. A
   * regroup's new groups that take in a member from another start with the
   * events since the membership event.
   */
  private async place(staff: AccountStaff<M>, members: M[], regroup: boolean): Promise<void> {
    for (const member of members) staff.joining.delete(member);
    if (members.length === 0) return;
    const userIds = new Set(members.flatMap((member) => staff.members.get(member) ?? []));
    const reaches = await staffReaches(this.options.db, staff.accountId, [...userIds]);
    const placed = new Set<Group<M, T>>();
    const movedInto = new Set<Group<M, T>>();
    for (const member of members) {
      const userId = staff.members.get(member);
      if (userId === undefined) continue; // left while the account was read
      const reach = reaches.get(userId);
      const before = this.groupOf.get(member);
      if (reach === undefined) {
        this.detach(member); // no longer a member of the account: gets nothing
        continue;
      }
      if (before?.key === this.options.keyOf(member, reach)) continue;
      this.detach(member);
      const group = this.attach(member, reach);
      placed.add(group);
      if (before && !group.source) movedInto.add(group);
    }
    const since = regroup ? staff.since?.slice() : undefined;
    // A join's failure is its member's (it is told); a regroup's is only logged.
    const started = [...placed].filter((g) => !g.closed).map((g) => this.serve(g, movedInto.has(g) ? since : undefined));
    await Promise.all(regroup ? started.map((s) => s.catch(this.options.onError)) : started);
  }

  /** Sends what the account's groups held while it regrouped, to their members as they are now. */
  private release(staff: AccountStaff<M>): void {
    for (const group of this.groups.values()) {
      if (group.held.length === 0 || group.accountId !== staff.accountId) continue;
      for (const item of group.held.splice(0)) this.fanOut(group, item);
    }
  }
}
