/**
 * The event history that real-time clients resume from after a reconnect:
 * the outbox's own `events` rows, read back in commit order.
 *
 * - **Positions.** An event's position is its number in its account
 *   (`seq`: 1, 2, 3… in the order the events' transactions committed, with no
 *   gaps; outbox.ts `numberEvents`). "Every event of the account after
 *   position p" is therefore complete the moment p was committed, whatever
 *   commits later, and an instance can tell a missing event from one that
 *   never was (bus.ts puts the events that reach it back in order).
 * - **Epoch.** Positions are only meaningful in the database that gave them:
 *   `event_history` holds a random epoch, written on first use (so a
 *   database copied from the embedded template gets its own), that every
 *   position carries; a position of another epoch is refused.
 * - **Reach.** A resume reaches back SNYPTO_REPLAY_WINDOW seconds and at most
 *   SNYPTO_REPLAY_MAX_EVENTS events; further back, it is refused
 *   (`HistoryUnavailableError`): the client reloads what it shows, as it
 *   would without resuming, rather than trusting a history with a hole.
 * - **Pruning.** Events older than SNYPTO_EVENT_RETENTION are deleted on a
 *   schedule, except those with a webhook delivery still pending (their
 *   delivery needs them); their finished deliveries go with them.
 *
 * What a replayed event reaches is decided downstream exactly as for a live
 * one (the subscription's own filters, asked now): replay never widens
 * access.
 */
import { randomBytes } from 'node:crypto';
import type { ReplayLimits } from '../config.ts';
import type { PrismaClient } from '../db.ts';
import { DomainError } from '../errors.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { writes } from '../write-tables.ts';
import type { AnyDomainEvent, EventName, Performer } from './catalogue.ts';

/**
 * Where a client resumes from: after an event it heard (its account's
 * position `after`; the cursor names the account, which must be the one
 * resumed), or (AnyCable's `since`) from a time.
 */
export type Resume = { epoch: string; after: number; accountId?: number } | { since: Date };

/** The history does not reach back to where the client wants to resume from. */
export class HistoryUnavailableError extends DomainError {
  override name = 'HistoryUnavailableError';
  constructor(reason: string) {
    super('HISTORY_UNAVAILABLE', `Cannot resume: ${reason}; reload instead`);
  }
}

/** The cursor of an event as GraphQL and SSE clients see it: `<epoch>:<account id>:<seq>`. */
export const cursorOf = (epoch: string, event: Pick<AnyDomainEvent, 'accountId' | 'seq'>): string => `${epoch}:${event.accountId}:${event.seq}`;

/** A cursor's resume point; a malformed cursor is refused as one the history cannot serve. */
export function resumeAfterCursor(cursor: string): Resume {
  const match = /^([A-Za-z0-9_-]{1,64}):(\d{1,10}):(\d{1,15})$/.exec(cursor);
  if (!match) throw new HistoryUnavailableError('the cursor is not one Snypto gave');
  return { epoch: match[1]!, accountId: Number(match[2]), after: Number(match[3]) };
}

interface EventRow {
  id: bigint | string;
  seq: bigint | string;
  name: string;
  account_id: number;
  data: Record<string, unknown> & { performer?: Performer };
  created_at: Date;
}

/** An `events` row as the domain event the outbox published after commit. */
function eventOf(row: EventRow): AnyDomainEvent {
  const { performer, ...data } = row.data;
  return {
    id: String(row.id),
    seq: Number(row.seq),
    name: row.name as EventName,
    accountId: row.account_id,
    data,
    ...(performer ? { performer } : {}),
    occurredAt: row.created_at,
  } as AnyDomainEvent;
}

export class EventHistory {
  private epochRead: Promise<string> | undefined;

