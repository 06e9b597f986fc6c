/**
 * Webhook benchmark (run on demand: `npm run bench:webhooks`).
 *
 * 1. Backlog: an API inbox whose receiver is down (it answers 503 with
 *    `Retry-After: 3600`) collects the deliveries of BENCH_BACKLOG (10,000)
 *    new messages. The receiver then comes back (answers 200) and the
 *    retries fall due at once; printed: deliveries per second until the
 *    last one arrives.
 * 2. Latency: with a healthy receiver, messages are created at
 *    BENCH_RATE (50) a second for BENCH_SECONDS (10); printed: p50/p99 of
 *    the time from the message's `created_at` (written inside the
 *    transaction, so slightly before its commit) to the receiver reading
 *    the delivery.
 *
 * Snypto runs in its own process on a scratch PostgreSQL database
 * (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test); the
 * receiver is a plain node:http server in this process.
 *
 * Its first line (stderr) says how long it will take; progress lines follow
 * on stderr, the figures on stdout. The scratch database and the server go
 * at the end, on failure and on Ctrl-C (bench/support.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { announce, ESTIMATE, finished, phase, rest, spawnServer, withScratchDatabase } from '../support.ts';

const backlog = Number(process.env.BENCH_BACKLOG ?? 10_000);
const rate = Number(process.env.BENCH_RATE ?? 50);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const token = 'bench-admin-token-0123456789';
/** Conversations each inbox spreads its messages over (none reaches the flood guard's 200 a minute). */
const CONVERSATIONS = 100;

announce(
  `webhook delivery: a backlog of ${backlog} deliveries to a receiver that is down, drained once it is back; then ${rate} messages/s for ${seconds} s to a healthy one`,
  {
    'set-up': ESTIMATE.serverStart + 2 * CONVERSATIONS * 2 * ESTIMATE.restCall,
    'building the backlog': backlog / 80,
    'draining it': backlog / 400,
    'steady rate': seconds + 1,
  },
);

/**
 * The receiver: counts what arrives per path (and, as `<path>:message_created`,
 * the message deliveries among it), answers as `healthy` says, and notes
 * each message delivery's delay.
 */
