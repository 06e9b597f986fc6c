/**
 * The /cable heartbeat: every connection gets a `ping` every
 * PING_INTERVAL_MS, as Action Cable clients expect (they reconnect after
 * two missed pings). Action Cable pings all connections at once; here they
 * are spread over the interval in PING_SLICES slices, one slice per tick,
 * so that a broadcast never waits behind a ping written to every socket (a
 * ping of 5,000 sockets at once holds the event loop for about 60 ms).
 */
import { PING_INTERVAL_MS, pingFrame } from './protocol.ts';

/** How many slices the connections are spread over; a tick every PING_INTERVAL_MS / PING_SLICES. */
export const PING_SLICES = 30;

/** Anything a ping frame can be sent to. */
export interface Pingable {
  send(frame: string): void;
}

export class Heartbeat<Connection extends Pingable> {
  private readonly slices = Array.from({ length: PING_SLICES }, () => new Set<Connection>());
  private readonly sliceOf = new Map<Connection, Set<Connection>>();
  private next = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Starts ticking; one slice is pinged per tick. */
  start(): void {
    let tick = 0;
    this.timer = setInterval(() => {
      const slice = this.slices[tick++ % PING_SLICES]!;
      if (slice.size === 0) return;
      const ping = pingFrame(new Date());
      for (const connection of slice) connection.send(ping);
    }, PING_INTERVAL_MS / PING_SLICES);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Adds a connection to the next slice, round robin: its first ping comes within one interval. */
  add(connection: Connection): void {
    const slice = this.slices[this.next++ % PING_SLICES]!;
    slice.add(connection);
    this.sliceOf.set(connection, slice);
  }

  remove(connection: Connection): void {
    this.sliceOf.get(connection)?.delete(connection);
    this.sliceOf.delete(connection);
  }
}
