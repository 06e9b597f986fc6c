/**
 * The webhook backlog: deliveries due and not yet delivered (pending, with
 * their next attempt in the past). Counted at scrape time, at most once per
 * `cacheMs`, so that frequent scrapes cost one query per few seconds; an
 * answer that does not come within `timeoutMs` counts as unknown (NaN).
 */
import type { PrismaClient } from '../db.ts';
import { withinTime } from './time-limit.ts';

export interface WebhookBacklogOptions {
  /** How long a count stays fresh (default 5 s). */
  cacheMs?: number;
  /** How long a count may take (default 2 s). */
  timeoutMs?: number;
  /** The webhook worker's clock (tests move it); real time by default. */
  now?: () => Date;
  logger: { warn(details: object, message: string): void };
}

/** Returns the function that answers the backlog's size (NaN when the database does not answer). */
export function webhookBacklog(db: PrismaClient, options: WebhookBacklogOptions): () => Promise<number> {
  const cacheMs = options.cacheMs ?? 5000;
  const clock = options.now ?? (() => new Date());
  let cached: { at: number; count: Promise<number> } | undefined;
  const count = async (): Promise<number> => {
    const rows = await db.$queryRaw<{ count: bigint | number }[]>`
      SELECT count(*) AS count FROM webhook_deliveries
      WHERE state = 'pending' AND next_attempt_at <= ${clock()}`;
    return Number(rows[0]?.count ?? 0);
  };
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at >= cacheMs) {
      const fresh = count().catch((error: unknown) => {
        options.logger.warn({ err: error }, 'could not count the webhook backlog');
        return Number.NaN;
      });
      cached = { at: now, count: withinTime(fresh, options.timeoutMs ?? 2000, Number.NaN) };
    }
    return cached.count;
  };
}
