/**
 * REST benchmark (run on demand: `npm run bench:rest`).
 *
 * Message creation (`POST /api/v1/accounts/{id}/conversations/{id}/messages`,
 * an incoming message) with 50 concurrent clients against Snypto on a
 * throw-away PostgreSQL database, and beside it, in the same run, the
 * ceiling: the same rows (the message, its outbox event and the
 * conversation's activity time, in one transaction) written by a bare `pg`
 * script with the same pool size (10) and concurrency; and, for reference,
 * the message INSERT alone. Messages are spread over enough conversations
 * (2,000, each with 20 messages of hour-old history) that even at the
 * ceiling's rate none comes near Chatwoot's 200 messages a minute per
 * conversation (at 1,300/s, 400 would each take 200).
 *
 * Options (environment): DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test,
 * whose server gets a scratch database), BENCH_SECONDS (default 10),
 * BENCH_CONNECTIONS (default 50), BENCH_CONVERSATIONS (default 2000).
 */
import { tmpdir } from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';
import { figuresOf, rest, spawnServer, withScratchDatabase, type Figures } from '../support.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const conversationCount = Number(process.env.BENCH_CONVERSATIONS ?? 2000);
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const token = 'bench-admin-token-0123456789';
const POOL_SIZE = 10;

/** An API inbox and `conversationCount` conversations, each with its contact; returns their messages paths. */
async function seed(url: string) {
  const profile = await rest(url, token, 'GET', '/api/v1/profile');
  const account = `/api/v1/accounts/${profile.account_id}`;
  const inbox = await rest(url, token, 'POST', `${account}/inboxes`, { name: 'Bench', channel: { type: 'api' } });
  const paths: string[] = [];
  const one = async (i: number) => {
    const contact = await rest(url, token, 'POST', `${account}/contacts`, { name: `Customer ${i}`, inbox_id: inbox.id });
    const conversation = await rest(url, token, 'POST', `${account}/conversations`, {
      source_id: contact.payload.contact_inbox.source_id,
    });
    paths.push(`${account}/conversations/${conversation.id}/messages`);
  };
  for (let i = 0; i < conversationCount; i += 10)
    await Promise.all(Array.from({ length: Math.min(10, conversationCount - i) }, (_, k) => one(i + k)));
  return paths;
}

async function driveSnypto(url: string, paths: string[]): Promise<Figures> {
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
  await autocannon({ ...options, duration: 2 });
  return figuresOf(await autocannon({ ...options, duration: seconds }));
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
 * event, the conversation's activity time), or with `messageOnly` the
 * message INSERT alone.
 */
async function driveBarePg(url: string, messageOnly: boolean): Promise<Figures> {
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
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };
  const run = async (durationMs: number) => {
    const latencies: number[] = [];
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
    return latencies;
  };
  try {
    await run(2_000);
    const latencies = (await run(seconds * 1000)).sort((a, b) => a - b);
    const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
    return { rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99), errors: 0 };
  } finally {
    await pool.end();
  }
}

const [snypto, bare, insertOnly] = await withScratchDatabase(databaseUrl, async (url) => {
  const server = await spawnServer('src/main.ts', { DATABASE_URL: url, SNYPTO_DATA_DIR: tmpdir(), SNYPTO_ADMIN_TOKEN: token });
  try {
    const paths = await seed(server.url);
    await settle(url);
    return [await driveSnypto(server.url, paths), await driveBarePg(url, false), await driveBarePg(url, true)] as const;
  } finally {
    await server.stop();
  }
});

console.log(`\nMessage creation on PostgreSQL: ${connections} concurrent clients, pool of ${POOL_SIZE}, ${seconds} s each`);
console.log('| writer | creates/s | p50 ms | p99 ms | errors | creates/s vs ceiling |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [label, f] of [
  ['bare pg, the same rows in one transaction (ceiling)', bare],
  ['Snypto POST …/messages', snypto],
  ['bare pg, the message INSERT alone (for reference)', insertOnly],
] as const)
  console.log(`| ${label} | ${f.rps.toFixed(0)} | ${f.p50} | ${f.p99} | ${f.errors} | ${(f.rps / bare.rps).toFixed(3)} |`);
