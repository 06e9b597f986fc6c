/**
 * Scale-out benchmark (run on demand: `npm run bench:scale`).
 *
 * Two Snypto instances, A and B, on one scratch PostgreSQL database and one
 * Redis (REDIS_URL), as behind a load balancer:
 *
 * 1. Cross-instance delivery latency. Messages are created through REST on
 *    A at a fixed rate for BENCH_SECONDS (10 s; open loop: a send never
 *    waits for the previous answer) and received on B by the administrator:
 *    over graphql-ws (`messageCreated`) at BENCH_RATE (200/s), then over
 *    graphql-ws and /cable (RoomChannel) at BENCH_CABLE_RATE (50/s).
 *    Printed, p50/p99/max, two ways:
 *    - created_at → receipt: from the message's `created_at` (set on A, by
 *      this machine's clock, just before the INSERT; the COMMIT follows
 *      within a millisecond or two) to B's subscriber reading it: what the
 *      fan-out adds after the write;
 *    - send → receipt: from just before the POST on A, the request included.
 *    B does nothing else meanwhile: its CPU over the first run's messages is
 *    the cost of one cross-instance delivery to one subscriber.
 * 2. Idle sockets: BENCH_IDLE_SOCKETS (5,000) /cable connections opened to B
 *    and left idle (pinged every 3 s): B's CPU per socket and second (their
 *    memory is bench:cable's 4 KB each; B's heap makes RSS too noisy here).
 * 3. CPU per create: BENCH_CONNECTIONS (50) concurrent clients post messages
 *    for BENCH_SECONDS, half to A and half to B, no subscriber connected;
 *    from /proc, the CPU time (user + system) of both Snypto processes, of
 *    PostgreSQL (the backends of the scratch database, and PostgreSQL's
 *    shared background processes: WAL writer, checkpointer, background
 *    writer, autovacuum) and of Redis, over the creates that succeeded.
 *
 * Then a capacity estimate for BENCH_TARGET_RATE (2,000) messages/s with
 * BENCH_TARGET_SOCKETS (50,000) open sockets from these measured costs.
 *
 * Options (environment): DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test,
 * whose server gets a scratch database), REDIS_URL (default redis://127.0.0.1:6379),
 * BENCH_CONVERSATIONS (default 500), BENCH_POOL_SIZE (default 10), BENCH_IDLE_WINDOW_SECONDS
 * (each of phase 2's CPU windows, default 15).
 *
 * Its first line (stderr) says how long it will take; progress lines follow
 * on stderr, the figures on stdout. The scratch database and both instances
 * go at the end, on failure and on Ctrl-C (bench/support.ts).
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import autocannon from 'autocannon';
import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import pg from 'pg';
import { WebSocket } from 'ws';
import {
  announce,
  countedAutocannon,
  ESTIMATE,
  finished,
  phase,
  processCpuMs,
  seedConversations,
  spawnServer,
  withScratchDatabase,
  type Spawned,
} from '../support.ts';

const rate = Number(process.env.BENCH_RATE ?? 200);
const cableRate = Number(process.env.BENCH_CABLE_RATE ?? 50);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const conversationCount = Number(process.env.BENCH_CONVERSATIONS ?? 500);
const idleSockets = Number(process.env.BENCH_IDLE_SOCKETS ?? 5_000);
const poolSize = Number(process.env.BENCH_POOL_SIZE ?? 10);
const targetRate = Number(process.env.BENCH_TARGET_RATE ?? 2_000);
const targetSockets = Number(process.env.BENCH_TARGET_SOCKETS ?? 50_000);
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const token = 'bench-admin-token-0123456789';
/** Memory per idle /cable socket as bench:cable measured it (README), used for the estimate. */
const CABLE_SOCKET_KB = 4;
/** Subscription deliveries (re-load + send) each message costs in all, for the estimate: the contact's and the agents' audience on two instances. */
const DELIVERIES_PER_MESSAGE = 3;
/** The share of a core an instance, or PostgreSQL, is planned to use: headroom for bursts and p99. */
const PLANNED_UTILISATION = 0.6;

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The idle-socket phase's two CPU windows (default 15 s: five ping rounds each). */
const IDLE_WINDOW_MS = Number(process.env.BENCH_IDLE_WINDOW_SECONDS ?? 15) * 1000;
announce(
  `scale-out: two instances on one database and Redis; cross-instance delivery at ${rate}/s and ${cableRate}/s for ${seconds} s each, ` +
    `${idleSockets} idle /cable sockets, ${connections} clients creating messages for ${seconds} s; then a capacity estimate`,
  {
    'set-up': 1.5 * ESTIMATE.serverStart + conversationCount * ESTIMATE.perSeededConversation + 2,
    'delivery latency': 2 * (seconds + 2),
    'idle sockets': (2 * IDLE_WINDOW_MS) / 1000 + 3 + idleSockets / 2_000,
    'CPU per create': 2 + seconds,
  },
);

