/**
 * `GET /ready`, the readiness probe: 200 while the database answers and the
 * event bus can publish, 503 naming the part that fails, 503 `draining` from
 * the moment shutdown begins. Each check is bounded, so the probe never
 * hangs. (`GET /health` stays the liveness probe: 200 while the process serves.)
 */
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db.ts';
import type { EventBus } from '../events/bus.ts';
import { withinTime } from './time-limit.ts';

export type ReadinessReport =
  | { status: 'ready'; database: 'ok'; redis: 'ok' | 'not configured' }
  | { status: 'unavailable'; database: 'ok' | 'unreachable'; redis: 'ok' | 'unreachable' | 'not configured' }
  | { status: 'draining' };

export interface ReadinessOptions {
  database: Pick<Database, 'prisma'>;
  bus: Pick<EventBus, 'ready'>;
  /** Whether REDIS_URL is set (the report says `not configured` otherwise). */
  redisConfigured: boolean;
  /** How long each check may take before its part counts as unreachable (default 2 s). */
  timeoutMs?: number;
  logger: { info(details: object, message: string): void; warn(details: object, message: string): void };
}

export class Readiness {
  private draining = false;
  private lastStatus: ReadinessReport['status'] = 'ready';

  constructor(private readonly options: ReadinessOptions) {}

  /** From now on the probe answers 503 `draining`: load balancers stop sending traffic. */
  beginDrain(): void {
    this.draining = true;
  }

  async check(): Promise<ReadinessReport> {
    if (this.draining) return { status: 'draining' };
    const timeoutMs = this.options.timeoutMs ?? 2000;
    const [databaseOk, redisOk] = await Promise.all([
      withinTime(
        this.options.database.prisma.$queryRaw`SELECT 1`.then(
          () => true,
          () => false,
        ),
        timeoutMs,
        false,
      ),
      this.options.redisConfigured ? withinTime(this.options.bus.ready().catch(() => false), timeoutMs, false) : true,
    ]);
    const database = databaseOk ? 'ok' : 'unreachable';
    const redis = !this.options.redisConfigured ? 'not configured' : redisOk ? 'ok' : 'unreachable';
    const report: ReadinessReport =
      database === 'ok' && redis !== 'unreachable' ? { status: 'ready', database, redis } : { status: 'unavailable', database, redis };
    // Once per change, not once per probe.
    if (report.status !== this.lastStatus && !this.draining) {
      if (report.status === 'unavailable') this.options.logger.warn(report, 'not ready');
      else this.options.logger.info(report, 'ready again');
      this.lastStatus = report.status;
    }
    return report;
  }

  mount(http: FastifyInstance): void {
    http.get('/ready', async (_request, reply) => {
      const report = await this.check();
      return reply
        .code(report.status === 'ready' ? 200 : 503)
        .header('cache-control', 'no-store')
        .send(report);
    });
  }
}
