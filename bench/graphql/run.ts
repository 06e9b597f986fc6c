/**
 * GraphQL benchmark (run on demand: `npm run bench:graphql`).
 *
 * Serves Snypto in its own process, seeds an inbox with conversations (each
 * with a contact, an assignee and messages) through the REST API, then
 * drives the conversation list with last message, contact and assignee
 * (25 per page) with 50 concurrent clients (autocannon), on PGlite and, when
 * DATABASE_URL is set, on a throw-away database of that PostgreSQL server.
 * A bare Yoga hello-world runs in the same way in the same run, and every
 * figure is also printed as a ratio to it: these machines are shared and
 * noisy, so ratios measured side by side are what to compare.
 *
 * Each database is measured three ways: with the read cache (query results
 * kept per caller until the next committed write), with the read cache while
 * messages are being posted (BENCH_WRITES_PER_SECOND, default 10), and with
 * the read cache off (every request executed: 9 SQL statements).
 *
 * Options (environment): DATABASE_URL, BENCH_SECONDS (default 10),
 * BENCH_CONNECTIONS (default 50), BENCH_CONVERSATIONS (default 60),
 * BENCH_WRITES_PER_SECOND (default 10).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { figuresOf, rest, spawnServer, withScratchDatabase, type Figures } from '../support.ts';
import { CONVERSATION_LIST } from './conversation-list.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const conversationCount = Number(process.env.BENCH_CONVERSATIONS ?? 60);
const writesPerSecond = Number(process.env.BENCH_WRITES_PER_SECOND ?? 10);
const token = 'bench-admin-token-0123456789';


interface Seeded {
  /** The account's global id. */
  account: string;
  /** REST paths of the seeded conversations' messages, for the writer. */
  messagePaths: string[];
}

/** An inbox, two agents, and conversations with a contact, an assignee and three messages each. */
async function seed(url: string): Promise<Seeded> {
  const messagePaths: string[] = [];
  const profile = await rest(url, token, 'GET', '/api/v1/profile');
  const account = `/api/v1/accounts/${profile.account_id}`;
  const inbox = await rest(url, token, 'POST', `${account}/inboxes`, { name: 'Bench', channel: { type: 'api' } });
  const agents = [];
  for (const n of [1, 2]) {
    const agent = await rest(url, token, 'POST', `${account}/agents`, { name: `Agent ${n}`, email: `agent${n}@bench.test` });
    agents.push(agent.id);
  }
  await rest(url, token, 'POST', `${account}/inbox_members`, { inbox_id: inbox.id, user_ids: agents });
  for (let i = 0; i < conversationCount; i++) {
    const contact = await rest(url, token, 'POST', `${account}/contacts`, {
      name: `Customer ${i}`,
      email: `customer${i}@bench.test`,
      inbox_id: inbox.id,
    });
    const conversation = await rest(url, token, 'POST', `${account}/conversations`, {
      source_id: contact.payload.contact_inbox.source_id,
      assignee_id: agents[i % 2],
    });
    const messages = `${account}/conversations/${conversation.id}/messages`;
    messagePaths.push(messages);
    for (const [content, type] of [['Hello', 'incoming'], ['Hi, how can I help?', 'outgoing'], ['My order is late', 'incoming']])
      await rest(url, token, 'POST', messages, { content, message_type: type });
  }
  return { account: Buffer.from(`Account:${profile.account_id}`).toString('base64'), messagePaths };
}

/**
 * Posts an incoming message `perSecond` times a second, round-robin over the
 * conversations (staying under Chatwoot's 200 messages a minute per
 * conversation), until stopped; returns how many it posted.
 */
function startWriter(url: string, messagePaths: string[], perSecond: number) {
  let posted = 0;
  let failed = 0;
  const timer = setInterval(() => {
    const path = messagePaths[posted % messagePaths.length]!;
    posted++;
    rest(url, token, 'POST', path, { content: `write ${posted}`, message_type: 'incoming' }).catch(() => failed++);
  }, 1000 / perSecond);
  return () => {
    clearInterval(timer);
    return { posted, failed };
  };
}

async function drive(url: string, body: string, headers: Record<string, string> = {}): Promise<Figures> {
  // Check the answer once before timing it.
  const check = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const checked = (await check.json()) as { errors?: unknown };
  if (!check.ok || checked.errors) throw new Error(`the benchmarked query fails: ${JSON.stringify(checked)}`);
  await autocannon({ url: `${url}/graphql`, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, connections, duration: 2 });
  const result = await autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections,
    duration: seconds,
  });
  return figuresOf(result);
}

/**
 * Three runs on one database: reads with the read cache (the default), the
 * same while a writer posts messages (each write makes every cached result
 * stale), and reads with the cache off (every request executed).
 */
async function benchSnypto(label: string, env: Record<string, string>): Promise<[string, Figures][]> {
  const rows: [string, Figures][] = [];
  const headers = { authorization: `Bearer ${token}` };
  let seeded: Seeded | undefined;
  for (const readCache of [true, false]) {
    const server = await spawnServer('src/main.ts', {
      ...env,
      SNYPTO_ADMIN_TOKEN: token,
      ...(readCache ? {} : { SNYPTO_READ_CACHE_ENTRIES: '0' }),
    });
    try {
      seeded ??= await seed(server.url);
      const body = JSON.stringify({ query: CONVERSATION_LIST, variables: { account: seeded.account } });
      if (!readCache) {
        rows.push([`${label}, no read cache`, await drive(server.url, body, headers)]);
        continue;
      }
      rows.push([`${label}, read cache`, await drive(server.url, body, headers)]);
      const stop = startWriter(server.url, seeded.messagePaths, writesPerSecond);
      const figures = await drive(server.url, body, headers);
      const { posted, failed } = stop();
      rows.push([`${label}, read cache, ${posted} writes (${failed} failed) during the run`, figures]);
    } finally {
      await server.stop();
    }
  }
  return rows;
}

async function benchHello(): Promise<Figures> {
  const server = await spawnServer('bench/graphql/hello-server.ts', {});
  try {
    return await drive(server.url, JSON.stringify({ query: '{ hello }' }));
  } finally {
    await server.stop();
  }
}

const rows: [string, Figures][] = [];
const hello = await benchHello();
rows.push(['Yoga hello-world (baseline)', hello]);

const dataDir = await mkdtemp(path.join(tmpdir(), 'snypto-bench-'));
try {
  rows.push(...(await benchSnypto('Snypto on PGlite', { SNYPTO_DATA_DIR: dataDir })));
} finally {
  await rm(dataDir, { recursive: true, force: true });
}

if (process.env.DATABASE_URL)
  rows.push(
    ...(await withScratchDatabase(process.env.DATABASE_URL, (url) =>
      benchSnypto('Snypto on PostgreSQL', { DATABASE_URL: url, SNYPTO_DATA_DIR: tmpdir() }),
    )),
  );

console.log(`\nConversation list, 25 per page with last message, contact and assignee: ${connections} connections, ${seconds} s each`);
console.log('| server | requests/s | p50 ms | p99 ms | errors | requests/s vs hello-world | p99 vs hello-world |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const [label, f] of rows)
  console.log(
    `| ${label} | ${f.rps.toFixed(0)} | ${f.p50} | ${f.p99} | ${f.errors} | ${(f.rps / hello.rps).toFixed(3)} | ${(f.p99 / Math.max(hello.p99, 1)).toFixed(1)}× |`,
  );
