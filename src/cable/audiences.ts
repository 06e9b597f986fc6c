/**
 * Audiences: RoomChannel subscriptions that hear exactly the same events
 * share one `roomEvents` GraphQL subscription, and each broadcast goes out
 * to all of their sockets in one synchronous loop (Action Cable's streams do
 * the same: one broadcast per stream, whatever its subscriber count).
 *
 * What a caller hears depends only on their audience key:
 * - a contact: their session (account, contact inbox, HMAC-verified or not);
 * - an agent or administrator: the account and the inboxes they reach there
 *   ('all' for administrators, else the sorted inbox ids they are members of).
 * So 5,000 agents of one inbox are one audience: one GraphQL subscription
 * (run as the audience's representative, its first member), one access check
 * and one serialisation per event, then 5,000 socket writes. The one thing
 * that differs per socket, not hearing one's own typing, is checked in the
 * loop from the broadcast itself.
 *
 * Membership changes (inbox.members_changed, inbox.deleted, agent.updated,
 * agent.removed) move agents between audiences. The moment such an event
 * reaches this instance, the account's broadcasts are held back; the staff
 * of the account are regrouped from the database (one batched read); then
 * what was held goes out to the new audiences. Each audience's subscription
 * re-reads its representative's access at that same event, so what it
 * yields after it is what the new key allows: a removed agent hears nothing
 * more. (A member who lands in an audience no running subscription serves
 * gets a new one, which starts from that moment: events committed during
 * the regroup, a few milliseconds, do not reach that member.)
 */
import type { PrismaClient } from '../db.ts';
import { inboxReachOfUsers } from '../domain/actor.ts';
import type { AnyDomainEvent, EventName } from '../events/catalogue.ts';
import type { EventBus } from '../graphql/pubsub.ts';
import type { CableBroadcast } from './broadcasts.ts';
import type { RoomCaller, RoomChannel, RoomSubscription } from './room-channel.ts';

/** A socket's subscription: who subscribed, and where its broadcasts go. */
export interface AudienceMember {
  caller: RoomCaller;
  deliver(message: string): void;
}

/** Events after which the inboxes an agent reaches may differ. */
const MEMBERSHIP_EVENTS: ReadonlySet<EventName> = new Set<EventName>([
  'inbox.members_changed',
  'inbox.deleted',
  'agent.updated',
  'agent.removed',
]);

const TYPING_EVENTS = new Set(['conversation.typing_on', 'conversation.typing_off']);

/** A running roomEvents subscription, run as `representative`, with what it yielded while its account regrouped. */
interface Stream {
  representative: AudienceMember;
  subscription?: RoomSubscription;
  held: { broadcast: CableBroadcast; message: string }[];
  /** The audience it serves; none once it has been let go. */
  audience?: Audience;
  /** Set once its subscription is stopped: it serves nobody again. */
  stopped?: boolean;
}

function stop(stream: Stream): void {
  stream.stopped = true;
  stream.audience = undefined;
  stream.subscription?.stop();
}

interface Audience {
  key: string;
  accountId: number;
  members: Set<AudienceMember>;
  stream?: Stream;
  /** Set while the stream is being started. */
  starting?: Promise<boolean>;
}

/** Staff of one account on this instance, and its membership listener. */
interface AccountStaff {
  members: Set<AudienceMember>;
  stopListening: () => void;
  /** Raised by every membership event: a key read before it may be stale. */
  epoch: number;
  /** Set while the account regroups; broadcasts are held until it settles. */
  regrouping?: Promise<void>;
}

const userIdOf = (member: AudienceMember) => (member.caller.principal as { userId: number }).userId;

/** Whether the broadcast is `member`'s own typing (nobody hears their own). */
function isOwnTyping(member: AudienceMember, broadcast: CableBroadcast): boolean {
  if (!TYPING_EVENTS.has(broadcast.event)) return false;
  const typer = broadcast.data.user as { id?: number; type?: string } | null | undefined;
  const principal = member.caller.principal;
  if (!typer) return false;
  if (principal.kind === 'user') return typer.type === 'user' && typer.id === principal.userId;
  if (principal.kind === 'contact') return typer.type === 'contact' && typer.id === principal.contactId;
  return false;
}

