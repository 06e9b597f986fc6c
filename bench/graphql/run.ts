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
 * noisy, so ratios measured side by side are what to compare. Each row
 * also shows the server's CPU time per request (Snypto's process only, from
 * /proc; PostgreSQL's own work is not in it), which the machine's load
 * disturbs far less than the request rate.
 *
 * Each database is measured first as a busy system serves it: with every
 * cache off (SNYPTO_READ_CACHE_ENTRIES=0), and with only the authentication
 * caches (SNYPTO_QUERY_CACHE_ENTRIES=0: every query executed); then the
 * deeper list (each conversation's last 20 messages and their senders) with
 * every cache off; then with the query-result cache (results kept per
 * caller until the next committed write), alone and while messages are
 * being posted (BENCH_WRITES_PER_SECOND, default 10).
 *
 * Options (environment): DATABASE_URL, BENCH_SECONDS (default 10),
 * BENCH_CONNECTIONS (default 50), BENCH_CONVERSATIONS (default 60),
 * BENCH_WRITES_PER_SECOND (default 10).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { figuresOf, processCpuMs, spawnServer, withScratchDatabase, type Figures, type Spawned } from '../support.ts';
import { BENCH_TOKEN, seed, startWriter, type Seeded } from './seed.ts';
import { CONVERSATION_LIST, CONVERSATION_LIST_WITH_MESSAGES } from './conversation-list.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const conversationCount = Number(process.env.BENCH_CONVERSATIONS ?? 60);
const writesPerSecond = Number(process.env.BENCH_WRITES_PER_SECOND ?? 10);
const token = BENCH_TOKEN;


/** Figures of a timed run, with the server's CPU time (user + system, from /proc) per request. */
type Driven = Figures & { cpuMsPerRequest: number };

async function drive(server: Spawned, body: string, headers: Record<string, string> = {}): Promise<Driven> {
  const { url } = server;
  // Check the answer once before timing it.
  const check = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const checked = (await check.json()) as { errors?: unknown };
  if (!check.ok || checked.errors) throw new Error(`the benchmarked query fails: ${JSON.stringify(checked)}`);
  await autocannon({ url: `${url}/graphql`, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, connections, duration: 2 });
  const cpuBefore = await processCpuMs(server.child.pid!);
  const result = await autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections,
    duration: seconds,
  });
  const cpuMs = (await processCpuMs(server.child.pid!)) - cpuBefore;
  return { ...figuresOf(result), cpuMsPerRequest: cpuMs / Math.max(result.requests.total, 1) };
}

/** The caches a run keeps: none, the credential caches alone, or all of them (the default). */
const CACHE_SETTINGS = [
  ['all caches off', { SNYPTO_READ_CACHE_ENTRIES: '0' }],
  ['authentication caches only', { SNYPTO_QUERY_CACHE_ENTRIES: '0' }],
  ['query-result cache on', {}],
] as const;

/**
 * The runs on one database, the honest ones first: the list with every
 * cache off, with only the authentication caches (every query executed),
 * the deeper list with every cache off, then with the query-result cache
 * (results kept per caller until the next committed write), alone and
 * while messages are being posted (each write makes every cached result stale).
 */
async function benchSnypto(label: string, env: Record<string, string>): Promise<[string, Driven][]> {
  const rows: [string, Driven][] = [];
  const headers = { authorization: `Bearer ${token}` };
  let seeded: Seeded | undefined;
  for (const [caches, cacheEnv] of CACHE_SETTINGS) {
    const server = await spawnServer('src/main.ts', { ...env, SNYPTO_ADMIN_TOKEN: token, ...cacheEnv });
    try {
      seeded ??= await seed(server.url, conversationCount);
      const body = (query: string) => JSON.stringify({ query, variables: { account: seeded!.account } });
      console.log(`${label}, ${caches}…`);
      rows.push([`${label}, list, ${caches}`, await drive(server, body(CONVERSATION_LIST), headers)]);
      if (caches === 'all caches off')
        rows.push([`${label}, list with last 20 messages, ${caches}`, await drive(server, body(CONVERSATION_LIST_WITH_MESSAGES), headers)]);
      if (caches !== 'query-result cache on') continue;
      const stop = startWriter(server.url, seeded.messagePaths, writesPerSecond);
      const figures = await drive(server, body(CONVERSATION_LIST), headers);
      const { posted, failed } = stop();
      rows.push([`${label}, list, ${caches}, ${posted} writes (${failed} failed) during the run`, figures]);
    } finally {
      await server.stop();
    }
  }
  return rows;
}

async function benchHello(): Promise<Driven> {
  const server = await spawnServer('bench/graphql/hello-server.ts', {});
  try {
    return await drive(server, JSON.stringify({ query: '{ hello }' }));
  } finally {
    await server.stop();
  }
}

const rows: [string, Driven][] = [];
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

console.log(`\nConversation list, 25 per page with last message, contact and assignee (the deeper list adds each one's last 20 messages): ${connections} connections, ${seconds} s each`);
console.log('| server | requests/s | p50 ms | p99 ms | errors | server CPU ms per request | requests/s vs hello-world | p99 vs hello-world |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const [label, f] of rows)
  console.log(
    `| ${label} | ${f.rps.toFixed(0)} | ${f.p50} | ${f.p99} | ${f.errors} | ${f.cpuMsPerRequest.toFixed(2)} | ${(f.rps / hello.rps).toFixed(3)} | ${(f.p99 / Math.max(hello.p99, 1)).toFixed(1)}× |`,
  );
