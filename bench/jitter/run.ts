/**
 * Real-time delivery under connection jitter (run on demand: `npm run bench:jitter`):
 * do clients whose connections drop lose events, or get some twice, and how
 * late do the ones they missed arrive?
 *
 * Snypto runs in its own process (src/main.ts) on PGlite in a temporary
 * directory, or, when DATABASE_URL is set, on a scratch database of that
 * PostgreSQL server. The bench seeds an account with an API inbox, one
 * contact session (Client API) and its conversation, then connects
 * BENCH_CLIENTS clients, split evenly between the transports, all listening
 * to that conversation's new messages as the contact (one session shared by
 * all, authenticated by its pubsub token):
 *
 * - anycable: /cable with the official @anycable/web client and the
 *   extended protocol `actioncable-v1-ext-json` (reliable streams: session
 *   and history restore), on RoomChannel. A server that does not speak it
 *   fails the handshake ("Server sent no subprotocol"): the row then says
 *   "failed to connect" with the reason (after 20 such failures the rest of
 *   the transport's clients are not tried), and the others run as usual;
 * - graphql-ws: `messageCreated(scope: {conversationId})`; on reconnection a
 *   new client subscribes with `after: <the last result's extensions.cursor>`;
 * - sse: the same subscription over Yoga's GraphQL over SSE (POST /graphql,
 *   `Accept: text/event-stream`, read with fetch); on reconnection it sends
 *   `Last-Event-ID: <the last next event's id>`, as an EventSource would;
 * - cable: plain Action Cable (`actioncable-v1-json`, raw ws) without
 *   resume, the baseline: it subscribes again and hears only what comes
 *   after.
 *
 * Once every client is subscribed, one warm-up message (not counted) is
 * posted and awaited (15 s at most): it shows each transport delivers, and
 * gives the resuming clients a cursor to resume from (a client that never
 * received anything has none). Then BENCH_RATE messages a second for
 * BENCH_SECONDS go into the conversation, alternately from the contact
 * (Client API, incoming) and from the administrator (App API, outgoing).
 * All the while each client's connection is torn down at a random moment
 * about every BENCH_JITTER_EVERY seconds (ws `terminate()`, a fetch abort: no
 * close handshake, as when a network goes; each wait 0.5–1.5 times it, the
 * first 0–1 times it, so clients drop at different moments) and reopened
 * after about BENCH_JITTER_DOWN seconds (0.5–1.5 times it). A reopen not live
 * within 10 s counts as failed and is tried again after 2, 4, 8, then 16
 * times that (as real clients back off). When the last message is sent the
 * drops stop, clients that are away come back, and the bench waits until
 * each transport has everything, or has made no progress for
 * max(5 s, 1.5 × BENCH_JITTER_DOWN + 3 s) with all its clients connected, or
 * BENCH_DRAIN_SECONDS have passed.
 *
 * Figures (stdout), a markdown table with a row per transport:
 * - clients live / assigned: a client whose first connection failed is left
 *   out of every other figure;
 * - expected per client: the messages whose POST succeeded (a failed POST,
 *   counted below the table, is expected from nobody);
 * - delivered %: distinct expected messages received, over live clients ×
 *   expected;
 * - duplicates: receipts of a message the client already had (the warm-up
 *   message included): a resume that replays too much;
 * - lost (around an outage): expected messages never received; in brackets
 *   those committed while the client was away or still on their way when it
 *   dropped (its POST, from sending to 1 s after it returned, overlaps the
 *   outage, which lasts until the new subscription is live). The rest were
 *   lost on a connection that stayed up: a bug, not jitter;
 * - replayed: messages a client received after a reconnection that were
 *   created while it was away (created: when the bench's REST call
 *   returned, so surely committed); replay p50/p95/p99 ms: the replay's
 *   latency, their receipt time minus the start of the reconnection that
 *   brought them (connecting, authenticating, subscribing and replaying:
 *   what the server and the transport add); age p50/p99 ms: their receipt
 *   time minus their creation time, which includes the rest of the outage
 *   (about BENCH_JITTER_DOWN), so it cannot be shorter than that;
 * - drops (caused by the bench), mean outage (from the drop until live
 *   again, reopening included), closes the bench did not cause, failed
 *   reopens, resumes the server refused (HISTORY_UNAVAILABLE, reject_history)
 *   and other errors.
 * Below: what each transport is, anything that went wrong (with the last
 * error), the server's CPU seconds (user + system, /proc) from the first
 * message to the end of the wait, and the bench process's own CPU and
 * event-loop delay: when the latter is high the receipt times are late by
 * that much (the bench, not the server, was the bottleneck).
 *
 * Options (environment): BENCH_CLIENTS (2000), BENCH_SECONDS (60), BENCH_RATE
 * (2 messages/s; a conversation takes at most 200 messages a minute, the
 * flood guard, so keep it ≤ 3), BENCH_JITTER_EVERY (15 s), BENCH_JITTER_DOWN
 * (2 s), BENCH_DRAIN_SECONDS (15), BENCH_TRANSPORTS (anycable,graphql-ws,sse,cable;
 * a subset gives the server's CPU for those alone), DATABASE_URL
 * (PostgreSQL; PGlite without it). BENCH_SERVER_LOG=<file> keeps the
 * server's log (bench/support.ts).
 *
 * Duration: the first line (stderr) gives the estimate: the server's start
 * (4–10 s), connecting the clients (about 150 a second), BENCH_SECONDS of
 * messages, and the wait (about 10 s, up to BENCH_DRAIN_SECONDS): about
 * 1 min 35 s at the defaults, 35 s with BENCH_CLIENTS=40 BENCH_SECONDS=15.
 *
 * Load: all clients run in this one Node process; at the defaults it uses
 * about a quarter of a core (event-loop delay p99 about 25 ms) on the 2-core
 * development machine, so 2,000 clients are not too many for the bench. They
 * are for the server there: 2,000 clients each reconnecting every ~15 s
 * (~130 reconnections a second) on top of the fan-out keep its main thread
 * at a full core; after ~20 s its answers take over 10 s, reconnections time
 * out and deliveries collapse on every transport (PGlite and PostgreSQL
 * alike). 1,000 clients (server at ~90% of a core) still get every message
 * on the resuming transports. The figures at the defaults thus show the
 * server's saturation as much as the transports' resume; run with fewer
 * clients (BENCH_CLIENTS=1000 or less) to compare the transports themselves.
 *
 * Its first line (stderr) says how long it will take; progress lines follow
 * on stderr, the figures on stdout. The clients, the server and the scratch
 * database or directory go at the end, on failure and on Ctrl-C
 * (bench/support.ts).
 */
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  announce,
  duration,
  ESTIMATE,
  finished,
  onCleanup,
  phase,
  processCpuMs,
  progress,
  rest,
  scratchDirectory,
  spawnServer,
  withScratchDatabase,
} from '../support.ts';
import { TRANSPORT_LABELS, TRANSPORTS, type Target, type TransportName } from './clients.ts';
import { JitterClient } from './jitter.ts';

