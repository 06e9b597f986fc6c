/**
 * /cable benchmark (run on demand: `npm run bench:cable`).
 *
 * 1. Idle connections: BENCH_IDLE (10,000) /cable sockets, each welcomed;
 *    printed: the server process's resident memory per connection (the RSS
 *    growth from half of them open to all, over the second half), for
 *    Snypto and for a bare `ws` server measured the same way.
 * 2. Broadcast: BENCH_SUBSCRIBERS (5,000) agents of one account, members of
 *    its inbox, each subscribed to RoomChannel with their own pubsub_token on
 *    their own connection; BENCH_ROUNDS (20) messages posted one at a time,
 *    after BENCH_WARMUP (1) rounds that are not counted (both servers'
 *    first broadcast also compiles their code); printed: p50/p99 from the
 *    message's commit to each subscriber reading its `message.created` (the
 *    commit is seen by a LISTEN on a NOTIFY that an insert trigger on
 *    `messages` sends, which PostgreSQL delivers at commit), and from just
 *    before the message's POST; beside the same fan-out of a frame of the
 *    same size by the bare `ws` server (from just before its POST
 *    /broadcast), and their ratio.
 *
 * Snypto runs in its own process on a scratch PostgreSQL database
 * (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test).
 *
 * Its first line (stderr) says how long it will take; progress lines follow
 * on stderr, the figures on stdout. The scratch database and both servers go
 * at the end, on failure and on Ctrl-C (bench/support.ts).
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { WebSocket } from 'ws';
import {
  announce,
  ESTIMATE,
  finished,
  listenToMessageCommits,
  phase,
  rest,
  spawnServer,
  withScratchDatabase,
  type Spawned,
} from '../support.ts';

const idle = Number(process.env.BENCH_IDLE ?? 10_000);
const subscribers = Number(process.env.BENCH_SUBSCRIBERS ?? 5_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
const warmup = Number(process.env.BENCH_WARMUP ?? 1);
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const token = 'bench-admin-token-0123456789';

/** Rough costs (seconds) on the 2-core machine, for the estimate. */
const SOCKETS_PER_SECOND = 2_000;
const AGENTS_PER_SECOND = 150;
const roundSeconds = 0.25 + subscribers / 25_000;
const oneServer = (2 * idle + subscribers) / SOCKETS_PER_SECOND + 4.5 + 2 * (warmup + rounds) * roundSeconds;
announce(
  `/cable: ${idle} idle connections, then ${subscribers} subscribers sent ${rounds} broadcasts (after ${warmup} not counted), on Snypto then on a bare ws server`,
  {
    'set-up': ESTIMATE.serverStart + 1 + subscribers / AGENTS_PER_SECOND,
    Snypto: oneServer,
    'bare ws': oneServer,
  },
);

/** Resident memory of a process, in bytes. */
async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sockets opened since the current phase set it to 0, for progress lines. */
let opened = 0;
const openedStatus = (of: number) => () => `${opened} of ${of} sockets open`;

/** Opens `count` sockets to `url`, 200 at a time; each resolves once welcomed. */
async function openSockets(url: string, count: number, onMessage?: (socket: WebSocket, frame: Buffer) => void): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  const one = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url, ['actioncable-v1-json']);
      socket.once('error', reject);
      socket.once('message', () => {
        // Frames are searched as bytes: the client's own cost per frame stays small beside the servers'.
        if (onMessage) socket.on('message', (data) => onMessage(socket, data as Buffer));
        resolve(socket);
      });
    });
  for (let i = 0; i < count; i += 200) {
    const batch = await Promise.all(Array.from({ length: Math.min(200, count - i) }, one));
    sockets.push(...batch);
    opened += batch.length;
  }
  return sockets;
}

async function closeAll(sockets: WebSocket[]) {
  for (const socket of sockets) socket.terminate();
  await settle(500);
}

/**
 * Server memory per idle connection, in KB: the growth of the process's RSS
 * from half the connections open to all of them, over the second half. What
 * any first connection costs once (compiled code, buffers, the start-up's
 * garbage) is paid before the first reading, so it does not count.
 */
async function memoryPerConnection(server: Spawned, url: string, label: string): Promise<number> {
  opened = 0;
  return phase(`${label}: ${idle} idle connections`, () => measureMemory(server, url), openedStatus(idle));
}

