/**
 * Audiences: RoomChannel subscriptions of callers who reach the same things
 * share one `roomEvents` GraphQL subscription, and each broadcast goes out
 * to all of their sockets in one synchronous loop (Action Cable's streams do
 * the same: one broadcast per stream, whatever its subscriber count).
 *
 * An audience is a reach group (src/graphql/reach-groups.ts, which also
 * multiplexes GraphQL subscriptions): a contact's session, or an account
 * and the inboxes a user reaches there ('all' for administrators, else the
 * sorted ids of the inboxes they are a member of). Its subscription is
 * started by one member but decides for the reach itself (Visibility#canHear
 * answering for the reach), so what it yields is right for every member,
 * whoever started it and whatever becomes of them. 5,000 agents of one
 * inbox are one audience: one GraphQL subscription, one access check and
 * one serialisation per event, then 5,000 socket writes. The one thing that
 * differs per socket, not hearing one's own typing, is checked in the loop
 * from the broadcast itself (src/events/recipients.ts).
 *
 * Placement, regrouping on membership events (broadcasts held meanwhile, so
 * a removed agent hears nothing more), replay for audiences a regroup
 * creates and letting go of empty audiences are the reach groups' own.
 * What one member missed while disconnected comes from its audience's
 * record of recent broadcasts (`recentAfter`) when that holds all of it,
 * else from the history, replayed for that member alone (replay.ts).
 */
import type { PrismaClient } from '../db.ts';
import { reachKey, sessionReach } from '../domain/access/reach.ts';
import type { EventBus } from '../events/bus.ts';
import type { CableBroadcast } from '../events/listeners/cable-broadcasts.ts';
import { isOwnTyping, partyOf, typerOf } from '../events/recipients.ts';
import type { RecordLimits } from '../graphql/group-record.ts';
import { ReachGroups, type Placement } from '../graphql/reach-groups.ts';
import type { StreamPosition } from './protocol.ts';
import type { RoomCaller, RoomChannel } from './room-channel.ts';

/** A socket's subscription: who subscribed, and where its broadcasts go (with their position in the history). */
export interface AudienceMember {
  caller: RoomCaller;
  deliver(message: string, position?: StreamPosition): void;
}

/** One broadcast of an audience's subscription, with its serialised frame message and its position. */
interface Heard {
  broadcast: CableBroadcast;
  message: string;
  position: StreamPosition | undefined;
}

/** A contact is placed by their session; an agent by their reach in the account they listen to. */
function placementOf({ caller }: AudienceMember): Placement {
  if (caller.principal.kind === 'contact') return { reach: sessionReach(caller.principal) };
  if (caller.principal.kind !== 'user' || caller.accountId === undefined) return null;
  return { userId: caller.principal.userId, accountId: caller.accountId };
}

/** Whether the member is sent the broadcast: everyone is, but the one who typed it. */
function hears(member: AudienceMember, broadcast: CableBroadcast, typer = typerOf(broadcast)): boolean {
  return !typer || !isOwnTyping(partyOf(member.caller.principal), broadcast.event, typer);
}

/** Sends a broadcast to every member of an audience who hears it. */
function deliver(members: ReadonlySet<AudienceMember>, { broadcast, message, position }: Heard): void {
  const typer = typerOf(broadcast);
  for (const member of members) if (hears(member, broadcast, typer)) member.deliver(message, position);
}

export class Audiences {
  private readonly groups: ReachGroups<AudienceMember, Heard>;

  constructor(
    db: PrismaClient,
    room: Pick<RoomChannel, 'subscribe'>,
    bus: Pick<EventBus, 'listen' | 'pubsub'>,
    record: RecordLimits,
    onError: (error: unknown) => void,
  ) {
    this.groups = new ReachGroups<AudienceMember, Heard>({
      db,
      bus,
      placementOf,
      keyOf: (_member, reach) => reachKey(reach),
      start: (audience, starter, events, emit) =>
        room.subscribe(
          starter.caller,
          { reach: audience.reach, events },
          (broadcast, message, position) => emit({ broadcast, message, position }),
          onError,
        ),
      deliver,
      positionOf: (heard) => heard.position,
      record,
      onError,
    });
  }

  /** How many RoomChannel subscriptions the audiences serve (metrics). */
  get subscriptions(): number {
    return this.groups.size;
  }

  /**
   * Adds the member to the audience of its reach, starting the audience's
   * subscription if it has none; false when the caller hears nothing (not a
   * member of the account, or GraphQL refused the subscription).
   */
  join(member: AudienceMember): Promise<boolean> {
    return this.groups.join(member);
  }

  /**
   * The broadcasts the member's audience sent after `position` (the member
   * heard it) that the member hears, from the audience's record; undefined
   * when the record cannot serve that far back (read the history instead).
   */
  recentAfter(member: AudienceMember, position: StreamPosition): { message: string; position: StreamPosition }[] | undefined {
    const recent = this.groups.recentAfter(member, position);
    return recent?.filter((heard) => heard.position && hears(member, heard.broadcast)) as { message: string; position: StreamPosition }[] | undefined;
  }

  /** Removes the member (its socket unsubscribed or closed); an audience left empty stops its subscription. */
  leave(member: AudienceMember): void {
    this.groups.leave(member);
  }
}