const clientCount = Number(process.env.BENCH_CLIENTS ?? 2000);
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const rate = Number(process.env.BENCH_RATE ?? 2);
const jitterEvery = Number(process.env.BENCH_JITTER_EVERY ?? 15);
const jitterDown = Number(process.env.BENCH_JITTER_DOWN ?? 2);
const drainSeconds = Number(process.env.BENCH_DRAIN_SECONDS ?? 15);
const databaseUrl = process.env.DATABASE_URL || undefined;
const transports = [
  ...new Set(
    (process.env.BENCH_TRANSPORTS ?? TRANSPORTS.join(','))
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  ),
] as TransportName[];
for (const t of transports) if (!TRANSPORTS.includes(t)) throw new Error(`BENCH_TRANSPORTS: unknown transport ${t} (known: ${TRANSPORTS.join(', ')})`);
for (const [name, value] of Object.entries({ clientCount, seconds, rate, jitterEvery, jitterDown, drainSeconds }))
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got ${value})`);

const token = 'bench-admin-token-0123456789';
const OPEN_TIMEOUT_MS = 10_000;
/** Opens under way at once while the clients connect. */
const CONNECT_CONCURRENCY = 200;
/** A transport whose first this many opens all fail is not tried further (its remaining clients are reported as not tried). */
const GIVE_UP_AFTER = 20;
const STALL_MS = Math.max(5, 1.5 * jitterDown + 3) * 1000;
/** How long after its POST returned a message may still be on its way to a client (for telling losses around an outage apart). */
const IN_FLIGHT_MS = 1_000;
const messageCount = Math.max(1, Math.round(seconds * rate));

/** Rough costs (seconds) on the 2-core machine, for the estimate. */
const CONNECTS_PER_SECOND = 150;
const database = databaseUrl ? 'PostgreSQL' : 'PGlite';
announce(
  `${clientCount} clients (${transports.join(', ')}) on one conversation, ${messageCount} messages over ${seconds} s while each client drops ` +
    `about every ${jitterEvery} s for about ${jitterDown} s, on ${database}`,
  {
    'set-up': ESTIMATE.serverStart + (databaseUrl ? 1 : 6) + 10 * ESTIMATE.restCall,
    connecting: clientCount / CONNECTS_PER_SECOND + 1,
    'sending messages': seconds + 1,
    // The clients away come back, then a transport that loses events is waited for until it stalls.
    waiting: Math.min(drainSeconds, 1.5 * jitterDown + STALL_MS / 1000),
  },
);

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** ms a REST call may take before it counts as failed (a post that hangs must not hold the run up). */
const REQUEST_TIMEOUT_MS = 30_000;

/** A REST call: with the administrator's token, or without (the Client API: the contact's session is in the path). */
async function call(url: string, method: string, route: string, body: unknown, withToken: boolean): Promise<any> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(withToken ? { api_access_token: token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function graphql(url: string, query: string, variables: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown };
  if (!response.ok || body.errors) throw new Error(`GraphQL: ${response.status} ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

