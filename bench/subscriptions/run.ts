/**
 * Multiplexed GraphQL subscriptions benchmark (run on demand: `npm run bench:subscriptions`).
 *
 * BENCH_SUBSCRIBERS (300) agents of one account (every fourth an
 * administrator, the others agents of its inbox), each with a graphql-ws
 * connection subscribed to `messageCreated` (one document for all) and a
 * /cable socket subscribed to RoomChannel. Messages are posted at a steady
 * BENCH_RATE (10 a second), BENCH_ROUNDS (100) per phase, after BENCH_WARMUP
 * (10) that are not counted:
 *
 * 0. no subscribers yet: the server's CPU time (user + system, from /proc)
 *    over the phase, per message: what the posts cost by themselves;
 * 1. graphql-ws alone: the server's CPU time over the phase per delivery,
 *    with the posts included and without them (phase 1 − phase 0);
 * 2. both transports on the same events: p50/p99 from each message's commit
 *    (a NOTIFY an insert trigger sends, delivered by PostgreSQL at commit)
 *    to each subscriber reading it, for each transport, their ratio, and
 *    /cable's CPU per delivery (this phase's CPU minus phase 1's).
 *
 * Snypto runs in its own process on a scratch database on DATABASE_URL's
 * server (default postgresql://postgres@127.0.0.1:5432/test). Its first line
 * (stderr) says how long it will take; progress lines follow on stderr, the
 * figures on stdout. The scratch database and the server go at the end, on
 * failure and on Ctrl-C (bench/support.ts).
 */
import pg from 'pg';
import { tmpdir } from 'node:os';
import { WebSocket } from 'ws';
import {
  announce,
  ESTIMATE,
  finished,
  listenToMessageCommits,
  phase,
  processCpuMs,
  rest,
  spawnServer,
  withScratchDatabase,
} from '../support.ts';

const subscribers = Number(process.env.BENCH_SUBSCRIBERS ?? 300);
const rate = Number(process.env.BENCH_RATE ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 100);
const warmup = Number(process.env.BENCH_WARMUP ?? 10);
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const token = 'bench-admin-token-0123456789';
const DOCUMENT =
  'subscription Created { messageCreated { id databaseId content messageType createdAt conversation { displayId } sender { __typename ... on Agent { name } ... on Contact { name } } } }';

type Transport = 'graphql-ws' | 'cable';
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** Rough costs (seconds) on the 2-core machine, for the estimate. */
const AGENTS_PER_SECOND = 150;
const SOCKETS_PER_SECOND = 300;
announce(
  `multiplexed subscriptions: ${subscribers} graphql-ws and ${subscribers} /cable subscribers, three phases of ${rounds} messages at ${rate}/s (after ${warmup} not counted)`,
  {
    'set-up': ESTIMATE.serverStart + subscribers / AGENTS_PER_SECOND + (subscribers / 4) * ESTIMATE.restCall,
    subscribing: (2 * subscribers) / SOCKETS_PER_SECOND,
    'posting messages': (3 * (warmup + rounds)) / rate + 3,
  },
);

/** Client sockets open, closed before the server stops. */
const sockets: WebSocket[] = [];

/** Receipts: for each transport, each round's arrival times. */
const receipts: Record<Transport, Map<number, number[]>> = { 'graphql-ws': new Map(), cable: new Map() };
const ROUND = /Broadcast (-?\d+)/;

function received(transport: Transport, frame: Buffer): void {
  const text = frame.toString();
  const round = ROUND.exec(text);
  if (!round || (transport === 'cable' && !text.includes('"message.created"'))) return;
  const at = performance.now();
  const n = Number(round[1]);
  let list = receipts[transport].get(n);
  if (!list) receipts[transport].set(n, (list = []));
  list.push(at);
}

/** Opens a socket and resolves once `ready` says a frame means it is set up. */
function open(url: string, protocol: string, onOpen: (socket: WebSocket) => void, ready: (frame: string) => boolean, transport: Transport) {
  return new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(url, [protocol]);
    sockets.push(socket);
    socket.once('error', reject);
    socket.once('open', () => onOpen(socket));
    let isReady = false;
    socket.on('message', (data) => {
      if (isReady) return received(transport, data as Buffer);
      if (ready((data as Buffer).toString())) (isReady = true), resolve(socket);
    });
  });
}

async function inBatches<T>(count: number, one: (i: number) => Promise<T>, size = 100): Promise<T[]> {
  const all: T[] = [];
  for (let i = 0; i < count; i += size) all.push(...(await Promise.all(Array.from({ length: Math.min(size, count - i) }, (_, k) => one(i + k)))));
  return all;
}

/** Subscriptions the server streams now, by transport (its /metrics gauge). */
async function streaming(url: string, transport: Transport): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`snypto_subscriptions{transport="${transport}"}`));
  return Number(line?.split(' ')[1] ?? NaN);
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > 120_000) throw new Error(`timed out: ${what}`);
    await settle(100);
  }
}

