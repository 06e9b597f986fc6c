/**
 * Audiences: RoomChannel subscriptions of callers who reach the same things
 * share one `roomEvents` GraphQL subscription, and each broadcast goes out
 * to all of their sockets in one synchronous loop (Action Cable's streams do
 * the same: one broadcast per stream, whatever its subscriber count).
 *
 * An audience is a reach (src/domain/access/reach.ts): a contact's session,
 * or an account and the inboxes a user reaches there ('all' for
 * administrators, else the sorted ids of the inboxes they are a member of).
 * Its subscription is started by one member but decides for the reach
 * itself (Visibility#canHear answering for the reach), so what it yields is
 * right for every member, whoever started it and whatever becomes of them.
 * 5,000 agents of one inbox are one audience: one GraphQL subscription, one
 * access check and one serialisation per event, then 5,000 socket writes.
 * The one thing that differs per socket, not hearing one's own typing, is
 * checked in the loop from the broadcast itself (src/events/recipients.ts).
 *
 * A member's place is only ever decided by reading reaches from the
 * database (in batches), one placement after another per account: first the
 * joins (each socket's first placement), and, on every membership event
 * (access/membership-events.ts), all of the account's staff here again. From
 * the moment such an event reaches this instance until its regroup is done,
 * the account's broadcasts are held; then what was held goes out to the
 * audiences' members as they are now, so a removed agent hears nothing more.
 * An audience a regroup creates (an agent added to an inbox, say) starts
 * with the account's events since that membership event, so its members
 * miss none of what their new reach hears.
 */
import type { PrismaClient } from '../db.ts';
import type { AudienceOptions } from '../context.ts';
import { changesMembership } from '../domain/access/membership-events.ts';
import { accountOfReach, reachKey, sessionReach, staffReaches, type Reach } from '../domain/access/reach.ts';
import { replayingPubsub, type EventBus } from '../events/bus.ts';
import type { AnyDomainEvent } from '../events/catalogue.ts';
import type { CableBroadcast } from '../events/listeners/cable-broadcasts.ts';
import { isOwnTyping, partyOf, typerOf } from '../events/recipients.ts';
import type { RoomCaller, RoomChannel, RoomSubscription } from './room-channel.ts';

/** A socket's subscription: who subscribed, and where its broadcasts go. */
export interface AudienceMember {
  caller: RoomCaller;
  deliver(message: string): void;
}

interface Audience {
  key: string;
  reach: Reach;
  accountId: number;
  members: Set<AudienceMember>;
  subscription?: RoomSubscription;
  /** Set while its subscription starts; resolves to whether it did. */
  starting?: Promise<boolean>;
  /** What it yielded while its account regrouped. */
  held: { broadcast: CableBroadcast; message: string }[];
  /** Set once it is let go: it serves nobody again. */
  closed?: boolean;
}

/** Staff of one account on this instance, and the account's placements. */
interface AccountStaff {
  accountId: number;
  /** Every staff member here, placed in an audience or waiting for their first placement. */
  members: Set<AudienceMember>;
  /** Members waiting for their first placement. */
  joining: Set<AudienceMember>;
  /** The placement the next joins wait for (one read for all of them), until it starts. */
  nextJoins?: Promise<void>;
  /** The last placement asked for: placements run one after another. */
  queue: Promise<void>;
  /** Membership events heard whose regroup is not done: broadcasts are held while there are any. */
  regroups: number;
  /** The account's events since the first of them, for audiences a regroup creates. */
  since?: AnyDomainEvent[];
  stopListening: () => void;
}

const userIdOf = (member: AudienceMember) => (member.caller.principal as { userId: number }).userId;

export class Audiences {
  private readonly audiences = new Map<string, Audience>();
  private readonly audienceOf = new Map<AudienceMember, Audience>();
  private readonly staff = new Map<number, AccountStaff>();