interface Seeded {
  target: Target;
  /** Posts one message, from the contact (incoming) or from the administrator (outgoing); its id. */
  post(content: string, fromContact: boolean): Promise<number>;
}

/** An API inbox, a contact's session (Client API), its conversation and the conversation's global id. */
async function seed(url: string): Promise<Seeded> {
  const profile = await rest(url, token, 'GET', '/api/v1/profile');
  const account = `/api/v1/accounts/${profile.account_id}`;
  const inbox = await rest(url, token, 'POST', `${account}/inboxes`, { name: 'Jitter', channel: { type: 'api' } });
  const publicInbox = `/public/api/v1/inboxes/${encodeURIComponent(inbox.inbox_identifier)}`;
  const session = await call(url, 'POST', `${publicInbox}/contacts`, { name: 'Jitter customer' }, false);
  const contact = `${publicInbox}/contacts/${encodeURIComponent(session.source_id)}`;
  const conversation = await call(url, 'POST', `${contact}/conversations`, {}, false);
  const displayId = conversation.id as number;
  const found = await graphql(
    url,
    'query Conversation($displayId: Int!) { me { accounts { conversation(displayId: $displayId) { __typename ... on ConversationSuccess { data { id } } } } } }',
    { displayId },
  );
  const conversationId = (found.me.accounts as { conversation: { data?: { id: string } } }[]).find((a) => a.conversation.data)?.conversation.data?.id;
  if (!conversationId) throw new Error(`conversation ${displayId} not found through GraphQL: ${JSON.stringify(found)}`);
  return {
    target: { httpUrl: url, pubsubToken: session.pubsub_token, conversationId },
    post: async (content, fromContact) => {
      const message = fromContact
        ? await call(url, 'POST', `${contact}/conversations/${displayId}/messages`, { content }, false)
        : await call(url, 'POST', `${account}/conversations/${displayId}/messages`, { content }, true);
      return message.id as number;
    },
  };
}