  constructor(
    private readonly db: PrismaClient,
    readonly limits: ReplayLimits,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** This database's epoch, created on first use (with several instances, the first one's). */
  epoch(): Promise<string> {
    this.epochRead ??= (async () => {
      const candidate = randomBytes(9).toString('base64url');
      await this.db.$executeRaw(writes('event_history')`INSERT INTO event_history (id, epoch) VALUES (1, ${candidate}) ON CONFLICT (id) DO NOTHING`);
      const [row] = await this.db.$queryRaw<{ epoch: string }[]>`SELECT epoch FROM event_history WHERE id = 1`;
      return row!.epoch;
    })().catch((error: unknown) => {
      this.epochRead = undefined;
      throw error;
    });
    return this.epochRead;
  }

  /**
   * The account's events after `resume`, in commit order, up to the latest
   * committed one; refused when the history does not reach back that far.
   */
  async replay(accountId: number, resume: Resume): Promise<AnyDomainEvent[]> {
    const { windowSeconds, maxEvents } = this.limits;
    const horizon = new Date(this.now().getTime() - windowSeconds * 1000);
    let from: Prisma.Sql;
    if ('since' in resume) {
      if (resume.since < horizon) throw new HistoryUnavailableError(`history reaches back ${windowSeconds} s`);
      from = Prisma.sql`created_at >= ${resume.since}`;
    } else {
      if (resume.epoch !== (await this.epoch())) throw new HistoryUnavailableError('the position is from another history');
      if (resume.accountId !== undefined && resume.accountId !== accountId)
        throw new HistoryUnavailableError('the position is of another account');
      // The event the client last heard must still be here and recent: then nothing after it is missing.
      const [last] = await this.db.$queryRaw<{ recent: boolean }[]>`
        SELECT created_at >= ${horizon} AS recent FROM events WHERE account_id = ${accountId} AND seq = ${resume.after}`;
      if (!last) throw new HistoryUnavailableError('the position is unknown or no longer kept');
      if (!last.recent) throw new HistoryUnavailableError(`history reaches back ${windowSeconds} s`);
      from = Prisma.sql`seq > ${resume.after}`;
    }
    const rows = await this.db.$queryRaw<EventRow[]>`
      SELECT id, seq, name, account_id, data, created_at FROM events
      WHERE account_id = ${accountId} AND seq IS NOT NULL AND ${from}
      ORDER BY seq LIMIT ${maxEvents + 1}`;
    if (rows.length > maxEvents) throw new HistoryUnavailableError(`more than ${maxEvents} events were missed`);
    return rows.map(eventOf);
  }

  /** The account's committed events numbered `from` to `to`, in order (an instance filling a gap, bus.ts). */
  async between(accountId: number, from: number, to: number): Promise<AnyDomainEvent[]> {
    const rows = await this.db.$queryRaw<EventRow[]>`
      SELECT id, seq, name, account_id, data, created_at FROM events
      WHERE account_id = ${accountId} AND seq BETWEEN ${from} AND ${to}
      ORDER BY seq`;
    return rows.map(eventOf);
  }

  /**
   * Deletes events older than the retention (and their finished webhook
   * deliveries), `batch` at a time, keeping every event with a delivery
   * still pending. Returns how many went.
   */
  async prune(batch = 5_000): Promise<number> {
    const cutoff = new Date(this.now().getTime() - this.limits.retentionSeconds * 1000);
    let pruned = 0;
    for (;;) {
      const deleted = await this.db.$executeRaw(writes('events', 'webhook_deliveries')`
        DELETE FROM events WHERE id IN (
          SELECT e.id FROM events e
          WHERE e.created_at < ${cutoff}
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.state = 'pending')
          LIMIT ${batch})`);
      pruned += deleted;
      if (deleted < batch) return pruned;
    }
  }

  /** Prunes every SNYPTO_EVENT_PRUNE_INTERVAL seconds until the returned function is called. */
  schedulePruning(onError: (error: unknown) => void, onPruned?: (count: number) => void): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.prune()
        .then((count) => count > 0 && onPruned?.(count), onError)
        .finally(() => (running = false));
    }, this.limits.pruneIntervalSeconds * 1000);
    timer.unref();
    return () => clearInterval(timer);
  }
}