// ---------------------------------------------------------------- measuring

/** CPU ms (user + system) of a process so far, or 0 when it is gone (a PostgreSQL backend that ended). */
const cpuOf = (pid: number) => processCpuMs(pid).catch(() => 0);

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/**
 * PostgreSQL's processes this run may charge: the backends connected to the
 * scratch database, and the background processes every database shares
 * (charged wholly to this run: an overestimate if others write meanwhile).
 */
async function postgresPids(admin: pg.Client, database: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
     WHERE (backend_type = 'client backend' AND datname = $1) OR backend_type <> 'client backend'`,
    [database],
  );
  return rows.map((r) => r.pid);
}

/** CPU ms so far of each process, by pid. */
async function cpuByPid(pids: number[]): Promise<Map<number, number>> {
  return new Map(await Promise.all(pids.map(async (pid) => [pid, await cpuOf(pid)] as const)));
}

/** CPU ms used between two samples; a process first seen in `after` started within the window (all its CPU counts). */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

// ---------------------------------------------------------------- seeding

// ---------------------------------------------------------------- subscribers on B

/** What a subscriber saw: content → receipt time (performance.now()) and, for graphql-ws, created_at (epoch ms). */
interface Receipts {
  at: Map<string, number>;
  createdAt: Map<string, number>;
}

const MESSAGE_CREATED = `subscription ($scope: EventScope) { messageCreated(scope: $scope) { content createdAt } }`;

function graphqlWsSubscriber(wsUrl: string, accountGlobalId: string) {
  const receipts: Receipts = { at: new Map(), createdAt: new Map() };
  const client = createClient({ url: `${wsUrl}/graphql`, webSocketImpl: WebSocket, connectionParams: { api_access_token: token }, lazy: false, retryAttempts: 0 });
  client.subscribe<{ messageCreated: { content: string; createdAt: string } }>(
    { query: MESSAGE_CREATED, variables: { scope: { accountId: accountGlobalId } } },
    {
      next: (result) => {
        const message = result.data?.messageCreated;
        if (!message) return;
        receipts.at.set(message.content, performance.now());
        receipts.createdAt.set(message.content, Date.parse(message.createdAt));
      },
      error: (error) => console.error('graphql-ws subscription failed', error),
      complete: () => undefined,
    },
  );
  return { receipts, close: () => client.dispose() };
}

async function cableSubscriber(wsUrl: string, identifier: string) {
  const receipts: Receipts = { at: new Map(), createdAt: new Map() };
  const socket = new WebSocket(`${wsUrl}/cable`, ['actioncable-v1-json']);
  let confirmed!: () => void;
  const confirmation = new Promise<void>((resolve) => (confirmed = resolve));
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'confirm_subscription') confirmed();
    else if (frame.message?.event === 'message.created') receipts.at.set(frame.message.data.content, performance.now());
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ command: 'subscribe', identifier }));
  await confirmation;
  return { receipts, close: () => socket.close() };
}

// ---------------------------------------------------------------- phases

interface Latency {
  p50: number;
  p99: number;
  max: number;
  received: number;
}

const latencyOf = (values: number[], received: number): Latency => {
  const sorted = values.sort((x, y) => x - y);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN, received };
};

/** What the latency phase under way has sent, for progress lines. */
const latencyProgress = { sent: 0, total: 0, received: () => 0 };
const latencyStatus = () => `${latencyProgress.sent} of ${latencyProgress.total} messages sent, ${latencyProgress.received()} received on B`;

/** Phase 1: messages on A at `rate`/s; receipts on B. */
async function crossInstanceLatency(a: Spawned, paths: string[], rate: number, subscribers: { name: string; receipts: Receipts }[]) {
  const post = (path: string, content: string) =>
    fetch(`${a.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', api_access_token: token },
      body: JSON.stringify({ content, message_type: 'incoming' }),
    }).then((r) => r.text());

  // Live once a probe reaches every subscriber.
  for (let probe = 0; ; probe++) {
    if (probe === 100) throw new Error('the subscribers on B never received a message created on A');
    const content = `probe ${rate} ${probe}`;
    await post(paths[0]!, content);
    await settle(100);
    if (subscribers.every((s) => s.receipts.at.has(content))) break;
  }

  const total = rate * seconds;
  const sentAt = new Map<string, number>();
  Object.assign(latencyProgress, { sent: 0, total, received: () => subscribers[0]!.receipts.at.size });
  const pending: Promise<string>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await settle(wait);
    const content = `latency ${rate} ${i}`;
    sentAt.set(content, performance.now());
    pending.push(post(paths[i % paths.length]!, content));
    latencyProgress.sent = i + 1;
  }
  await Promise.all(pending);
  const deadline = performance.now() + 5_000;
  while (performance.now() < deadline && !subscribers.every((s) => [...sentAt.keys()].every((c) => s.receipts.at.has(c)))) await settle(50);
  const graphqlCreatedAt = subscribers[0]!.receipts.createdAt;
  // created_at is epoch ms; receipts are performance.now(): the offset between the two clocks of this process.
  const epochOffset = performance.timeOrigin;
  return subscribers.map(({ name, receipts }) => {
    const fromSend: number[] = [];
    const fromCreatedAt: number[] = [];
    for (const [content, sent] of sentAt) {
      const at = receipts.at.get(content);
      if (at === undefined) continue;
      fromSend.push(at - sent);
      const createdAt = graphqlCreatedAt.get(content);
      if (createdAt !== undefined) fromCreatedAt.push(epochOffset + at - createdAt);
    }
    return { name, rate, sent: total, fromSend: latencyOf(fromSend, fromSend.length), fromCreatedAt: latencyOf(fromCreatedAt, fromCreatedAt.length) };
  });
}