/** The clients, `clientCount` split evenly (in turn) between the transports. */
function makeClients(target: Target): JitterClient[] {
  const timing = { every: jitterEvery * 1000, down: jitterDown * 1000, openTimeout: OPEN_TIMEOUT_MS };
  return Array.from({ length: clientCount }, (_, i) => new JitterClient(transports[i % transports.length]!, target, timing));
}

const byTransport = (clients: JitterClient[]) =>
  new Map(transports.map((t) => [t, clients.filter((c) => c.transport === t)] as const));

/** Opens every client, CONNECT_CONCURRENCY at a time, giving up on a transport whose first GIVE_UP_AFTER opens all fail. */
async function connectAll(clients: JitterClient[], counter: { tried: number }): Promise<void> {
  const failuresAtStart = new Map<TransportName, number>();
  const successes = new Map<TransportName, number>();
  let next = 0;
  const worker = async () => {
    while (next < clients.length) {
      const client = clients[next++]!;
      const failed = failuresAtStart.get(client.transport) ?? 0;
      if (failed >= GIVE_UP_AFTER && !successes.get(client.transport)) {
        client.startFailure = `not tried: the first ${GIVE_UP_AFTER} ${client.transport} clients failed to connect`;
        counter.tried++;
        continue;
      }
      if (await client.start()) successes.set(client.transport, (successes.get(client.transport) ?? 0) + 1);
      else failuresAtStart.set(client.transport, failed + 1);
      counter.tried++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, clients.length) }, worker));
}

/** Distinct messages of `ids` received, over the live clients of one transport. */
const deliveredOf = (clients: JitterClient[], ids: number[]) =>
  clients.reduce((sum, c) => sum + (c.started ? ids.reduce((n, id) => n + (c.firstReceipt.has(id) ? 1 : 0), 0) : 0), 0);

/** Waits until `done`, checking every 250 ms, for at most `ms`; resolves to whether it was done. */
async function waitFor(ms: number, done: () => boolean): Promise<boolean> {
  const until = performance.now() + ms;
  while (!done()) {
    if (performance.now() > until) return false;
    await settle(250);
  }
  return true;
}

interface TransportFigures {
  transport: TransportName;
  assigned: number;
  live: number;
  startFailure?: string;
  expected: number;
  delivered: number;
  duplicates: number;
  lost: number;
  lostWhileAway: number;
  /** Replayed messages: receipt minus creation (the outage included). */
  ages: number[];
  /** Replayed messages: receipt minus the start of the reconnection (the replay's latency). */
  replayLatency: number[];
  drops: number;
  unexpectedCloses: number;
  failedOpens: number;
  resumesRefused: number;
  errors: number;
  lastError?: string;
  meanOutageMs: number;
  stillAway: number;
}

/** A message the bench posted: when its POST was sent, and when it returned (its creation, as the bench sees it). */
interface Created {
  sentAt: number;
  createdAt: number;
}