export class Audiences {
  private readonly audiences = new Map<string, Audience>();
  private readonly audienceOf = new Map<AudienceMember, Audience>();
  private readonly staff = new Map<number, AccountStaff>();

  constructor(
    private readonly db: PrismaClient,
    private readonly room: Pick<RoomChannel, 'subscribe'>,
    private readonly bus: Pick<EventBus, 'listen'>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** How many RoomChannel subscriptions the audiences serve (metrics). */
  get subscriptions(): number {
    return this.audienceOf.size;
  }

  /**
   * Adds the member to its audience, starting the audience's subscription if
   * it has none; false when the caller hears nothing (not a member of the
   * account, or GraphQL refused the subscription).
   */
  async join(member: AudienceMember): Promise<boolean> {
    const caller = member.caller;
    if (caller.principal.kind === 'contact') return this.enter(member, contactKey(caller.principal));
    if (caller.principal.kind !== 'user' || caller.accountId === undefined) return false;
    const accountId = caller.accountId;
    const staff = this.staffOf(accountId);
    staff.members.add(member);
    let key: string | null;
    for (;;) {
      // A membership event while the key is read makes it stale: read it again once the account has regrouped.
      await staff.regrouping;
      const epoch = staff.epoch;
      const reach = await inboxReachOfUsers(this.db, accountId, [userIdOf(member)]);
      key = staffKey(accountId, reach.get(userIdOf(member)));
      if (staff.epoch === epoch && !staff.regrouping) break;
    }
    const joined = key !== null && staff.members.has(member) && (await this.enter(member, key));
    if (!joined) this.leave(member);
    return joined;
  }

  /** Removes the member (its socket unsubscribed or closed); an audience left empty stops its subscription. */
  leave(member: AudienceMember): void {
    const audience = this.detach(member);
    if (audience?.stream && audience.members.size === 0) stop(audience.stream);
    const principal = member.caller.principal;
    if (principal.kind !== 'user' || member.caller.accountId === undefined) return;
    const staff = this.staff.get(member.caller.accountId);
    if (staff?.members.delete(member) && staff.members.size === 0) {
      staff.stopListening();
      this.staff.delete(member.caller.accountId);
    }
  }

  /** Takes the member out of its audience (forgotten once empty) and returns that audience. */
  private detach(member: AudienceMember): Audience | undefined {
    const audience = this.audienceOf.get(member);
    if (!audience) return undefined;
    this.audienceOf.delete(member);
    audience.members.delete(member);
    if (audience.members.size === 0 && this.audiences.get(audience.key) === audience) this.audiences.delete(audience.key);
    return audience;
  }

  /** Puts the member in the audience of `key`; starts the audience's stream if it has none. */
  private async enter(member: AudienceMember, key: string): Promise<boolean> {
    const audience = this.audienceFor(key, this.accountOf(member));
    audience.members.add(member);
    this.audienceOf.set(member, audience);
    if (!audience.stream) {
      audience.starting ??= this.startStream(audience, member);
      await audience.starting;
    }
    return this.audienceOf.has(member);
  }

  private audienceFor(key: string, accountId: number): Audience {
    let audience = this.audiences.get(key);
    if (!audience) this.audiences.set(key, (audience = { key, accountId, members: new Set() }));
    return audience;
  }

  private accountOf(member: AudienceMember): number {
    const principal = member.caller.principal;
    return principal.kind === 'contact' ? principal.accountId : member.caller.accountId!;
  }

  /** Starts the audience's subscription, run as `representative`; when GraphQL refuses it, the audience is dissolved. */
  private async startStream(audience: Audience, representative: AudienceMember): Promise<boolean> {
    const stream: Stream = { representative, held: [], audience };
    const subscription = await this.room.subscribe(
      representative.caller,
      (broadcast, message) => this.fanOut(stream, broadcast, message),
      this.onError,
    );
    audience.starting = undefined;
    if (!subscription) {
      for (const member of [...audience.members]) this.detach(member);
      return false;
    }
    stream.subscription = subscription;
    if (audience.members.size === 0) {
      stop(stream);
      return false;
    }
    audience.stream = stream;
    return true;
  }

  /** Sends a broadcast to every member of the stream's audience (held while its account regroups). */
  private fanOut(stream: Stream, broadcast: CableBroadcast, message: string): void {
    const audience = stream.audience;
    if (!audience) return;
    if (this.staff.get(audience.accountId)?.regrouping) {
      stream.held.push({ broadcast, message });
      return;
    }
    for (const member of audience.members) if (!isOwnTyping(member, broadcast)) member.deliver(message);
  }

  private staffOf(accountId: number): AccountStaff {
    let staff = this.staff.get(accountId);
    if (!staff) {
      staff = {
        members: new Set(),
        epoch: 0,
        stopListening: this.bus.listen(accountId, (event) => this.onAccountEvent(accountId, event)),
      };
      this.staff.set(accountId, staff);
    }
    return staff;
  }

  /** Called as each event of an account with staff here arrives, before any subscription resolves it. */
  private onAccountEvent(accountId: number, event: AnyDomainEvent): void {
    const staff = this.staff.get(accountId);
    if (!staff || !MEMBERSHIP_EVENTS.has(event.name)) return;
    staff.epoch++;
    const regrouping: Promise<void> = (staff.regrouping ?? Promise.resolve())
      .then(() => this.regroup(accountId))
      .catch(this.onError)
      .finally(() => {
        if (staff.regrouping !== regrouping) return;
        staff.regrouping = undefined;
        this.release(accountId);
      });
    staff.regrouping = regrouping;
  }

  /** Moves the account's staff to the audiences their access now gives them; streams follow their representatives. */
  private async regroup(accountId: number): Promise<void> {
    const staff = this.staff.get(accountId);
    if (!staff) return;
    const members = [...staff.members].filter((member) => this.audienceOf.has(member));
    const streams = new Set<Stream>();
    for (const member of members) {
      const stream = this.audienceOf.get(member)?.stream;
      if (stream) streams.add(stream);
    }
    const userIds = new Set([...members, ...[...streams].map((s) => s.representative)].map(userIdOf));
    const reach = await inboxReachOfUsers(this.db, accountId, [...userIds]);
    const keyOf = (member: AudienceMember) => staffKey(accountId, reach.get(userIdOf(member)));

    for (const member of members) {
      if (!this.audienceOf.has(member)) continue; // left while the account was read
      const audience = this.detach(member)!;
      if (audience.stream) audience.stream = undefined;
      const key = keyOf(member);
      if (key === null) continue; // hears nothing any more
      const next = this.audienceFor(key, accountId);
      next.members.add(member);
      this.audienceOf.set(member, next);
    }
    // Each stream serves the audience of its representative's new key, if no other stream does; the others stop.
    for (const stream of streams) {
      const key = keyOf(stream.representative);
      const audience = key === null ? undefined : this.audiences.get(key);
      stream.audience = undefined;
      if (!stream.stopped && audience && !audience.stream && !audience.starting) {
        audience.stream = stream;
        stream.audience = audience;
      } else {
        stop(stream);
      }
    }
    // Audiences no stream serves get one, run as their first member.
    const unserved = [...this.audiences.values()].filter((a) => a.accountId === accountId && !a.stream && !a.starting && a.members.size > 0);
    await Promise.all(
      unserved.map((audience) => (audience.starting = this.startStream(audience, audience.members.values().next().value!))),
    );
  }

  /** Sends what the account's streams held while it regrouped, to their audiences as they are now. */
  private release(accountId: number): void {
    for (const audience of this.audiences.values()) {
      const stream = audience.stream;
      if (audience.accountId !== accountId || !stream || stream.held.length === 0) continue;
      for (const { broadcast, message } of stream.held.splice(0)) this.fanOut(stream, broadcast, message);
    }
  }
}

/** A contact session's audience key: the session (a verified one hears all the contact's conversations). */
function contactKey(principal: { accountId: number; contactInboxId: number; hmacVerified: boolean }): string {
  return `contact:${principal.accountId}:${principal.contactInboxId}:${principal.hmacVerified ? 'verified' : 'session'}`;
}

/** An agent's or administrator's audience key; null for someone who is not a member of the account. */
function staffKey(accountId: number, reach: 'all' | number[] | undefined): string | null {
  if (reach === undefined) return null;
  return `staff:${accountId}:${reach === 'all' ? 'all' : reach.join(',')}`;
}