/** What the idle-socket phase is doing, for progress lines. */
const idleProgress = { step: '' };

/** Phase 2: idle /cable sockets on B: CPU per socket-second and memory per socket. */
async function idleSocketCost(b: Spawned) {
  const pid = b.child.pid!;
  const window = IDLE_WINDOW_MS;
  const before = await cpuOf(pid);
  idleProgress.step = `B's CPU without sockets (${window / 1000} s)`;
  await settle(window);
  const baseline = (await cpuOf(pid)) - before;
  const sockets: WebSocket[] = [];
  for (let i = 0; i < idleSockets; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, idleSockets - i) }, async () => {
        const socket = new WebSocket(`${b.url.replace(/^http/, 'ws')}/cable`, ['actioncable-v1-json']);
        await new Promise<void>((resolve, reject) => {
          socket.once('message', () => resolve());
          socket.once('error', reject);
        });
        sockets.push(socket);
        idleProgress.step = `${sockets.length} of ${idleSockets} sockets open`;
      }),
    );
  }
  await settle(2_000);
  const start = await cpuOf(pid);
  idleProgress.step = `B's CPU with ${idleSockets} idle sockets (${window / 1000} s)`;
  await settle(window);
  const loaded = (await cpuOf(pid)) - start;
  for (const socket of sockets) socket.terminate();
  await settle(1_000);
  return {
    cpuMsPerSocketSecond: Math.max(0, loaded - baseline) / idleSockets / (window / 1000),
  };
}