function figuresOf(transport: TransportName, clients: JitterClient[], created: Map<number, Created>): TransportFigures {
  const live = clients.filter((c) => c.started);
  const ages: number[] = [];
  const replayLatency: number[] = [];
  let delivered = 0;
  let lost = 0;
  let lostWhileAway = 0;
  let outageMs = 0;
  let outages = 0;
  for (const client of live) {
    for (const outage of client.outages)
      if (outage.reopenedAt !== undefined) {
        outageMs += outage.reopenedAt - outage.closedAt;
        outages++;
      }
    for (const [id, { sentAt, createdAt }] of created) {
      const at = client.firstReceipt.get(id);
      if (at === undefined) {
        lost++;
        // Lost around an outage: committed (between its POST's sending and return) or still on its way (IN_FLIGHT_MS
        // after) while the client was away. Any other loss happened on a connection that stayed up.
        if (client.outages.some((o) => createdAt + IN_FLIGHT_MS >= o.closedAt && sentAt <= (o.reopenedAt ?? Infinity))) lostWhileAway++;
        continue;
      }
      delivered++;
      // Replayed: created (its POST returned, so committed) while the client was away, received after.
      const away = client.outages.find((o) => createdAt >= o.closedAt && createdAt <= (o.reopenedAt ?? Infinity));
      if (away && at > away.closedAt) {
        ages.push(at - createdAt);
        if (away.reopeningAt !== undefined) replayLatency.push(at - away.reopeningAt);
      }
    }
  }
  const sum = (f: (c: JitterClient) => number) => live.reduce((n, c) => n + f(c), 0);
  const failed = clients.find((c) => !c.started);
  const lastError = [...live].reverse().find((c) => c.lastError)?.lastError;
  return {
    transport,
    assigned: clients.length,
    live: live.length,
    startFailure: failed?.startFailure,
    expected: created.size,
    delivered,
    duplicates: sum((c) => c.duplicates),
    lost,
    lostWhileAway,
    ages: ages.sort((a, b) => a - b),
    replayLatency: replayLatency.sort((a, b) => a - b),
    drops: sum((c) => c.drops),
    unexpectedCloses: sum((c) => c.unexpectedCloses),
    failedOpens: sum((c) => c.failedOpens),
    resumesRefused: sum((c) => c.resumesRefused),
    errors: sum((c) => c.errors),
    lastError,
    meanOutageMs: outages ? outageMs / outages : NaN,
    stillAway: live.filter((c) => c.state !== 'live').length,
  };
}

async function run(env: Record<string, string>) {
  const server = await phase('starting Snypto', () => spawnServer('src/main.ts', { ...env, SNYPTO_ADMIN_TOKEN: token }));
  try {
    return await measure(server.url, server.child.pid!);
  } finally {
    await server.stop();
  }
}

