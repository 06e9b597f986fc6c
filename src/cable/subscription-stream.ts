/**
 * One subscription of an extended-protocol connection (protocol.ts) as a
 * reliable stream: every broadcast of an event goes out with its position,
 * and a replay of what the client missed meets the live broadcasts with no
 * gap and nothing twice.
 *
 * While a replay runs, live broadcasts are held; then the replayed ones go
 * out, then the held ones, each only if its offset is greater than the
 * greatest this stream has sent (or the client said it holds). That is
 * enough because, within an account, positions follow commit order
 * (src/events/history.ts): a live event positioned at most that far was in
 * the history the replay read, and one positioned beyond it was not.
 * Outside replays, live broadcasts go out as they come.
 *
 * A subscription restored from a closed session holds its live broadcasts
 * too, from the moment it is back until the client's first `history`
 * request (the official client sends one per restored subscription right
 * after `welcome`) is answered: going out before, they would move the
 * client's position past what it missed while away. A client that never
 * asks gets them after RESTORED_HOLD_MS.
 */
import { positionedFramer, streamIdOf, type StreamPosition } from './protocol.ts';

/** How long a restored subscription waits for its client's `history` request before its held broadcasts go out. */
export const RESTORED_HOLD_MS = 5_000;

interface Held {
  message: string;
  position: StreamPosition;
}

export class SubscriptionStream {
  readonly streamId: string;
  private readonly frame: (message: string, position: StreamPosition) => string;
  /** The greatest offset sent, or that the client said it holds. */
  private sent = -1;
  /** Holds in force (a replay, a restore awaiting its request); live broadcasts are held while there are any. */
  private holds = 0;
  private held: Held[] = [];
  /** Set while a restored subscription waits for its first history request. */
  private restoreTimer: NodeJS.Timeout | undefined;

  constructor(
    identifier: string,
    private readonly send: (frame: string) => void,
  ) {
    this.streamId = streamIdOf(identifier);
    this.frame = positionedFramer(identifier, this.streamId);
  }

  /** A live broadcast of the subscription's audience. */
  live(message: string, position: StreamPosition): void {
    if (this.holds > 0) this.held.push({ message, position });
    else this.emit(message, position);
  }

  /** A replayed broadcast: sent unless the stream is already past it. */
  replayed(message: string, position: StreamPosition): void {
    if (position.offset > this.sent) this.emit(message, position);
  }

  /** The client holds everything up to `offset` (a history request's position the history accepted). */
  heardThrough(offset: number): void {
    if (offset > this.sent) this.sent = offset;
  }

  /** Holds live broadcasts until the matching `release`. */
  hold(): void {
    this.holds++;
  }

  /** Ends a hold; once none is left, what was held goes out (what the stream is not past). */
  release(): void {
    if (--this.holds > 0) return;
    for (const { message, position } of this.held.splice(0)) this.replayed(message, position);
  }

  /** Restored: holds until `asked` (the client's first history request is answered), at most RESTORED_HOLD_MS. */
  holdUntilAsked(): void {
    this.hold();
    this.restoreTimer = setTimeout(() => this.asked(), RESTORED_HOLD_MS);
    this.restoreTimer.unref();
  }

  /** A history request was answered: a restored subscription's hold ends. */
  asked(): void {
    if (this.restoreTimer === undefined) return;
    clearTimeout(this.restoreTimer);
    this.restoreTimer = undefined;
    this.release();
  }

  /** The subscription ended: nothing held goes out, no timer stays. */
  close(): void {
    clearTimeout(this.restoreTimer);
    this.restoreTimer = undefined;
    this.held = [];
  }

  private emit(message: string, position: StreamPosition): void {
    if (position.offset > this.sent) this.sent = position.offset;
    this.send(this.frame(message, position));
  }
}