/** The load phase's autocannon runs, for progress lines. */
const cpuProgress = { statuses: [] as (() => string)[] };

/** Phase 3: `connections` clients creating messages, half on A and half on B; CPU per create. */
async function cpuPerCreate(servers: Spawned[], paths: string[], pgPids: () => Promise<number[]>, redisPid: number | undefined) {
  let sent = 0;
  const run = (url: string, duration: number) => {
    const running = countedAutocannon({
      url,
      connections: Math.max(1, Math.round(connections / servers.length)),
      duration,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', api_access_token: token },
          setupRequest: (request: autocannon.Request) => {
            sent++;
            return { ...request, path: paths[sent % paths.length], body: JSON.stringify({ content: `load ${sent}`, message_type: 'incoming' }) };
          },
        },
      ],
    });
    cpuProgress.statuses.push(running.status);
    return running.result;
  };
  await Promise.all(servers.map((s) => run(s.url, 2)));
  const others = [...servers.map((s) => s.child.pid!), ...(redisPid ? [redisPid] : [])];
  const before = await cpuByPid([...others, ...(await pgPids())]);
  const results = await Promise.all(servers.map((s) => run(s.url, seconds)));
  const pgAfter = await cpuByPid(await pgPids());
  const othersAfter = await cpuByPid(others);
  const of = (pids: number[]) => cpuBetween(before, new Map(pids.map((pid) => [pid, othersAfter.get(pid)!])));
  const [snyptoMs, redisMs, postgresMs] = [of(servers.map((s) => s.child.pid!)), of(redisPid ? [redisPid] : []), cpuBetween(before, pgAfter)];
  const creates = results.reduce((n, r) => n + r.requests.total - r.non2xx - r.errors, 0);
  const errors = results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
  return {
    creates,
    errors,
    rps: creates / seconds,
    p99: Math.max(...results.map((r) => r.latency.p99)),
    snypto: snyptoMs / creates,
    postgres: postgresMs / creates,
    redis: redisMs / creates,
  };
}

