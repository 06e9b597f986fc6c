/**
 * The webhook delivery worker. Deliveries are rows; the worker claims due
 * ones under a lease (`FOR UPDATE SKIP LOCKED`, so instances never take the
 * same attempt), sends each with got, and records the outcome. Failures are
 * retried on the Standard Webhooks schedule. Nothing here runs on the request
 * path: the API only writes rows and wakes the worker. Each send runs on its
 * own (a slow receiver holds only its own deliveries), connects only to
 * addresses the destination guard let through, and never follows redirects.
 * An API inbox's message deliveries also mark the message failed or sent
 * again (src/domain/messages/delivery-status.ts).
 */
import { randomUUID } from 'node:crypto';
import got from 'got';
import type { PrismaClient } from '../db.ts';
import type { MessageDeliveryStatus } from '../domain/messages/delivery-status.ts';
import { writes } from '../write-tables.ts';
import { PRIVATE_DESTINATION, PrivateDestinationError, type DestinationGuard } from './destination-guard.ts';
import { buildWebhookBody } from './payloads.ts';
import { signatureHeaders } from './signature.ts';

/** Delay before attempt n+1 after n attempts (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h). */
export const RETRY_SCHEDULE_MS = [0, 5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 504e5, 72e6, 864e5] as const;

export interface DeliveryWorkerOptions {
  timeoutSeconds: number;
  logger: { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
  /** The worker's clock; tests replace it to walk the retry schedule. */
  now?: () => Date;
  /** Refuses private destinations at send time; none: every destination is allowed. */
  guard?: DestinationGuard;
  /** Marks an API inbox's messages failed while their deliveries fail, and sent again after. */
  messageStatus?: MessageDeliveryStatus;
  /** How often due retries are looked for when nothing wakes the worker. */
  pollIntervalMs?: number;
  batchSize?: number;
  /** Sends under way at most (default 64); more due deliveries wait unclaimed. */
  maxInFlight?: number;
  /**
   * How long a claimed delivery stays the claimer's: a send lasts at most the
   * timeout, so by default the timeout plus 5 s. A worker killed mid-send
   * (a crash) thus holds its deliveries only that long before another
   * instance, or this one restarted, sends them again with the same id.
   */
  leaseMs?: number;
  /** Called once per send with its result (metrics). */
  onAttempt?: (attempt: DeliveryAttempt) => void;
}

/** One send's result, as operators count it. */
export interface DeliveryAttempt {
  /** The delivery's state after the attempt (`pending`: it will be retried). */
  state: 'succeeded' | 'pending' | 'failed' | 'disabled';
  /** The receiver's HTTP status; null when it did not answer. */
  status: number | null;
  /** Why no answer came: the error's code (got's `ETIMEDOUT`, `ECONNREFUSED`, the guard's refusal…). */
  errorCode?: string;
}

interface Outcome {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
  retryAfterMs?: number;
  gone: boolean;
  /** The destination guard refused the address: retrying cannot help. */
  refused?: boolean;
  errorCode?: string;
}

/** Webhook events whose API-inbox delivery outcome shows on the message (spec/EVENTS.md §1.3). */
const MESSAGE_EVENTS: ReadonlySet<string> = new Set(['message_created', 'message_updated']);

export class DeliveryWorker {
  private readonly workerId = `worker-${randomUUID()}`;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private wakeAgain = false;
  private stopped = true;
  private readonly inFlight = new Set<Promise<void>>();
  /** Callers of `settled()` waiting for the worker to run out of due work. */
  private settledWaiters: { sends: boolean; resolve: () => void }[] = [];

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
    for (const waiter of this.settledWaiters.splice(0)) waiter.resolve();
  }