/** Commit times of message inserts, by message id. */
async function commitClock(url: string) {
  const commits = new Map<number, number>();
  const listening = await listenToMessageCommits(url, (id, at) => commits.set(id, at));
  return { commits, end: listening.end };
}

async function run(url: string) {
  const server = await phase('starting Snypto', () =>
    spawnServer('src/main.ts', { DATABASE_URL: url, SNYPTO_DATA_DIR: tmpdir(), SNYPTO_ADMIN_TOKEN: token }),
  );
  try {
    return await measure(server.url, server.child.pid!, url);
  } finally {
    for (const socket of sockets.splice(0)) socket.terminate();
    await server.stop();
  }
}

async function measure(serverUrl: string, pid: number, url: string) {
  const wsBase = serverUrl.replace(/^http/, 'ws');
  let agentsMade = 0;
  const { profile, account, conversations, agents } = await phase(
    `seeding ${subscribers} agents (every fourth an administrator)`,
    async () => {
      const profile = await rest(serverUrl, token, 'GET', '/api/v1/profile');
      const account = `/api/v1/accounts/${profile.account_id}`;
      const inbox = await rest(serverUrl, token, 'POST', `${account}/inboxes`, { name: 'Bench', channel: { type: 'api' } });
      const contact = await rest(serverUrl, token, 'POST', `${account}/contacts`, { name: 'Customer', inbox_id: inbox.id });
      // Several conversations, posted to in turn: one conversation takes at most 200 messages a minute (the flood guard).
      const conversations = await inBatches(10, () =>
        rest(serverUrl, token, 'POST', `${account}/conversations`, { source_id: contact.payload.contact_inbox.source_id }),
      );
      for (let i = 0; i < subscribers; i += 500) {
        await rest(serverUrl, token, 'POST', `${account}/agents/bulk_create`, {
          emails: Array.from({ length: Math.min(500, subscribers - i) }, (_, k) => `agent-${i + k}@bench.test`),
        });
        agentsMade = Math.min(subscribers, i + 500);
      }
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      const { rows: agents } = await db.query<{ id: number; pubsub_token: string; token: string; member_id: number }>(
        `SELECT u.id, u.pubsub_token, t.token, au.id AS member_id FROM users u JOIN account_users au ON au.user_id = u.id
         JOIN access_tokens t ON t.user_id = u.id WHERE au.account_id = $1 AND au.role = 'agent' ORDER BY u.id`,
        [profile.account_id],
      );
      await db.end();
      await rest(serverUrl, token, 'POST', `${account}/inbox_members`, { inbox_id: inbox.id, user_ids: agents.filter((_, i) => i % 4 !== 0).map((a) => a.id) });
      await inBatches(agents.length, async (i) => {
        if (i % 4 === 0) await rest(serverUrl, token, 'PATCH', `${account}/agents/${agents[i]!.id}`, { role: 'administrator' });
      }, 20);
      return { profile, account, conversations, agents };
    },
    () => `${agentsMade} of ${subscribers} agents made`,
  );

  const clock = await commitClock(url);
  const roundIds = new Map<number, number>();
  const post = async (round: number) => {
    const conversation = conversations[Math.abs(round) % conversations.length]!;
    const message = await rest(serverUrl, token, 'POST', `${account}/conversations/${conversation.id}/messages`, { content: `Broadcast ${round}` });
    roundIds.set(round, message.id);
  };
  /** Posts `count` rounds from `first` at the steady rate and waits until every expected receipt arrived. */
  const runPhase = (name: string, first: number, count: number, transports: Transport[]) => {
    let posted = 0;
    const receivedSoFar = () =>
      transports.map((t) => `${t} ${Array.from({ length: count }, (_, k) => receipts[t].get(first + k)?.length ?? 0).reduce((a, b) => a + b, 0)}`).join(', ');
    return phase(
      name,
      async () => {
        const posts: Promise<void>[] = [];
        const started = performance.now();
        for (let k = 0; k < count; k++) {
          await settle(Math.max(0, started + (k * 1000) / rate - performance.now()));
          posted = k + 1;
          posts.push(post(first + k));
        }
        await Promise.all(posts);
        const complete = () =>
          transports.every((t) => Array.from({ length: count }, (_, k) => receipts[t].get(first + k)?.length ?? 0).every((n) => n >= subscribers));
        await until(`${name}: every receipt`, async () => complete());
      },
      () => `${posted} of ${count} messages posted; receipts ${receivedSoFar()} of ${count * subscribers} each`,
    );
  };
  const delays = (transport: Transport, first: number, count: number) =>
    Array.from({ length: count }, (_, k) => {
      const committed = clock.commits.get(roundIds.get(first + k)!)!;
      return (receipts[transport].get(first + k) ?? []).map((at) => at - committed);
    })
      .flat()
      .sort((a, b) => a - b);


  // Phase 0, before any subscriber: what posting a message costs the server by itself (the REST request, its
  // transaction, the event's outbox and webhook planning), so that the deliveries' own cost can be told apart.
  await runPhase('warm-up (no subscribers)', 4_000_000, warmup, []);
  const postBefore = await processCpuMs(pid);
  await runPhase('phase 0 (no subscribers: the posts alone)', 3_000_000, rounds, []);
  const postCpu = (await processCpuMs(pid)) - postBefore;

  let streamingNow = 0;
  await phase(
    `opening ${subscribers} graphql-ws subscriptions`,
    async () => {
      const graphqlSockets = await inBatches(agents.length, (i) =>
        open(
          `${wsBase}/graphql`,
          'graphql-transport-ws',
          (socket) => socket.send(JSON.stringify({ type: 'connection_init', payload: { api_access_token: agents[i]!.token } })),
          (frame) => frame.includes('connection_ack'),
          'graphql-ws',
        ),
      );
      for (const socket of graphqlSockets) socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: DOCUMENT } }));
      await until('graphql-ws subscriptions', async () => (streamingNow = await streaming(serverUrl, 'graphql-ws')) === subscribers);
    },
    () => `${sockets.length} of ${subscribers} sockets open, ${streamingNow || 0} subscriptions streaming`,
  );

  await runPhase('warm-up (graphql-ws)', -warmup, warmup, ['graphql-ws']);
  const cpuBefore = await processCpuMs(pid);
  await runPhase('phase 1 (graphql-ws alone)', 0, rounds, ['graphql-ws']);
  const graphqlCpu = (await processCpuMs(pid)) - cpuBefore;

  await phase(
    `opening ${subscribers} /cable RoomChannel subscriptions`,
    () =>
      inBatches(agents.length, (i) =>
        open(
          `${wsBase}/cable`,
          'actioncable-v1-json',
          (socket) => {
            const identifier = JSON.stringify({ channel: 'RoomChannel', pubsub_token: agents[i]!.pubsub_token, user_id: agents[i]!.id, account_id: profile.account_id });
            socket.once('message', () => socket.send(JSON.stringify({ command: 'subscribe', identifier })));
          },
          (frame) => frame.includes('confirm_subscription'),
          'cable',
        ),
      ),
    () => `${sockets.length - subscribers} of ${subscribers} sockets open`,
  );
  await runPhase('warm-up (both)', 1_000_000, warmup, ['graphql-ws', 'cable']);
  const bothBefore = await processCpuMs(pid);
  await runPhase('phase 2 (both transports)', 2_000_000, rounds, ['graphql-ws', 'cable']);
  const bothCpu = (await processCpuMs(pid)) - bothBefore;
  await clock.end();
  return {
    postCpuPerMessage: postCpu / rounds,
    graphqlCpuPerDelivery: graphqlCpu / (rounds * subscribers),
    graphqlNetCpuPerDelivery: (graphqlCpu - postCpu) / (rounds * subscribers),
    cableCpuPerDelivery: (bothCpu - graphqlCpu) / (rounds * subscribers),
    graphqlAlone: delays('graphql-ws', 0, rounds),
    graphql: delays('graphql-ws', 2_000_000, rounds),
    cable: delays('cable', 2_000_000, rounds),
  };
}