// ---------------------------------------------------------------- report

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
function reportLatency(latency: Awaited<ReturnType<typeof crossInstanceLatency>>) {
  console.log(`\nCross-instance delivery: messages created on A through REST for ${seconds} s at a fixed rate, received on B`);
  console.log('| subscriber on B | rate /s | received | created_at→receipt p50 ms | p99 ms | max ms | send→receipt p50 ms | p99 ms | max ms |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const l of latency)
    console.log(
      `| ${l.name} | ${l.rate} | ${l.fromSend.received}/${l.sent} | ${ms(l.fromCreatedAt.p50)} | ${ms(l.fromCreatedAt.p99)} | ${ms(l.fromCreatedAt.max)} | ` +
        `${ms(l.fromSend.p50)} | ${ms(l.fromSend.p99)} | ${ms(l.fromSend.max)} |`,
    );
  for (const l of latency)
    console.log(`Target p99 under 50 ms (created_at→receipt), ${l.name} at ${l.rate}/s: ${l.fromCreatedAt.p99 < 50 ? 'met' : 'NOT met'} (${ms(l.fromCreatedAt.p99)} ms).`);
}

function reportCosts(
  cpu: Awaited<ReturnType<typeof cpuPerCreate>>,
  deliveryMs: number,
  idle: Awaited<ReturnType<typeof idleSocketCost>>,
  rss: { a: number; b: number },
) {
  console.log(`\nCPU per message create: ${connections} concurrent clients for ${seconds} s, half on A, half on B`);
  console.log(`${cpu.creates} creates (${cpu.rps.toFixed(0)}/s, p99 ${cpu.p99} ms, ${cpu.errors} errors)`);
  console.log('| process | CPU ms per create |');
  console.log('|---|---:|');
  console.log(`| Snypto (A + B, no subscribers connected) | ${cpu.snypto.toFixed(3)} |`);
  console.log(`| PostgreSQL (scratch database's backends + shared background processes) | ${cpu.postgres.toFixed(3)} |`);
  console.log(`| Redis (PUBLISH; no instance subscribed) | ${cpu.redis.toFixed(3)} |`);
  console.log(`| Snypto B per message delivered across instances to one graphql-ws subscriber (at ${rate}/s, above) | ${deliveryMs.toFixed(3)} |`);
  console.log(`\nIdle /cable sockets on B (${idleSockets}, pinged every 3 s): ${(idle.cpuMsPerSocketSecond * 1000).toFixed(2)} µs CPU per socket-second.`);
  console.log(`Resident memory after the run: A ${(rss.a / 2 ** 20).toFixed(0)} MB, B ${(rss.b / 2 ** 20).toFixed(0)} MB.`);

  const snyptoCores =
    (targetRate * (cpu.snypto + DELIVERIES_PER_MESSAGE * deliveryMs)) / 1000 + (targetSockets * idle.cpuMsPerSocketSecond) / 1000;
  const pgCores = (targetRate * cpu.postgres) / 1000;
  const redisCores = (targetRate * cpu.redis) / 1000;
  const instances = Math.max(2, Math.ceil(snyptoCores / PLANNED_UTILISATION));
  const databaseCores = Math.ceil(pgCores / PLANNED_UTILISATION);
  const socketMemoryMb = (targetSockets * CABLE_SOCKET_KB) / 1024;
  console.log(`\nCapacity estimate for ${targetRate} messages/s with ${targetSockets} open sockets (from the costs above):`);
  console.log(
    `- Snypto: ${targetRate}/s × (${cpu.snypto.toFixed(3)} ms create + ${DELIVERIES_PER_MESSAGE} × ${deliveryMs.toFixed(3)} ms delivery) + ${targetSockets} idle sockets × ${(idle.cpuMsPerSocketSecond * 1000).toFixed(2)} µs/s = ${snyptoCores.toFixed(2)} cores of CPU.`,
  );
  console.log(
    `  One instance is one Node.js process: one core at most for its JavaScript. Planned at ${PLANNED_UTILISATION * 100}% of a core each ` +
      `(headroom for bursts and p99), that is ${instances} instances (at least 2 for availability), one core each.`,
  );
  console.log(
    `  Memory: ${targetSockets} sockets × ${CABLE_SOCKET_KB} KB (bench:cable) = ${socketMemoryMb.toFixed(0)} MB over all instances, ` +
      `plus each instance's own ~${(Math.max(rss.a, rss.b) / 2 ** 20).toFixed(0)} MB.`,
  );
  console.log(`- PostgreSQL: ${targetRate}/s × ${cpu.postgres.toFixed(3)} ms = ${pgCores.toFixed(2)} cores; at ${PLANNED_UTILISATION * 100}%: ${databaseCores} database cores.`);
  console.log(`- Redis: ${targetRate}/s × ${cpu.redis.toFixed(3)} ms = ${redisCores.toFixed(2)} cores (single-threaded: one core suffices below 1).`);
  console.log(
    `- Assumed: each message runs ${DELIVERIES_PER_MESSAGE} subscription deliveries in all (the contact's, and the agents' audience on the instances ` +
      'holding them; a /cable audience shares one per event however many agents it has). Not included: webhooks and reads ' +
      '(conversation lists); size for those separately.',
  );
}

// ---------------------------------------------------------------- the run

const redisInfo = new Redis(redisUrl, { lazyConnect: true });
await redisInfo.connect();
const redisPid = Number(/process_id:(\d+)/.exec(await redisInfo.info('server'))?.[1]) || undefined;
redisInfo.disconnect();

/** Fails plainly when an instance has died (its stderr, above, says why). */
function assertAlive(servers: Record<string, Spawned>) {
  for (const [name, server] of Object.entries(servers))
    if (server.child.exitCode !== null || server.child.signalCode !== null)
      throw new Error(`instance ${name} died during the run (exit ${server.child.exitCode ?? server.child.signalCode}); see its stderr above`);
}

await withScratchDatabase(databaseUrl, async (url) => {
  const env = { DATABASE_URL: url, REDIS_URL: redisUrl, SNYPTO_DATA_DIR: tmpdir(), SNYPTO_ADMIN_TOKEN: token, DATABASE_POOL_SIZE: String(poolSize) };
  const [a, b] = await phase('starting instances A and B', () => Promise.all([spawnServer('src/main.ts', env), spawnServer('src/main.ts', env)]));
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const closers: (() => unknown)[] = [];
  try {
    const seeded = { done: 0 };
    const { profile, paths } = await phase(
      `seeding ${conversationCount} conversations`,
      async () => {
        const result = await seedConversations(a.url, token, conversationCount, seeded);
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query('VACUUM ANALYZE');
        await client.end();
        return result;
      },
      () => `${seeded.done} of ${conversationCount} conversations`,
    );

    const accountGlobalId = Buffer.from(`Account:${profile.account_id}`).toString('base64');
    const wsB = b.url.replace(/^http/, 'ws');
    const graphqlWs = graphqlWsSubscriber(wsB, accountGlobalId);
    closers.push(graphqlWs.close);
    const graphqlRow = { name: 'graphql-ws messageCreated', receipts: graphqlWs.receipts };
    // B does nothing but deliver during this phase: its CPU over the messages is the cost of one cross-instance delivery.
    const deliveryBefore = await cpuOf(b.child.pid!);
    const latency = await phase(
      `delivery A → B over graphql-ws, ${rate}/s for ${seconds} s`,
      () => crossInstanceLatency(a, paths, rate, [graphqlRow]),
      latencyStatus,
    );
    const deliveryMs = ((await cpuOf(b.child.pid!)) - deliveryBefore) / (rate * seconds);
    assertAlive({ A: a, B: b });
    // /cable at its own, lower rate: its RoomChannel stream on B falls behind at the graphql-ws rate (see the README draft).
    await phase(
      `delivery A → B over graphql-ws and /cable, ${cableRate}/s for ${seconds} s`,
      async () => {
        const cable = await cableSubscriber(
          wsB,
          JSON.stringify({ channel: 'RoomChannel', pubsub_token: profile.pubsub_token, user_id: profile.id, account_id: profile.account_id }),
        );
        latency.push(...(await crossInstanceLatency(a, paths, cableRate, [graphqlRow, { name: '/cable RoomChannel message.created', receipts: cable.receipts }])));
        cable.close();
      },
      latencyStatus,
    );
    // The load runs without subscribers: one falling 1,024 events behind crashes its instance (see the README draft).
    await graphqlWs.close();
    assertAlive({ A: a, B: b });
    reportLatency(latency);
    const idle = await phase(`${idleSockets} idle /cable sockets on B`, () => idleSocketCost(b), () => idleProgress.step);
    assertAlive({ A: a, B: b });
    const database = new URL(url).pathname.slice(1);
    const cpu = await phase(
      `${connections} clients creating messages on A and B for ${seconds} s (after 2 s of warm-up)`,
      () => cpuPerCreate([a, b], paths, () => postgresPids(admin, database), redisPid),
      () => cpuProgress.statuses.slice(-2).map((status) => status()).join(' + '),
    );
    assertAlive({ A: a, B: b });
    const rss = { a: await rssBytes(a.child.pid!), b: await rssBytes(b.child.pid!) };
    reportCosts(cpu, deliveryMs, idle, rss);
  } finally {
    for (const close of closers) await close();
    await admin.end();
    await Promise.all([a.stop(), b.stop()]);
  }
});
finished();