async function measureMemory(server: Spawned, url: string): Promise<number> {
  const half = Math.floor(idle / 2);
  const first = await openSockets(url, half);
  await settle(2_000);
  const before = await rss(server.child.pid!);
  const second = await openSockets(url, idle - half);
  await settle(2_000);
  const after = await rss(server.child.pid!);
  await closeAll([...first, ...second]);
  return (after - before) / (idle - half) / 1024;
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Delays of every receipt, sorted: from the request that caused it, and from its commit (Snypto only). */
interface Delays {
  fromRequest: number[];
  fromCommit?: number[];
}

/** The broadcast round under way (negative: warm-up), for progress lines. */
let broadcastRound = 0;
const roundStatus = () => (broadcastRound < 0 ? `warm-up round ${broadcastRound + warmup + 1} of ${warmup}` : `round ${broadcastRound + 1} of ${rounds}`);

/**
 * Fans `warmup` + `rounds` events out to `count` sockets: `fire` starts one
 * (and, for Snypto, resolves with when it committed); each socket reports
 * receipt through `arrived`. Warm-up rounds are not counted.
 */
async function fanOut(
  count: number,
  fire: (round: number) => Promise<number | void>,
  arrivals: { expect: (round: number) => Promise<void> },
): Promise<Delays> {
  const fromRequest: number[] = [];
  const fromCommit: number[] = [];
  for (let round = -warmup; round < rounds; round++) {
    broadcastRound = round;
    const started = performance.now();
    const all = arrivals.expect(round);
    const committed = await fire(round);
    await all;
    if (round >= 0) {
      for (let i = 0; i < count; i++) fromRequest.push(receipts[i]! - started);
      if (committed !== undefined) for (let i = 0; i < count; i++) fromCommit.push(receipts[i]! - committed);
    }
    if (process.env.BENCH_DEBUG) console.error(`round ${round}: max ${Math.max(...receipts.slice(0, count).map((r) => r - started)).toFixed(0)} ms`);
    await settle(200);
  }
  const sort = (delays: number[]) => delays.sort((a, b) => a - b);
  return { fromRequest: sort(fromRequest), fromCommit: fromCommit.length ? sort(fromCommit) : undefined };
}

/** When each message insert commits (listenToMessageCommits); `next()` resolves with the next commit's time. */
async function commitClock(url: string) {
  const commits: number[] = [];
  const waiting: ((at: number) => void)[] = [];
  const listening = await listenToMessageCommits(url, (_id, at) => {
    const resolve = waiting.shift();
    if (resolve) resolve(at);
    else commits.push(at);
  });
  return {
    next: () => new Promise<number>((resolve) => (commits.length ? resolve(commits.shift()!) : waiting.push(resolve))),
    end: listening.end,
  };
}

/** When each subscriber got the current round's event. */
const receipts: number[] = [];

function roundWaiter(count: number) {
  let remaining = 0;
  let done: () => void = () => undefined;
  return {
    arrived(index: number) {
      receipts[index] = performance.now();
      if (--remaining === 0) done();
    },
    expect(_round: number) {
      remaining = count;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${remaining} of ${count} subscribers missed a broadcast`)), 30_000);
        done = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}

async function snyptoRun(url: string) {
  const server = await phase('starting Snypto', () =>
    spawnServer('src/main.ts', { DATABASE_URL: url, SNYPTO_DATA_DIR: tmpdir(), SNYPTO_ADMIN_TOKEN: token }),
  );
  try {
    const cableUrl = `${server.url.replace(/^http/, 'ws')}/cable`;
    const memory = await memoryPerConnection(server, cableUrl, 'Snypto');

    let agentsMade = 0;
    const seeded = await phase(
      `Snypto: ${subscribers} agents, members of one inbox`,
      async () => {
        const profile = await rest(server.url, token, 'GET', '/api/v1/profile');
        const account = `/api/v1/accounts/${profile.account_id}`;
        const inbox = await rest(server.url, token, 'POST', `${account}/inboxes`, { name: 'Bench', channel: { type: 'api' } });
        const contact = await rest(server.url, token, 'POST', `${account}/contacts`, { name: 'Customer', inbox_id: inbox.id });
        const conversation = await rest(server.url, token, 'POST', `${account}/conversations`, {
          source_id: contact.payload.contact_inbox.source_id,
        });
        // Distinct agents, each a member of the inbox, each subscribing with their own pubsub_token.
        for (let i = 0; i < subscribers; i += 500) {
          await rest(server.url, token, 'POST', `${account}/agents/bulk_create`, {
            emails: Array.from({ length: Math.min(500, subscribers - i) }, (_, k) => `agent-${i + k}@bench.test`),
          });
          agentsMade = Math.min(subscribers, i + 500);
        }
        const db = new pg.Client({ connectionString: url });
        await db.connect();
        const { rows: agents } = await db.query<{ id: number; pubsub_token: string }>(
          `SELECT u.id, u.pubsub_token FROM users u JOIN account_users au ON au.user_id = u.id
           WHERE au.account_id = $1 AND au.role = 'agent' ORDER BY u.id`,
          [profile.account_id],
        );
        await db.end();
        for (let i = 0; i < agents.length; i += 1000)
          await rest(server.url, token, 'POST', `${account}/inbox_members`, { inbox_id: inbox.id, user_ids: agents.slice(i, i + 1000).map((a) => a.id) });
        return { profile, account, conversation, agents };
      },
      () => `${agentsMade} of ${subscribers} agents`,
    );
    const { profile, account, conversation, agents } = seeded;
    const identifierOf = (i: number) =>
      JSON.stringify({ channel: 'RoomChannel', pubsub_token: agents[i]!.pubsub_token, user_id: agents[i]!.id, account_id: profile.account_id });
    const waiter = roundWaiter(subscribers);
    const indexOf = new Map<WebSocket, number>();
    let confirmed = 0;
    let allConfirmed: () => void = () => undefined;
    const sockets = await phase(
      `Snypto: ${subscribers} RoomChannel subscribers`,
      async () => {
        opened = 0;
        const sockets = await openSockets(cableUrl, subscribers, (socket, frame) => {
          if (frame.includes('"message.created"')) waiter.arrived(indexOf.get(socket)!);
          // Settled once confirmed and answered with presence.update (which comes right after the confirmation).
          else if (frame.includes('"presence.update"') && ++confirmed === subscribers) allConfirmed();
        });
        sockets.forEach((socket, i) => indexOf.set(socket, i));
        await new Promise<void>((resolve) => {
          allConfirmed = resolve;
          sockets.forEach((socket, i) => socket.send(JSON.stringify({ command: 'subscribe', identifier: identifierOf(i) })));
        });
        return sockets;
      },
      () => (opened < subscribers ? openedStatus(subscribers)() : `${confirmed} of ${subscribers} subscriptions confirmed`),
    );
    const commits = await commitClock(url);
    const delays = await phase(
      `Snypto: ${warmup} + ${rounds} broadcasts to ${subscribers} subscribers`,
      () =>
        fanOut(
          subscribers,
          async (round) => {
            const committed = commits.next();
            await rest(server.url, token, 'POST', `${account}/conversations/${conversation.id}/messages`, { content: `Broadcast ${round}` });
            return committed;
          },
          waiter,
        ),
      roundStatus,
    );
    await commits.end();
    await closeAll(sockets);
    return { memory, delays };
  } finally {
    await server.stop();
  }
}

async function bareRun() {
  const server = await phase('starting the bare ws server', () => spawnServer('bench/cable/bare-server.ts', {}));
  try {
    const url = server.url.replace(/^http/, 'ws');
    const memory = await memoryPerConnection(server, url, 'bare ws');
    const waiter = roundWaiter(subscribers);
    const indexOf = new Map<WebSocket, number>();
    const sockets = await phase(
      `bare ws: ${subscribers} subscribers`,
      () => {
        opened = 0;
        return openSockets(url, subscribers, (socket, frame) => {
          if (frame.includes('"message.created"')) waiter.arrived(indexOf.get(socket)!);
        });
      },
      openedStatus(subscribers),
    );
    sockets.forEach((socket, i) => indexOf.set(socket, i));
    // A frame the size of Snypto's message.created broadcast.
    const frame = JSON.stringify({ identifier: '{"channel":"RoomChannel"}', message: { event: 'message.created', data: { content: 'x'.repeat(1500) } } });
    const delays = await phase(
      `bare ws: ${warmup} + ${rounds} broadcasts to ${subscribers} subscribers`,
      () =>
        fanOut(
          subscribers,
          async () => {
            await fetch(`${server.url}/broadcast`, { method: 'POST', body: frame });
          },
          waiter,
        ),
      roundStatus,
    );
    await closeAll(sockets);
    return { memory, delays };
  } finally {
    await server.stop();
  }
}

const snypto = await withScratchDatabase(databaseUrl, snyptoRun);
const bare = await bareRun();

/** The delays the targets apply to: from commit for Snypto, from the broadcast request for the bare server (it commits nothing). */
const measured = (delays: Delays) => delays.fromCommit ?? delays.fromRequest;
const ms = (delays: number[], q: number) => percentile(delays, q).toFixed(0);
const row = (label: string, r: { memory: number; delays: Delays }) =>
  `| ${label} | ${r.memory.toFixed(1)} | ${ms(measured(r.delays), 0.5)} | ${ms(measured(r.delays), 0.99)} | ${ms(r.delays.fromRequest, 0.5)} | ${ms(r.delays.fromRequest, 0.99)} |`;
console.log(`\n/cable: ${idle} idle connections; one message broadcast to ${subscribers} subscribers, ${rounds} times (after ${warmup} not counted)`);
console.log('| server | KB per idle connection | broadcast p50 ms | broadcast p99 ms | p50 from request ms | p99 from request ms |');
console.log('|---|---:|---:|---:|---:|---:|');
console.log(row('Snypto /cable (RoomChannel over GraphQL subscriptions), from commit', snypto));
console.log(row('bare ws broadcast server, from its broadcast request', bare));
const ratio = (q: number) => (percentile(measured(snypto.delays), q) / percentile(bare.delays.fromRequest, q)).toFixed(2);
console.log(
  `Ratios Snypto / bare ws: memory ${(snypto.memory / bare.memory).toFixed(2)}, p50 ${ratio(0.5)}, p99 ${ratio(0.99)}. Targets: ≤ 20 KB per idle connection, broadcast p99 ≤ 100 ms and ≤ 2x bare ws.`,
);
finished();
