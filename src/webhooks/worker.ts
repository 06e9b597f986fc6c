/**
 * The webhook delivery worker. Deliveries are rows; the worker claims due
 * ones under a lease (`FOR UPDATE SKIP LOCKED`, so instances never take the
 * same attempt), sends each with got, and records the outcome. Failures are
 * retried on the Standard Webhooks schedule. Nothing here runs on the request
 * path: the API only writes rows and wakes the worker.
 */
import { randomUUID } from 'node:crypto';
import got from 'got';
import type { PrismaClient } from '../db.ts';
import { buildWebhookBody } from './payloads.ts';
import { signatureHeaders } from './signature.ts';

/** Delay before attempt n+1 after n attempts (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h). */
export const RETRY_SCHEDULE_MS = [0, 5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 504e5, 72e6, 864e5] as const;

export interface DeliveryWorkerOptions {
  timeoutSeconds: number;
  logger: { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
  /** The worker's clock; tests replace it to walk the retry schedule. */
  now?: () => Date;
  /** How often due retries are looked for when nothing wakes the worker. */
  pollIntervalMs?: number;
  batchSize?: number;
  leaseMs?: number;
}

interface Outcome {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
  retryAfterMs?: number;
  gone: boolean;
}

export class DeliveryWorker {
  private readonly workerId = `worker-${randomUUID()}`;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private wakeAgain = false;
  private stopped = true;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: PrismaClient,
    private readonly options: DeliveryWorkerOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.options.pollIntervalMs ?? 1000);
    this.timer.unref();
    this.wake();
  }

  /** Stops claiming, and waits for the sends under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Looks for due deliveries now (called after each commit that planned some). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeAgain = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'webhook worker failed'))
      .finally(() => {
        this.running = undefined;
        if (this.wakeAgain) {
          this.wakeAgain = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const ids = await this.claim();
      if (ids.length === 0) return;
      for (const id of ids) {
        const send = this.deliver(id)
          .catch((error: unknown) => this.options.logger.error({ err: error, deliveryId: id }, 'delivery failed'))
          .finally(() => this.inFlight.delete(send));
        this.inFlight.add(send);
      }
    }
  }

  private async claim(): Promise<string[]> {
    const now = this.now();
    const leaseUntil = new Date(now.getTime() + (this.options.leaseMs ?? 60_000));
    const rows = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE webhook_deliveries SET locked_until = ${leaseUntil}, locked_by = ${this.workerId}
      WHERE id IN (
        SELECT id FROM webhook_deliveries
        WHERE state = 'pending' AND next_attempt_at <= ${now}
          AND (locked_until IS NULL OR locked_until < ${now})
        ORDER BY next_attempt_at, created_at
        LIMIT ${this.options.batchSize ?? 50}
        FOR UPDATE SKIP LOCKED)
      RETURNING id::text AS id`;
    return rows.map((r) => r.id);
  }

  private async deliver(id: string): Promise<void> {
    const delivery = await this.db.webhookDelivery.findUniqueOrThrow({
      where: { id },
      include: {
        event: true,
        webhook: { select: { secret: true, disabledAt: true } },
      },
    });
    const secret = delivery.webhook?.secret ?? (await this.inboxSecret(delivery.inboxId));
    let body = delivery.body;
    if (body === null) {
      const payload = await buildWebhookBody(this.db, delivery.event);
      if (!payload || !secret) {
        await this.db.webhookDelivery.update({
          where: { id },
          data: { state: 'failed', lastError: 'the event no longer has a subject', lockedUntil: null },
        });
        return;
      }
      body = JSON.stringify(payload);
      await this.db.webhookDelivery.update({ where: { id }, data: { body } });
    }
    const outcome = await this.send(delivery.url, body, secret ?? '', id);
    await this.record(id, delivery.attempts + 1, delivery.webhookId, outcome);
  }

  private async inboxSecret(inboxId: number | null): Promise<string | null> {
    if (inboxId === null) return null;
    const inbox = await this.db.inbox.findUnique({ where: { id: inboxId }, select: { channel: { select: { secret: true } } } });
    return inbox?.channel.secret ?? null;
  }

  private async send(url: string, body: string, secret: string, deliveryId: string): Promise<Outcome> {
    const started = performance.now();
    const timestamp = Math.floor(this.now().getTime() / 1000);
    try {
      const response = await got.post(url, {
        body,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': 'Snypto-Webhooks/1',
          ...signatureHeaders(secret, deliveryId, timestamp, body),
        },
        timeout: { request: this.options.timeoutSeconds * 1000 },
        followRedirect: false,
        retry: { limit: 0 },
        throwHttpErrors: false,
      });
      const status = response.statusCode;
      const ok = status >= 200 && status < 300;
      return {
        ok,
        status,
        error: ok ? null : `${status} ${response.statusMessage ?? ''}`.trim(),
        durationMs: Math.round(performance.now() - started),
        retryAfterMs: status === 429 || status === 503 ? retryAfterMs(response.headers['retry-after'], this.now()) : undefined,
        gone: status === 410,
      };
    } catch (error) {
      return {
        ok: false,
        status: null,
        error: error instanceof Error ? error.message : String(error),
        durationMs: Math.round(performance.now() - started),
        gone: false,
      };
    }
  }

  private async record(id: string, attempts: number, webhookId: number | null, outcome: Outcome): Promise<void> {
    const now = this.now();
    const exhausted = attempts >= RETRY_SCHEDULE_MS.length;
    const delay = Math.max(RETRY_SCHEDULE_MS[Math.min(attempts, RETRY_SCHEDULE_MS.length - 1)]!, outcome.retryAfterMs ?? 0);
    const state = outcome.ok ? 'succeeded' : outcome.gone ? 'disabled' : exhausted ? 'failed' : 'pending';
    await this.db.webhookDelivery.update({
      where: { id },
      data: {
        state,
        attempts,
        lastAttemptAt: now,
        responseStatus: outcome.status,
        durationMs: outcome.durationMs,
        lastError: outcome.error,
        nextAttemptAt: state === 'pending' ? new Date(now.getTime() + delay) : now,
        lockedUntil: null,
        lockedBy: null,
      },
    });
    if (outcome.gone && webhookId !== null)
      await this.db.webhook.update({ where: { id: webhookId }, data: { disabledAt: now } });
    if (!outcome.ok)
      this.options.logger.warn({ deliveryId: id, attempts, status: outcome.status, error: outcome.error }, 'webhook delivery failed');
  }
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now. */
function retryAfterMs(header: string | undefined, now: Date): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
