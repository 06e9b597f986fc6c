/**
 * REST benchmark (run on demand: `npm run bench:rest`).
 *
 * Message creation (`POST /api/v1/accounts/{id}/conversations/{id}/messages`,
 * an incoming message) with 50 concurrent clients against Snypto on a
 * throw-away PostgreSQL database, and beside it, in the same run, the
 * ceiling: the same rows (the message, its outbox event, the conversation's
 * and the contact's activity time, in one transaction) written by a bare `pg`
 * script with the same pool size (10) and concurrency; and, for reference,
 * the message INSERT alone. Messages are spread over enough conversations
 * (2,000, each with 20 messages of hour-old history) that even at the
 * ceiling's rate none comes near Chatwoot's 200 messages a minute per
 * conversation (at 1,300/s, 400 would each take 200). Snypto and the
 * ceiling take turns in alternating slices, so that a shared machine's
 * changing speed weighs on both alike.
 *
 * Options (environment): DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test,
 * whose server gets a scratch database), BENCH_SECONDS (each slice, default 4),
 * BENCH_ROUNDS (slices per writer, default 3), BENCH_CONNECTIONS (default 50),
 * BENCH_CONVERSATIONS (default 2000), BENCH_POOL_SIZE (default 10, Snypto's and the ceiling's),
 * BENCH_WARMUP_SECONDS (each writer's warm-up, default 2).
 *
 * Its first line (stderr) says how long it will take; progress lines follow
 * on stderr, the figures on stdout. The scratch database and the server go
 * at the end, on failure and on Ctrl-C (bench/support.ts).
 */
import { tmpdir } from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';
import {
  announce,
  countedAutocannon,
  ESTIMATE,
  figuresOf,
  finished,
  phase,
  processCpuMs,
  seedConversations,
  spawnServer,
  withScratchDatabase,
} from '../support.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const conversationCount = Number(process.env.BENCH_CONVERSATIONS ?? 2000);
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const token = 'bench-admin-token-0123456789';
const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 10);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);

announce(
  `message creation, Snypto against a bare pg ceiling: ${conversationCount} conversations seeded, then ${rounds} alternating slices of ${seconds} s per writer, ${connections} clients`,
  {
    'set-up': ESTIMATE.serverStart + conversationCount * ESTIMATE.perSeededConversation + conversationCount * 0.002,
    'warm-up': 3 * warmupSeconds,
    measuring: 2 * rounds * seconds + seconds,
  },
);

/** One measured slice of a writer: creates, seconds, latency percentiles, and (Snypto) its server's CPU. */
interface Slice {
  creates: number;
  seconds: number;
  p50: number;
  p99: number;
  errors: number;
  cpuMs?: { user: number; system: number };
}

/** A writer measured in slices: `run(ms)` drives it for that long; `status()` says what the current slice did so far. */
interface Writer {
  run(durationMs: number): Promise<Slice>;
  status(): string;
  close(): Promise<void>;
}

/** Snypto's `POST …/messages` with autocannon, `connections` at a time; each slice reads the server's CPU counters. */
function snyptoWriter(url: string, paths: string[], pid: number): Writer {
  let sent = 0;
  const options: autocannon.Options = {
    url,
    connections,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', api_access_token: token },
        setupRequest: (request: autocannon.Request) => {
          sent++;
          return {
            ...request,
            path: paths[sent % paths.length],
            body: JSON.stringify({ content: `Message ${sent}`, message_type: 'incoming' }),
          };
        },
      },
    ],
  };
  let status = () => '';
  return {
    status: () => status(),
    async run(durationMs) {
      const [user, system] = [await processCpuMs(pid, 'user'), await processCpuMs(pid, 'system')];
      const running = countedAutocannon({ ...options, duration: durationMs / 1000 });
      status = running.status;
      const result = await running.result;
      const figures = figuresOf(result);
      return {
        creates: result.requests.total,
        seconds: durationMs / 1000,
        p50: figures.p50,
        p99: figures.p99,
        errors: figures.errors,
        cpuMs: { user: (await processCpuMs(pid, 'user')) - user, system: (await processCpuMs(pid, 'system')) - system },
      };
    },
    close: async () => undefined,
  };
}

