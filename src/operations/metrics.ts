/**
 * `GET /metrics`: Prometheus text format from prom-client, on a registry of
 * this app's own (never the global one: several apps may share a process).
 * Every name starts with `snypto_`:
 *
 * - the process's default metrics (CPU, memory, event loop lag, GC, handles);
 * - `http_requests_total{method,route,status}`, `http_request_duration_seconds{method,route}`,
 *   `route` being the route's pattern (`/api/v1/accounts/:account_id/...`) or `unmatched`,
 *   never the raw URL;
 * - `open_sockets{transport}` (`graphql-ws`, `cable`, `sse`) and `subscriptions{transport}`
 *   where the transport can count them, read at scrape time;
 * - `webhook_backlog` (deliveries due and not delivered), `webhook_deliveries_total{outcome}`,
 *   `webhook_delivery_failures_total{reason}`;
 * - `event_fanout_seconds`: from an event's publication on one instance to its
 *   arrival on this one, through Redis (in process there is nothing to measure).
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PRIVATE_DESTINATION } from '../webhooks/destination-guard.ts';
import type { DeliveryAttempt } from '../webhooks/worker.ts';

export const METRIC_PREFIX = 'snypto_';

export type Transport = 'graphql-ws' | 'cable' | 'sse';

/** What the gauges read at scrape time. */
export interface MetricSources {
  openSockets: Record<Transport, () => number>;
  subscriptions: Partial<Record<Transport, () => number>>;
  /** Deliveries due and not delivered (NaN when unknown). */
  webhookBacklog: () => Promise<number>;
}

/** Why a webhook attempt failed, in few enough words to be a label. */
export function failureReason(attempt: DeliveryAttempt): string {
  if (attempt.status !== null) return attempt.status === 410 ? 'gone' : `http_${Math.floor(attempt.status / 100)}xx`;
  switch (attempt.errorCode) {
    case 'ETIMEDOUT':
      return 'timeout';
    case PRIVATE_DESTINATION:
      return 'refused_destination';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    default:
      return 'connection';
  }
}

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly requestDuration: Histogram<'method' | 'route'>;
  private readonly deliveries: Counter<'outcome'>;
  private readonly deliveryFailures: Counter<'reason'>;
  private readonly fanOut: Histogram;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    this.requests = new Counter({
      name: `${METRIC_PREFIX}http_requests_total`,
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: 'Time from receiving an HTTP request to the end of its response (an event stream: its whole life)',
      labelNames: ['method', 'route'],
      registers,
    });
    this.deliveries = new Counter({
      name: `${METRIC_PREFIX}webhook_deliveries_total`,
      help: 'Webhook send attempts, by the delivery state they led to (pending: to be retried)',
      labelNames: ['outcome'],
      registers,
    });
    this.deliveryFailures = new Counter({
      name: `${METRIC_PREFIX}webhook_delivery_failures_total`,
      help: 'Failed webhook send attempts, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.fanOut = new Histogram({
      name: `${METRIC_PREFIX}event_fanout_seconds`,
      help: "Time from an event's publication to its arrival on this instance through Redis",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }

  /** The worker's `onAttempt`. */
  readonly webhookAttempt = (attempt: DeliveryAttempt): void => {
    this.deliveries.inc({ outcome: attempt.state });
    if (attempt.state !== 'succeeded') this.deliveryFailures.inc({ reason: failureReason(attempt) });
  };

  /** The event bus's `onFanOut`. */
  readonly eventFanOut = (latencyMs: number): void => {
    this.fanOut.observe(Math.max(0, latencyMs) / 1000);
  };

  /** Counts and times every response by its route's pattern. */
  measureRequests(http: FastifyInstance): void {
    http.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const method = request.method;
      this.requests.inc({ method, route, status: String(reply.statusCode) });
      this.requestDuration.observe({ method, route }, reply.elapsedTime / 1000);
      done();
    });
  }

  /** Registers the gauges read at scrape time. */
  observe(sources: MetricSources): void {
    const registers = [this.registry];
    const byTransport = (name: string, help: string, counts: Partial<Record<Transport, () => number>>) =>
      new Gauge({
        name: `${METRIC_PREFIX}${name}`,
        help,
        labelNames: ['transport'],
        registers,
        collect() {
          for (const [transport, count] of Object.entries(counts)) this.set({ transport }, count());
        },
      });
    byTransport('open_sockets', 'Open long-lived connections, by transport', sources.openSockets);
    byTransport('subscriptions', 'Active subscriptions, by transport (where the transport can count them)', sources.subscriptions);
    new Gauge({
      name: `${METRIC_PREFIX}webhook_backlog`,
      help: 'Webhook deliveries due and not yet delivered (NaN when the database did not answer)',
      registers,
      async collect() {
        this.set(await sources.webhookBacklog());
      },
    });
  }

  mount(http: FastifyInstance): void {
    http.get('/metrics', async (_request, reply) => {
      const text = await this.registry.metrics();
      return reply.header('content-type', this.registry.contentType).header('cache-control', 'no-store').send(text);
    });
  }
}
