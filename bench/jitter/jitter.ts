/**
 * One real-time client under jitter (bench/jitter/run.ts): a `Connection`
 * (clients.ts) that the bench opens, then, while jitter is on, drops at a
 * random moment about every `every` ms and reopens after about `down` ms
 * (a reopen that fails is tried again after 2, 4, 8, then 16 times that).
 * It records what it hears (the first receipt of each message id, and how
 * many came again), each outage (when the socket went, when the
 * reconnection began and when it was live again), and what went wrong.
 * Nothing here throws: failures are counted, with the last reason kept.
 */
import { connect, describe, type Connection, type TransportName, type Target } from './clients.ts';

export interface JitterTiming {
  /** Mean ms between two drops of one client (each wait is 0.5–1.5 times it; the first 0–1 times it). */
  every: number;
  /** Mean ms a dropped client stays away (0.5–1.5 times it). */
  down: number;
  /** ms an open may take before it counts as failed (and is retried after a backoff: 2, 4, 8, then 16 times `down`). */
  openTimeout: number;
}

export interface Outage {
  /** When the socket was dropped (or found closed). */
  closedAt: number;
  /** When the reconnection that succeeded began. */
  reopeningAt?: number;
  /** When the subscription was live again. */
  reopenedAt?: number;
  /** Whether the bench caused it (false: the server or the stream ended it). */
  forced: boolean;
}

type State = 'idle' | 'opening' | 'live' | 'down' | 'stopped';

const jittered = (mean: number, spread = 0.5) => mean * (1 - spread + 2 * spread * Math.random());

export class JitterClient {
  state: State = 'idle';
  /** Whether the first open succeeded. */
  started = false;
  /** Why the first open failed. */
  startFailure: string | undefined;
  /** When each message id first arrived (performance.now()). */
  readonly firstReceipt = new Map<number, number>();
  /** Receipts of a message id already received. */
  duplicates = 0;
  readonly outages: Outage[] = [];
  /** Drops the bench caused, closes it did not, opens that failed, errors counted, resumes the server refused. */
  drops = 0;
  unexpectedCloses = 0;
  failedOpens = 0;
  errors = 0;
  resumesRefused = 0;
  lastError: string | undefined;
  private readonly connection: Connection;
  private timer: NodeJS.Timeout | undefined;
  private jitterUntil = 0;
  /** Reopens that failed in a row: the next waits longer (exponential backoff, as real clients do). */
  private failuresInARow = 0;
  /** Ends the open under way (at stop()). */
  private cancelOpen: (() => void) | undefined;

  constructor(
    readonly transport: TransportName,
    target: Target,
    private readonly timing: JitterTiming,
  ) {
    this.connection = connect(transport, target, {
      received: (id) => this.received(id),
      closed: (reason) => this.lost(reason),
      error: (reason) => this.failed(reason),
      resumeRefused: (reason) => {
        this.resumesRefused++;
        this.lastError = `resume refused: ${reason}`;
      },
    });
  }

  private received(id: number): void {
    if (this.firstReceipt.has(id)) this.duplicates++;
    else this.firstReceipt.set(id, performance.now());
  }

  private failed(reason: string): void {
    this.errors++;
    this.lastError = reason;
  }

  /** An open, bounded by the timeout; on failure the connection is dropped (whatever it was half-way through). */
  private async openOnce(): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.connection.open(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`not live after ${this.timing.openTimeout} ms`)), this.timing.openTimeout);
          this.cancelOpen = () => reject(new Error('stopped'));
        }),
      ]);
      return undefined;
    } catch (error) {
      this.connection.drop();
      return describe(error);
    } finally {
      clearTimeout(timer);
      this.cancelOpen = undefined;
    }
  }

  /** The first open; resolves to whether it succeeded. */
  async start(): Promise<boolean> {
    this.state = 'opening';
    const failure = await this.openOnce();
    if ((this.state as State) === 'stopped') return false;
    if (failure !== undefined) {
      this.startFailure = failure;
      this.lastError = failure;
      this.state = 'idle';
      return false;
    }
    this.started = true;
    this.state = 'live';
    return true;
  }

  /** Drops the connection at random moments until `until` (performance.now()), the first within `every`. */
  jitterTill(until: number): void {
    this.jitterUntil = until;
    if (this.state === 'live') this.scheduleDrop(Math.random() * this.timing.every);
  }

  /** Stops dropping (a client that is away still comes back). */
  calm(): void {
    this.jitterUntil = 0;
    if (this.state === 'live') clearTimeout(this.timer);
  }

  private scheduleDrop(delay: number): void {
    clearTimeout(this.timer);
    if (performance.now() + delay >= this.jitterUntil) return;
    this.timer = setTimeout(() => this.drop(), delay);
  }

  private drop(): void {
    if (this.state !== 'live') return;
    this.drops++;
    this.goAway(true);
  }

  /** The connection ended without the bench: counted, and reopened after the usual outage. */
  private lost(reason: string): void {
    if (this.state !== 'live') return;
    this.unexpectedCloses++;
    this.lastError = reason;
    this.goAway(false);
  }

  private goAway(forced: boolean): void {
    this.outages.push({ closedAt: performance.now(), forced });
    this.state = 'down';
    this.connection.drop();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reopen(), jittered(this.timing.down));
  }

  private async reopen(): Promise<void> {
    if (this.state !== 'down') return;
    this.state = 'opening';
    const outage = this.outages.at(-1)!;
    const reopeningAt = performance.now();
    const failure = await this.openOnce();
    if ((this.state as State) === 'stopped') return;
    if (failure !== undefined) {
      this.failedOpens++;
      this.lastError = failure;
      this.state = 'down';
      // down, 2 × down, 4 × down… (at most 16 × down, and 30 s), each 0.5–1.5 times that.
      const backoff = Math.min(this.timing.down * 2 ** Math.min(++this.failuresInARow, 4), 30_000);
      this.timer = setTimeout(() => void this.reopen(), jittered(backoff));
      return;
    }
    this.failuresInARow = 0;
    outage.reopeningAt = reopeningAt;
    outage.reopenedAt = performance.now();
    this.state = 'live';
    this.scheduleDrop(jittered(this.timing.every));
  }

  stop(): void {
    this.state = 'stopped';
    clearTimeout(this.timer);
    this.cancelOpen?.();
    this.connection.close();
  }
}