  constructor(
    private readonly db: PrismaClient,
    private readonly room: Pick<RoomChannel, 'subscribe'>,
    private readonly bus: Pick<EventBus, 'listen' | 'pubsub'>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** How many RoomChannel subscriptions the audiences serve (metrics). */
  get subscriptions(): number {
    return this.audienceOf.size;
  }

  /**
   * Adds the member to the audience of its reach, starting the audience's
   * subscription if it has none; false when the caller hears nothing (not a
   * member of the account, or GraphQL refused the subscription).
   */
  async join(member: AudienceMember): Promise<boolean> {
    const caller = member.caller;
    if (caller.principal.kind === 'contact') {
      const audience = this.attach(member, sessionReach(caller.principal));
      return (await this.serve(audience)) && this.audienceOf.get(member) === audience;
    }
    if (caller.principal.kind !== 'user' || caller.accountId === undefined) return false;
    const staff = this.staffOf(caller.accountId);
    staff.members.add(member);
    staff.joining.add(member);
    await (staff.nextJoins ??= this.enqueue(staff, () => {
      staff.nextJoins = undefined;
      return this.place(staff, [...staff.joining], false);
    }));
    const joined = this.audienceOf.has(member);
    if (!joined) this.leave(member);
    return joined;
  }

  /** Removes the member (its socket unsubscribed or closed); an audience left empty stops its subscription. */
  leave(member: AudienceMember): void {
    this.detach(member);
    const accountId = member.caller.accountId;
    if (member.caller.principal.kind !== 'user' || accountId === undefined) return;
    const staff = this.staff.get(accountId);
    if (!staff?.members.delete(member)) return;
    staff.joining.delete(member);
    if (staff.members.size === 0) {
      staff.stopListening();
      this.staff.delete(accountId);
    }
  }

  /** Puts the member in the audience of `reach` (made if there is none yet) and returns it. */
  private attach(member: AudienceMember, reach: Reach): Audience {
    const key = reachKey(reach);
    let audience = this.audiences.get(key);
    if (!audience) this.audiences.set(key, (audience = { key, reach, accountId: accountOfReach(reach), members: new Set(), held: [] }));
    audience.members.add(member);
    this.audienceOf.set(member, audience);
    return audience;
  }

  /** Takes the member out of its audience; an audience left empty is let go. */
  private detach(member: AudienceMember): void {
    const audience = this.audienceOf.get(member);
    if (!audience) return;
    this.audienceOf.delete(member);
    audience.members.delete(member);
    if (audience.members.size === 0) this.close(audience);
  }

  private close(audience: Audience): void {
    audience.closed = true;
    if (this.audiences.get(audience.key) === audience) this.audiences.delete(audience.key);
    audience.subscription?.stop();
  }

  /**
   * Starts the audience's subscription unless it has one, started by its
   * first member; with `replay`, its events begin there. When GraphQL
   * refuses it (or it fails), the audience is dissolved: its members hear
   * nothing.
   */
  private serve(audience: Audience, replay?: readonly AnyDomainEvent[]): Promise<boolean> {
    if (audience.subscription) return Promise.resolve(true);
    return (audience.starting ??= this.start(audience, replay));
  }

  private async start(audience: Audience, replay: readonly AnyDomainEvent[] | undefined): Promise<boolean> {
    const starter = audience.members.values().next().value!;
    const events = replay && replayingPubsub(this.bus, audience.accountId, replay);
    const options: AudienceOptions = { reach: audience.reach, events };
    let subscription: RoomSubscription | null = null;
    try {
      subscription = await this.room.subscribe(starter.caller, options, (broadcast, message) => this.fanOut(audience, broadcast, message), this.onError);
    } finally {
      audience.starting = undefined;
      if (!subscription) {
        events?.close();
        for (const member of [...audience.members]) this.detach(member);
      }
    }
    if (!subscription) return false;
    if (audience.closed) {
      subscription.stop();
      return false;
    }
    audience.subscription = subscription;
    return true;
  }

  /** Sends a broadcast to every member of the audience (held while its account regroups). */
  private fanOut(audience: Audience, broadcast: CableBroadcast, message: string): void {
    if (audience.closed) return;
    if (this.staff.get(audience.accountId)?.regroups) {
      audience.held.push({ broadcast, message });
      return;
    }
    const typer = typerOf(broadcast);
    for (const member of audience.members)
      if (!typer || !isOwnTyping(partyOf(member.caller.principal), broadcast.event, typer)) member.deliver(message);
  }

  private staffOf(accountId: number): AccountStaff {
    let staff = this.staff.get(accountId);
    if (!staff) {
      const created: AccountStaff = {
        accountId,
        members: new Set(),
        joining: new Set(),
        queue: Promise.resolve(),
        regroups: 0,
        stopListening: this.bus.listen(accountId, (event) => this.onAccountEvent(created, event)),
      };
      this.staff.set(accountId, (staff = created));
    }
    return staff;
  }

  /** Runs `work` after the account's earlier placements; its failure is the caller's, never the next placement's. */
  private enqueue(staff: AccountStaff, work: () => Promise<void>): Promise<void> {
    const run = staff.queue.then(work);
    staff.queue = run.catch(() => undefined);
    return run;
  }

  /** Called as each event of an account with staff here arrives, before any subscription resolves it. */
  private onAccountEvent(staff: AccountStaff, event: AnyDomainEvent): void {
    staff.since?.push(event);
    if (!changesMembership(event.name)) return;
    staff.regroups++;
    staff.since ??= [];
    void this.enqueue(staff, () => this.place(staff, [...staff.members], true))
      .catch(this.onError)
      .finally(() => {
        if (--staff.regroups > 0) return;
        staff.since = undefined;
        this.release(staff);
      });
  }

  /**
   * Puts these members of the account's staff in the audiences of their
   * reaches as the database has them now (one batched read), lets go of
   * the audiences left empty and starts those that have no subscription.
   * A regroup's new audiences that take in a member from another start
   * with the events since the membership event.
   */
  private async place(staff: AccountStaff, members: AudienceMember[], regroup: boolean): Promise<void> {
    for (const member of members) staff.joining.delete(member);
    if (members.length === 0) return;
    const reaches = await staffReaches(this.db, staff.accountId, [...new Set(members.map(userIdOf))]);
    const placed = new Set<Audience>();
    const movedInto = new Set<Audience>();
    for (const member of members) {
      if (!staff.members.has(member)) continue; // left while the account was read
      const reach = reaches.get(userIdOf(member));
      const before = this.audienceOf.get(member);
      if (reach === undefined) {
        this.detach(member); // no longer a member of the account: hears nothing
        continue;
      }
      if (before?.key === reachKey(reach)) continue;
      this.detach(member);
      const audience = this.attach(member, reach);
      placed.add(audience);
      if (before && !audience.subscription) movedInto.add(audience);
    }
    const since = regroup ? staff.since?.slice() : undefined;
    // A join's failure is its socket's (nothing is answered, the client retries); a regroup's is only logged.
    const started = [...placed].filter((a) => !a.closed).map((a) => this.serve(a, movedInto.has(a) ? since : undefined));
    await Promise.all(regroup ? started.map((s) => s.catch(this.onError)) : started);
  }

  /** Sends what the account's audiences held while it regrouped, to their members as they are now. */
  private release(staff: AccountStaff): void {
    for (const audience of this.audiences.values()) {
      if (audience.held.length === 0 || audience.accountId !== staff.accountId) continue;
      for (const { broadcast, message } of audience.held.splice(0)) this.fanOut(audience, broadcast, message);
    }
  }
}