class Receiver {
  healthy = false;
  readonly counts = new Map<string, number>();
  readonly delaysMs: number[] = [];
  private readonly waiters: { path: string; count: number; resolve: () => void }[] = [];
  private server: Server | undefined;
  url = '';

  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (!this.healthy) {
          res.writeHead(503, { 'retry-after': '3600' }).end();
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event: string; created_at?: string };
        const path = req.url ?? '/';
        const keys = body.event === 'message_created' ? [path, `${path}:message_created`] : [path];
        for (const key of keys) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
        if (path === '/live' && body.event === 'message_created' && body.created_at)
          this.delaysMs.push(Date.now() - Date.parse(body.created_at));
        res.writeHead(200).end('ok');
        for (const waiter of [...this.waiters])
          if (keys.includes(waiter.path) && this.counts.get(waiter.path)! >= waiter.count) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once `count` deliveries reached `path` (a path, or `<path>:message_created`). */
  until(path: string, count: number, timeoutMs: number): Promise<void> {
    if ((this.counts.get(path) ?? 0) >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.counts.get(path) ?? 0} of ${count} deliveries reached ${path}`)),
        timeoutMs,
      );
      this.waiters.push({ path, count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  close() {
    this.server?.closeAllConnections();
    return new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** An API inbox delivering to `webhookUrl`, with CONVERSATIONS conversations (`counter.done` counts them); returns their messages paths. */
async function conversationDeliveringTo(url: string, webhookUrl: string, counter: { done: number } = { done: 0 }) {
  const profile = await rest(url, token, 'GET', '/api/v1/profile');
  const account = `/api/v1/accounts/${profile.account_id}`;
  const inbox = await rest(url, token, 'POST', `${account}/inboxes`, {
    name: 'Bench',
    channel: { type: 'api', webhook_url: webhookUrl },
  });
  const paths: string[] = [];
  // Messages spread over conversations, so that none reaches the flood guard (200 a minute each).
  for (let i = 0; i < CONVERSATIONS; i++) {
    const contact = await rest(url, token, 'POST', `${account}/contacts`, { name: `Customer ${i}`, inbox_id: inbox.id });
    const conversation = await rest(url, token, 'POST', `${account}/conversations`, {
      source_id: contact.payload.contact_inbox.source_id,
    });
    paths.push(`${account}/conversations/${conversation.id}/messages`);
    counter.done++;
  }
  return { inboxId: inbox.id as number, paths };
}

const post = (url: string, path: string, n: number) =>
  rest(url, token, 'POST', path, { content: `Message ${n}`, message_type: 'incoming' });

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const receiver = new Receiver();
await receiver.start();
const result = await withScratchDatabase(databaseUrl, async (database) => {
  const server = await phase('starting Snypto', () =>
    spawnServer('src/main.ts', {
      DATABASE_URL: database,
      SNYPTO_DATA_DIR: tmpdir(),
      SNYPTO_ADMIN_TOKEN: token,
      SNYPTO_WEBHOOK_ALLOW_PRIVATE: 'true',
    }),
  );
  const db = new pg.Client({ connectionString: database });
  await db.connect();
  try {
    // 1. The backlog, built while the receiver is down.
    const made = { done: 0 };
    const down = await phase(
      `an inbox delivering to the receiver, which is down, with ${CONVERSATIONS} conversations`,
      () => conversationDeliveringTo(server.url, `${receiver.url}/backlog`, made),
      () => `${made.done} of ${CONVERSATIONS} conversations`,
    );
    let posted = 0;
    await phase(
      `backlog: posting ${backlog} messages`,
      async () => {
        for (let n = 0; n < backlog; n += 20) {
          await Promise.all(Array.from({ length: Math.min(20, backlog - n) }, (_, k) => post(server.url, down.paths[(n + k) % CONVERSATIONS]!, n + k)));
          posted = Math.min(backlog, n + 20);
        }
      },
      () => `${posted} of ${backlog} messages posted`,
    );
    // Every planned delivery has had its first attempt refused (or is about to): wait until none is in flight.
    let pending = 0;
    let untried = 0;
    await phase(
      'backlog: waiting until every first attempt was refused',
      async () => {
        for (let i = 0; i < 600; i++) {
          const { rows } = await db.query<{ pending: number; untried: number }>(
            `SELECT count(*)::int AS pending, count(*) FILTER (WHERE attempts = 0)::int AS untried
             FROM webhook_deliveries WHERE inbox_id = $1 AND state = 'pending'`,
            [down.inboxId],
          );
          pending = rows[0]!.pending;
          untried = rows[0]!.untried;
          if (untried === 0) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      () => `${untried} of ${pending} deliveries not tried yet`,
    );
    receiver.healthy = true;
    const drainSeconds = await phase(
      `backlog: the receiver is back, draining ${pending} deliveries`,
      async () => {
        const started = performance.now();
        await db.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE inbox_id = $1 AND state = 'pending'`, [down.inboxId]);
        await receiver.until('/backlog', pending, 600_000);
        return (performance.now() - started) / 1000;
      },
      () => `${receiver.counts.get('/backlog') ?? 0} of ${pending} delivered`,
    );

    // 2. Commit-to-receipt latency at a steady rate.
    const live = await phase(`an inbox delivering to the healthy receiver, with ${CONVERSATIONS} conversations`, () =>
      conversationDeliveringTo(server.url, `${receiver.url}/live`),
    );
    const total = rate * seconds;
    let sent = 0;
    await phase(
      `steady rate: ${rate} messages/s for ${seconds} s`,
      async () => {
        const sends: Promise<unknown>[] = [];
        const begin = performance.now();
        for (let n = 0; n < total; n++) {
          const due = begin + (n * 1000) / rate;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          sends.push(post(server.url, live.paths[n % CONVERSATIONS]!, n));
          sent = n + 1;
        }
        await Promise.all(sends);
        await receiver.until('/live:message_created', total, 60_000);
      },
      () => `${sent} of ${total} messages posted, ${receiver.delaysMs.length} delivered`,
    );
    return { pending, drainSeconds, delays: [...receiver.delaysMs].sort((a, b) => a - b) };
  } finally {
    await db.end();
    await server.stop();
  }
});
await receiver.close();

const perSecond = result.pending / result.drainSeconds;
console.log(`\nWebhook delivery on PostgreSQL to a local receiver`);
console.log('| measure | figure | target |');
console.log('|---|---:|---:|');
console.log(`| backlog of ${result.pending} deliveries, receiver back: deliveries/s | ${perSecond.toFixed(0)} (${result.drainSeconds.toFixed(1)} s) | ≥ 500 |`);
console.log(`| ${rate} messages/s for ${seconds} s: created_at → receipt p50 ms | ${percentile(result.delays, 0.5)} | |`);
console.log(`| ${rate} messages/s for ${seconds} s: created_at → receipt p99 ms | ${percentile(result.delays, 0.99)} | < 100 |`);
finished();
