/**
 * What a RoomChannel subscription missed while its client was away, for the
 * extended protocol's `history` requests (protocol.ts): the account's events
 * after the client's position (or since a time) from the event history
 * (src/events/history.ts), heard by the very rules of the live broadcasts.
 *
 * The replay is the `roomEvents` subscription run once more, for this one
 * caller, over those events instead of the bus (`replayedPubsub`), deciding
 * for the caller's reach as it is now: a contact never gets a private note,
 * an agent removed from an inbox (or the account) gets nothing of it, and
 * nobody gets their own typing. Where the replay meets the live broadcasts
 * (no gap, nothing twice) is the connection's (connection.ts,
 * subscription-stream.ts).
 */
import type { PrismaClient } from '../db.ts';
import { sessionReach, staffReaches, type Reach } from '../domain/access/reach.ts';
import type { EventHistory, Resume } from '../events/history.ts';
import { isOwnTyping, partyOf, typerOf } from '../events/recipients.ts';
import { replayedPubsub } from '../events/replay.ts';
import type { HistoryRequest, StreamPosition } from './protocol.ts';
import { accountOfCaller, type RoomCaller, type RoomChannel } from './room-channel.ts';

/**
 * Where a history request asks to resume `streamId` from: the position the
 * client holds in that stream, else the time it gives; undefined when it
 * gives neither (nothing to replay). As in AnyCable, a position wins over
 * the time: it says exactly what was heard.
 */
export function resumeOf(request: HistoryRequest | undefined, streamId: string): Resume | undefined {
  const position = request?.streams?.[streamId];
  if (position) return { epoch: position.epoch, after: position.offset };
  if (request?.since !== undefined && request.since > 0) return { since: new Date(request.since * 1000) };
  return undefined;
}

export class CableReplay {
  constructor(
    private readonly db: PrismaClient,
    private readonly room: Pick<RoomChannel, 'replay'>,
    private readonly history: Pick<EventHistory, 'replay'>,
  ) {}

  /**
   * Hands `deliver` each broadcast the caller missed since `resume`, in
   * history order, with its position, and resolves once all are out.
   * Rejects with HistoryUnavailableError when the history does not reach
   * back that far.
   */
  async run(caller: RoomCaller, resume: Resume, deliver: (message: string, position: StreamPosition) => void): Promise<void> {
    const accountId = accountOfCaller(caller);
    if (accountId === undefined) return;
    const events = await this.history.replay(accountId, resume);
    if (events.length === 0) return;
    const reach = await this.reachOf(caller, accountId);
    if (!reach) return; // no longer a member of the account: hears nothing
    const party = partyOf(caller.principal);
    await this.room.replay(caller, { reach, events: replayedPubsub(accountId, events) }, (broadcast, message, position) => {
      const typer = typerOf(broadcast);
      if (position && !(typer && isOwnTyping(party, broadcast.event, typer))) deliver(message, position);
    });
  }

  /** What the caller reaches now: a contact their session, an agent what the database says (nothing once removed). */
  private async reachOf(caller: RoomCaller, accountId: number): Promise<Reach | undefined> {
    const { principal } = caller;
    if (principal.kind === 'contact') return sessionReach(principal);
    if (principal.kind !== 'user') return undefined;
    return (await staffReaches(this.db, accountId, [principal.userId])).get(principal.userId);
  }
}