  /**
   * Test hook: resolves once the worker, woken by this call, has found no
   * delivery due and has no send under way (each send's outcome recorded,
   * on the message too). Deliveries due later (retries) do not count.
   * With `sends: false`, once it has claimed all it may for now (nothing
   * more due, or `maxInFlight` sends under way), without waiting for them.
   */
  settled({ sends = true }: { sends?: boolean } = {}): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.settledWaiters.push({ sends, resolve });
      this.wake();
    });
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
        } else {
          // A drain that ends with nothing in flight claimed nothing: whatever was due is done.
          const done = this.settledWaiters.filter((waiter) => !waiter.sends || this.inFlight.size === 0);
          this.settledWaiters = this.settledWaiters.filter((waiter) => !done.includes(waiter));
          for (const waiter of done) waiter.resolve();
        }
      });
  }

  /**
   * Claims due deliveries while fewer than `maxInFlight` sends are under way.
   * The bound matters with a backlog: a delivery claimed but not yet sent
   * would outlive its lease, be claimed again and go out twice.
   */
  private async drain(): Promise<void> {
    const maxInFlight = this.options.maxInFlight ?? 64;
    while (!this.stopped) {
      const room = maxInFlight - this.inFlight.size;
      // Claim in batches: a send that ends wakes the worker again, and a claim per freed slot would cost a query each.
      if (room <= 0 || (this.inFlight.size > 0 && room < Math.min(16, maxInFlight))) return;
      const ids = await this.claim(Math.min(room, this.options.batchSize ?? 50));
      if (ids.length === 0) return;
      for (const id of ids) {
        const send = this.deliver(id)
          .catch((error: unknown) => this.options.logger.error({ err: error, deliveryId: id }, 'delivery failed'))
          .finally(() => {
            this.inFlight.delete(send);
            this.wake();
          });
        this.inFlight.add(send);
      }
    }
  }

  private async claim(limit: number): Promise<string[]> {
    const now = this.now();
    const leaseUntil = new Date(now.getTime() + (this.options.leaseMs ?? this.options.timeoutSeconds * 1000 + 5000));
    const rows = await this.db.$queryRaw<{ id: string }[]>(writes('webhook_deliveries')`
      UPDATE webhook_deliveries SET locked_until = ${leaseUntil}, locked_by = ${this.workerId}
      WHERE id IN (
        SELECT id FROM webhook_deliveries
        WHERE state = 'pending' AND next_attempt_at <= ${now}
          AND (locked_until IS NULL OR locked_until < ${now})
        ORDER BY next_attempt_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id::text AS id`);
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
    if (delivery.webhook?.disabledAt) {
      // The receiver answered 410 to an earlier delivery: nothing more goes to it.
      await this.db.webhookDelivery.update({
        where: { id },
        data: { state: 'disabled', lastError: 'the webhook is disabled (410 Gone)', lockedUntil: null, lockedBy: null },
      });
      return;
    }
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
    if (delivery.destination === 'api_inbox_webhook' && delivery.inboxId !== null && MESSAGE_EVENTS.has(delivery.eventName)) {
      const history = {
        id,
        failedBefore: delivery.lastError !== null,
        // The body was built while the message showed a failure (a cheap test: a false hit costs one query).
        carriedFailure: body.includes('"external_error"'),
      };
      await this.showOnMessage(delivery.event.data, delivery.inboxId, history, outcome);
    }
  }

  /** The delivery's outcome on the message it carried (failed with external_error, or sent again). */
  private async showOnMessage(
    eventData: unknown,
    inboxId: number,
    delivery: { id: string; failedBefore: boolean; carriedFailure: boolean },
    outcome: Outcome,
  ): Promise<void> {
    const messageId = (eventData as { messageId?: unknown } | null)?.messageId;
    if (!this.options.messageStatus || typeof messageId !== 'number') return;
    try {
      // A success changes nothing unless the message may show a webhook failure: the healthy path costs no query.
      if (outcome.ok && (delivery.failedBefore || delivery.carriedFailure))
        await this.options.messageStatus.succeeded(messageId, inboxId, delivery);
      else if (!outcome.ok) await this.options.messageStatus.failed(messageId, inboxId, outcome.error ?? 'delivery failed');
    } catch (error) {
      this.options.logger.error({ err: error, deliveryId: delivery.id, messageId }, 'could not record the delivery on the message');
    }
  }

  private async inboxSecret(inboxId: number | null): Promise<string | null> {
    if (inboxId === null) return null;
    const inbox = await this.db.inbox.findUnique({ where: { id: inboxId }, select: { channel: { select: { secret: true } } } });
    return inbox?.channel.secret ?? null;
  }

  private async send(url: string, body: string, secret: string, deliveryId: string): Promise<Outcome> {
    const started = performance.now();
    const timestamp = Math.floor(this.now().getTime() / 1000);
    const guard = this.options.guard;
    try {
      guard?.checkLiteral(url);
      const response = await got.post(url, {
        dnsLookup: guard?.connectLookup,
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
        refused: error instanceof PrivateDestinationError || (error as { code?: unknown }).code === PRIVATE_DESTINATION,
        errorCode: typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined,
      };
    }
  }

  private async record(id: string, attempts: number, webhookId: number | null, outcome: Outcome): Promise<void> {
    const now = this.now();
    const exhausted = attempts >= RETRY_SCHEDULE_MS.length;
    const delay = Math.max(RETRY_SCHEDULE_MS[Math.min(attempts, RETRY_SCHEDULE_MS.length - 1)]!, outcome.retryAfterMs ?? 0);
    const state = outcome.ok ? 'succeeded' : outcome.gone ? 'disabled' : exhausted || outcome.refused ? 'failed' : 'pending';
    this.options.onAttempt?.({ state, status: outcome.status, errorCode: outcome.errorCode });
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