const r = await withScratchDatabase(databaseUrl, run);
const ms = (d: number[], q: number) => percentile(d, q).toFixed(1);
console.log(`\nMultiplexed subscriptions: ${subscribers} subscribers per transport in one account, ${rounds} messages at ${rate}/s (after ${warmup} not counted)`);
console.log('| transport | phase | server CPU per delivery ms | commit→receipt p50 ms | p99 ms |');
console.log('|---|---|---:|---:|---:|');
console.log(`| (none) | 0: the posts alone | ${r.postCpuPerMessage.toFixed(3)} per message | | |`);
console.log(`| graphql-ws | 1: alone | ${r.graphqlCpuPerDelivery.toFixed(4)} (the post included); ${r.graphqlNetCpuPerDelivery.toFixed(4)} without it (phase 1 − phase 0) | ${ms(r.graphqlAlone, 0.5)} | ${ms(r.graphqlAlone, 0.99)} |`);
console.log(`| graphql-ws | 2: with /cable | | ${ms(r.graphql, 0.5)} | ${ms(r.graphql, 0.99)} |`);
console.log(`| /cable | 2: with graphql-ws | ${r.cableCpuPerDelivery.toFixed(4)} (phase 2 − phase 1) | ${ms(r.cable, 0.5)} | ${ms(r.cable, 0.99)} |`);
const ratio = percentile(r.graphql, 0.99) / percentile(r.cable, 0.99);
console.log(`Ratio graphql-ws p99 / cable p99 (phase 2): ${ratio.toFixed(2)}. Targets: ≤ 0.05 ms CPU per graphql-ws delivery, ratio ≤ 1.5.`);
finished();