async function measure(url: string, pid: number) {
  const seeded = await phase('seeding an API inbox, a contact session and its conversation', () => seed(url));
  const clients = makeClients(seeded.target);
  const groups = byTransport(clients);
  const stopClients = onCleanup(`${clients.length} real-time clients`, () => {
    for (const client of clients) client.stop();
  });
  const liveStatus = () =>
    [...groups]
      .map(([t, cs]) => `${t} ${cs.filter((c) => c.state === 'live').length}/${cs.length}`)
      .join(', ');

  try {
    const counter = { tried: 0 };
    await phase(`connecting ${clients.length} clients`, () => connectAll(clients, counter), () => `${counter.tried} of ${clients.length} tried; live: ${liveStatus()}`);
    for (const [t, cs] of groups) {
      const failed = cs.filter((c) => !c.started);
      if (failed.length) progress(`${t}: ${failed.length} of ${cs.length} clients failed to connect (${failed[0]!.startFailure})`);
    }
    const live = clients.filter((c) => c.started);
    if (!live.length) throw new Error('no client could connect');

    // The warm-up message: every transport delivers, and every resuming client holds a cursor.
    await phase('warm-up message', async () => {
      const warmupId = await seeded.post('Jitter warm-up', false).catch((error: unknown) => {
        progress(`the warm-up message could not be posted (${error instanceof Error ? error.message : String(error)}); going on without it`);
        return undefined;
      });
      if (warmupId === undefined) return;
      if (!(await waitFor(15_000, () => live.every((c) => c.firstReceipt.has(warmupId))))) {
        for (const [t, cs] of groups) {
          const missing = cs.filter((c) => c.started && !c.firstReceipt.has(warmupId)).length;
          if (missing) progress(`${t}: ${missing} of ${cs.filter((c) => c.started).length} live clients did not receive the warm-up message within 15 s`);
        }
      }
    });

    const created = new Map<number, Created>();
    let posted = 0;
    let failedPosts = 0;
    let lastPostError: string | undefined;
    const sumOf = (f: (c: JitterClient) => number) => clients.reduce((n, c) => n + f(c), 0);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    const cpuBefore = await processCpuMs(pid);
    const benchCpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    loopDelay.enable();

    await phase(
      `${messageCount} messages over ${seconds} s, every client dropped about every ${jitterEvery} s for about ${jitterDown} s`,
      async () => {
        const until = startedAt + seconds * 1000;
        for (const client of live) client.jitterTill(until);
        const posts: Promise<void>[] = [];
        for (let k = 0; k < messageCount; k++) {
          await settle(Math.max(0, startedAt + (k * 1000) / rate - performance.now()));
          posted = k + 1;
          const sentAt = performance.now();
          posts.push(
            seeded.post(`Jitter ${k}`, k % 2 === 0).then(
              (id) => void created.set(id, { sentAt, createdAt: performance.now() }),
              (error: unknown) => {
                failedPosts++;
                lastPostError = error instanceof Error ? error.message : String(error);
              },
            ),
          );
        }
        await Promise.all(posts);
        await settle(Math.max(0, until - performance.now()));
        for (const client of live) client.calm();
      },
      () => `${posted} of ${messageCount} messages posted${failedPosts ? ` (${failedPosts} failed)` : ''}; live: ${liveStatus()}; ${sumOf((c) => c.drops)} drops, ${sumOf((c) => c.failedOpens)} failed reopens, ${sumOf((c) => c.unexpectedCloses)} other closes so far`,
    );

    const ids = [...created.keys()];
    const wanted = new Map([...groups].map(([t, cs]) => [t, cs.filter((c) => c.started).length * ids.length] as const));
    const waitStatus = () =>
      [...groups].map(([t, cs]) => `${t} ${((100 * deliveredOf(cs, ids)) / Math.max(1, wanted.get(t)!)).toFixed(1)}%`).join(', ');
    const settledInTime = await phase(
      `waiting for the last deliveries (at most ${drainSeconds} s)`,
      async () => {
        const deadline = performance.now() + drainSeconds * 1000;
        const progressAt = new Map<TransportName, { delivered: number; at: number }>();
        while (performance.now() < deadline) {
          // Every transport's progress is noted on each round (no short cut), then all must be settled.
          const states = [...groups].map(([t, cs]) => {
            const delivered = deliveredOf(cs, ids);
            if (delivered >= wanted.get(t)!) return true;
            const last = progressAt.get(t);
            if (!last || last.delivered !== delivered) progressAt.set(t, { delivered, at: performance.now() });
            const everyoneBack = cs.every((c) => !c.started || c.state === 'live');
            return everyoneBack && performance.now() - progressAt.get(t)!.at > STALL_MS;
          });
          if (states.every(Boolean)) return true;
          await settle(500);
        }
        progress(`stopped waiting after ${drainSeconds} s: ${waitStatus()}`);
        return false;
      },
      () => `delivered so far: ${waitStatus()}`,
    );

    loopDelay.disable();
    const elapsed = (performance.now() - startedAt) / 1000;
    const serverCpu = ((await processCpuMs(pid)) - cpuBefore) / 1000;
    const benchCpuUsed = process.cpuUsage(benchCpuBefore);
    const benchCpu = (benchCpuUsed.user + benchCpuUsed.system) / 1e6;
    // Figured before the clients stop (whether each is connected is part of them).
    const figures = [...groups].map(([t, cs]) => figuresOf(t, cs, created));
    await stopClients();
    return {
      figures,
      posted,
      failedPosts,
      lastPostError,
      messages: created.size,
      elapsed,
      serverCpu,
      benchCpu,
      loopDelayP99: loopDelay.percentile(99) / 1e6,
      loopDelayMax: loopDelay.max / 1e6,
      settledInTime,
    };
  } finally {
    await stopClients();
  }
}

const result = databaseUrl
  ? await withScratchDatabase(databaseUrl, (url) => run({ DATABASE_URL: url, SNYPTO_DATA_DIR: tmpdir() }))
  : await (async () => {
      const dir = await scratchDirectory('snypto-bench-jitter-');
      try {
        return await run({ SNYPTO_DATA_DIR: dir.path });
      } finally {
        await dir.remove();
      }
    })();