/** Messages of history each seeded conversation starts with, an hour old (outside the flood guard's minute). */
const HISTORY_PER_CONVERSATION = 20;

/**
 * Makes the seeded database look lived in, then lets it settle: each
 * conversation gets an hour-old history (written directly: it is not what is
 * measured), and statistics and visibility maps are brought up to date.
 * Without it the planner would judge the messages table by its empty state,
 * and autovacuum would start in the middle of the first run. (No CHECKPOINT:
 * the first writes after one log whole pages, which would burden whichever
 * writer runs first.)
 */
async function settle(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, content, sender_type, sender_contact_id, created_at, updated_at)
       SELECT c.account_id, c.inbox_id, c.id, 'incoming', 'History ' || n, 'Contact', c.contact_id,
              now() - interval '1 hour' + n * interval '1 second', now() - interval '1 hour'
       FROM conversations c, generate_series(1, $1) AS n`,
      [HISTORY_PER_CONVERSATION],
    );
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}

interface ConversationRow {
  id: number;
  account_id: number;
  inbox_id: number;
  contact_id: number;
}

/**
 * The same rows through a bare pg pool, `connections` writers at a time: what
 * one message creation writes, in one transaction (the message, its outbox
 * event, the conversation's and the sending contact's activity time), or
 * with `messageOnly` the message INSERT alone.
 */
async function barePgWriter(url: string, messageOnly: boolean): Promise<Writer> {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  const { rows } = await pool.query<ConversationRow>('SELECT id, account_id, inbox_id, contact_id FROM conversations ORDER BY id');
  let n = 0;
  const insertMessage = (client: pg.Pool | pg.PoolClient, c: ConversationRow) =>
    client.query<{ id: number }>(
      `INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, content, sender_type, sender_contact_id, updated_at)
       VALUES ($1, $2, $3, 'incoming', $4, 'Contact', $5, now()) RETURNING id`,
      [c.account_id, c.inbox_id, c.id, `Message ${n}`, c.contact_id],
    );
  const create = async () => {
    const c = rows[n++ % rows.length]!;
    if (messageOnly) return insertMessage(pool, c);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const message = await insertMessage(client, c);
      const data = { messageId: message.rows[0]!.id, conversationId: c.id, inboxId: c.inbox_id, messageType: 'incoming', private: false };
      await client.query(`INSERT INTO events (account_id, name, data) VALUES ($1, 'message.created', $2)`, [c.account_id, data]);
      await client.query('UPDATE conversations SET last_activity_at = now(), updated_at = now() WHERE id = $1', [c.id]);
      await client.query('UPDATE contacts SET last_activity_at = now() WHERE id = $1', [c.contact_id]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };
  let latencies: number[] = [];
  return {
    status: () => `${latencies.length.toLocaleString('en')} creates`,
    async run(durationMs) {
      latencies = [];
      const until = Date.now() + durationMs;
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (Date.now() < until) {
            const start = performance.now();
            await create();
            latencies.push(performance.now() - start);
          }
        }),
      );
      latencies.sort((a, b) => a - b);
      const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
      return { creates: latencies.length, seconds: durationMs / 1000, p50: at(0.5), p99: at(0.99), errors: 0 };
    },
    close: () => pool.end(),
  };
}

/** Several slices' figures as one: creates/s over all of them, the median slice's p50 and p99. */
function combined(slices: Slice[]) {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const creates = slices.reduce((sum, s) => sum + s.creates, 0);
  return {
    rps: creates / slices.reduce((sum, s) => sum + s.seconds, 0),
    p50: median(slices.map((s) => s.p50)),
    p99: median(slices.map((s) => s.p99)),
    errors: slices.reduce((sum, s) => sum + s.errors, 0),
    cpuMsPerCreate: slices[0]!.cpuMs && {
      user: slices.reduce((sum, s) => sum + s.cpuMs!.user, 0) / creates,
      system: slices.reduce((sum, s) => sum + s.cpuMs!.system, 0) / creates,
    },
  };
}

/**
 * Snypto and the ceiling take turns, `rounds` slices of `seconds` each, the
 * order swapped every round: a machine that speeds up or slows down during
 * the run (these are shared) weighs on both alike. Each slice's ratio is
 * printed; the verdict is on the totals.
 */
const measured = await withScratchDatabase(databaseUrl, async (url) => {
  const server = await phase('starting Snypto', () =>
    spawnServer('src/main.ts', {
      DATABASE_URL: url,
      SNYPTO_DATA_DIR: tmpdir(),
      SNYPTO_ADMIN_TOKEN: token,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
    }),
  );
  try {
    const seeded = { done: 0 };
    const { paths } = await phase(
      `seeding ${conversationCount} conversations`,
      () => seedConversations(server.url, token, conversationCount, seeded),
      () => `${seeded.done} of ${conversationCount} conversations`,
    );
    await phase(`${HISTORY_PER_CONVERSATION} messages of history each, VACUUM ANALYZE`, () => settle(url));
    const writers = { snypto: snyptoWriter(server.url, paths, server.child.pid!), ceiling: await barePgWriter(url, false) };
    try {
      await phase('warming up both writers', async () => {
        for (const writer of Object.values(writers)) await writer.run(warmupSeconds * 1000);
      });
      const slices: Record<keyof typeof writers, Slice[]> = { snypto: [], ceiling: [] };
      for (let round = 0; round < rounds; round++)
        for (const name of round % 2 === 0 ? (['ceiling', 'snypto'] as const) : (['snypto', 'ceiling'] as const)) {
          const slice = await phase(
            `round ${round + 1} of ${rounds}: ${name === 'snypto' ? 'Snypto' : 'the ceiling'}`,
            () => writers[name].run(seconds * 1000),
            writers[name].status,
          );
          slices[name].push(slice);
        }
      const insertOnly = await barePgWriter(url, true);
      const reference = await phase('the message INSERT alone (reference)', async () => {
        await insertOnly.run(warmupSeconds * 1000);
        return insertOnly.run(seconds * 1000);
      }, insertOnly.status);
      await insertOnly.close();
      return { slices, reference };
    } finally {
      await writers.ceiling.close();
    }
  } finally {
    await server.stop();
  }
});

const snypto = combined(measured.slices.snypto);
const bare = combined(measured.slices.ceiling);
const insertOnly = combined([measured.reference]);
console.log(
  `\nMessage creation on PostgreSQL: ${connections} concurrent clients, pool of ${POOL_SIZE}; ` +
    `Snypto and the ceiling in ${rounds} alternating slices of ${seconds} s each`,
);
console.log('| writer | creates/s | p50 ms | p99 ms | errors | creates/s vs ceiling |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [label, f] of [
  ['bare pg, the same rows in one transaction (ceiling)', bare],
  ['Snypto POST …/messages', snypto],
  ['bare pg, the message INSERT alone (for reference)', insertOnly],
] as const)
  console.log(`| ${label} | ${f.rps.toFixed(0)} | ${f.p50} | ${f.p99} | ${f.errors} | ${(f.rps / bare.rps).toFixed(3)} |`);
const perRound = measured.slices.snypto.map((s, i) => (s.creates / measured.slices.ceiling[i]!.creates).toFixed(3));
console.log(`\nSnypto / ceiling by round: ${perRound.join(', ')}.`);
const cpu = snypto.cpuMsPerCreate!;
console.log(
  `Snypto's server process used ${(cpu.user + cpu.system).toFixed(3)} ms of CPU per create ` +
    `(${cpu.user.toFixed(3)} user, ${cpu.system.toFixed(3)} system).`,
);
finished();