const ms = (values: number[], q: number) => (values.length ? percentile(values, q).toFixed(0) : '–');
const pct = (f: TransportFigures) => (f.live && f.expected ? ((100 * f.delivered) / (f.live * f.expected)).toFixed(2) : '–');
console.log(
  `\nJitter: ${clientCount} clients on one conversation (${transports.length === 1 ? 'one transport' : `${transports.length} transports`}), ${result.messages} messages over ${seconds} s ` +
    `(alternately from the contact and the agent), each client dropped about every ${jitterEvery} s for about ${jitterDown} s; ${database}`,
);
console.log(
  '| transport | clients live / assigned | expected per client | delivered % | duplicates | lost (around an outage) | replayed | replay p50 ms | p95 ms | p99 ms | age p50 ms | age p99 ms | drops | mean outage s | other closes / failed reopens / resumes refused / errors |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const f of result.figures) {
  if (!f.live) {
    console.log(`| ${f.transport} | 0 / ${f.assigned} | ${f.expected} | failed to connect | | | | | | | | | | | ${f.startFailure ?? ''} |`);
    continue;
  }
  console.log(
    `| ${f.transport} | ${f.live} / ${f.assigned} | ${f.expected} | ${pct(f)} | ${f.duplicates} | ${f.lost} (${f.lostWhileAway}) | ${f.ages.length} | ` +
      `${ms(f.replayLatency, 0.5)} | ${ms(f.replayLatency, 0.95)} | ${ms(f.replayLatency, 0.99)} | ${ms(f.ages, 0.5)} | ${ms(f.ages, 0.99)} | ${f.drops} | ${Number.isNaN(f.meanOutageMs) ? '–' : (f.meanOutageMs / 1000).toFixed(1)} | ` +
      `${f.unexpectedCloses} / ${f.failedOpens} / ${f.resumesRefused} / ${f.errors} |`,
  );
}
console.log('');
for (const f of result.figures) console.log(`- ${f.transport}: ${TRANSPORT_LABELS[f.transport]}`);
for (const f of result.figures) {
  const notes: string[] = [];
  if (!f.live) notes.push(`no client connected: ${f.startFailure ?? 'unknown reason'}`);
  else if (f.live < f.assigned) notes.push(`${f.assigned - f.live} clients failed to connect (${f.startFailure})`);
  if (f.stillAway) notes.push(`${f.stillAway} clients were still reconnecting at the end`);
  if (f.lastError && (f.unexpectedCloses || f.failedOpens || f.resumesRefused || f.errors)) notes.push(`last error: ${f.lastError}`);
  if (notes.length) console.log(`- ${f.transport}: ${notes.join('; ')}`);
}
if (!result.settledInTime)
  console.log(
    `- The wait ended after BENCH_DRAIN_SECONDS (${drainSeconds} s) with deliveries still coming: "lost" includes messages that were late, ` +
      'not only those that would never have come.',
  );
if (result.failedPosts) console.log(`- ${result.failedPosts} of ${result.posted} posts failed (not expected from anyone); last: ${result.lastPostError}`);
console.log(
  `Server CPU: ${result.serverCpu.toFixed(1)} s over ${duration(result.elapsed)} of messages and waiting (${((100 * result.serverCpu) / result.elapsed).toFixed(0)}% of one core). ` +
    `Bench process: ${result.benchCpu.toFixed(1)} s CPU (${((100 * result.benchCpu) / result.elapsed).toFixed(0)}% of one core), ` +
    `event-loop delay p99 ${result.loopDelayP99.toFixed(0)} ms, max ${result.loopDelayMax.toFixed(0)} ms (receipt times are late by up to that much).`,
);
finished();
// The client libraries' own timers (AnyCable's subscribe retry, up to 10 s) must not hold a finished run:
// everything is cleaned up by now (the server stopped, the scratch database or directory gone).
setTimeout(() => process.exit(0), 1_000).unref();
