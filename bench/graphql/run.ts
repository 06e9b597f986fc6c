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
 *
 * Its first line (stderr) says how long it will take; progress lines follow
 * on stderr, the figures on stdout. The servers, the PGlite directory and the
 * scratch database go at the end, on failure and on Ctrl-C (bench/support.ts).
 */
import { tmpdir } from 'node:os';
import autocannon from 'autocannon';
import {
  announce,
  countedAutocannon,
  ESTIMATE,
  figuresOf,
  finished,
  phase,
  processCpuMs,
  scratchDirectory,
  spawnServer,
  withScratchDatabase,
  type Figures,
  type Spawned,
} from '../support.ts';
import { BENCH_TOKEN, seed, startWriter, type Seeded } from './seed.ts';
import { CONVERSATION_LIST, CONVERSATION_LIST_WITH_MESSAGES } from './conversation-list.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const conversationCount = Number(process.env.BENCH_CONVERSATIONS ?? 60);
const writesPerSecond = Number(process.env.BENCH_WRITES_PER_SECOND ?? 10);
const token = BENCH_TOKEN;
/** Each drive: a 2 s warm-up, then `seconds` measured. */
const WARMUP_SECONDS = 2;
const DRIVES_PER_DATABASE = 5;

const databases = process.env.DATABASE_URL ? ['PGlite', 'PostgreSQL'] : ['PGlite'];
const perDatabase = Object.fromEntries(
  databases.map((database) => [
    database,
    // A fresh PGlite directory is migrated by its first server (about 5 s more).
    3 * ESTIMATE.serverStart + (database === 'PGlite' ? 5 : 0) + conversationCount * 6 * ESTIMATE.restCall + DRIVES_PER_DATABASE * (WARMUP_SECONDS + seconds),
  ]),
);
announce(
  `the conversation list with ${connections} clients, ${seconds} s per run: a Yoga hello-world, then ${DRIVES_PER_DATABASE} runs on ` +
    `${databases.join(' and on ')} (${conversationCount} conversations seeded)`,
  { 'hello-world': 1 + WARMUP_SECONDS + seconds, ...perDatabase },
);


/** Figures of a timed run, with the server's CPU time (user + system, from /proc) per request. */
type Driven = Figures & { cpuMsPerRequest: number };

async function drive(label: string, server: Spawned, body: string, headers: Record<string, string> = {}): Promise<Driven> {
  const { url } = server;
  // Check the answer once before timing it.
  const check = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const checked = (await check.json()) as { errors?: unknown };
  if (!check.ok || checked.errors) throw new Error(`the benchmarked query fails: ${JSON.stringify(checked)}`);
  const options: autocannon.Options = { url: `${url}/graphql`, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, connections };
  let status = () => 'warming up';
  return phase(
    `${label} (${WARMUP_SECONDS} s warm-up, ${seconds} s measured)`,
    async () => {
      await autocannon({ ...options, duration: WARMUP_SECONDS });
      const cpuBefore = await processCpuMs(server.child.pid!);
      const running = countedAutocannon({ ...options, duration: seconds });
      status = running.status;
      const result = await running.result;
      const cpuMs = (await processCpuMs(server.child.pid!)) - cpuBefore;
      return { ...figuresOf(result), cpuMsPerRequest: cpuMs / Math.max(result.requests.total, 1) };
    },
    () => status(),
  );
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
    const server = await phase(`${label}: starting Snypto, ${caches}`, () =>
      spawnServer('src/main.ts', { ...env, SNYPTO_ADMIN_TOKEN: token, ...cacheEnv }),
    );
    try {
      const counter = { done: 0 };
      seeded ??= await phase(
        `${label}: seeding ${conversationCount} conversations`,
        () => seed(server.url, conversationCount, counter),
        () => `${counter.done} of ${conversationCount} conversations`,
      );
      const body = (query: string) => JSON.stringify({ query, variables: { account: seeded!.account } });
      rows.push([`${label}, list, ${caches}`, await drive(`${label}, list, ${caches}`, server, body(CONVERSATION_LIST), headers)]);
      if (caches === 'all caches off') {
        const deeper = `${label}, list with last 20 messages, ${caches}`;
        rows.push([deeper, await drive(deeper, server, body(CONVERSATION_LIST_WITH_MESSAGES), headers)]);
      }
      if (caches !== 'query-result cache on') continue;
      const stop = startWriter(server.url, seeded.messagePaths, writesPerSecond);
      const figures = await drive(`${label}, list, ${caches}, ${writesPerSecond} writes/s`, server, body(CONVERSATION_LIST), headers);
      const { posted, failed } = stop();
      rows.push([`${label}, list, ${caches}, ${posted} writes (${failed} failed) during the run`, figures]);
    } finally {
      await server.stop();
    }
  }
  return rows;
}

async function benchHello(): Promise<Driven> {
  const server = await phase('starting the Yoga hello-world', () => spawnServer('bench/graphql/hello-server.ts', {}));
  try {
    return await drive('Yoga hello-world', server, JSON.stringify({ query: '{ hello }' }));
  } finally {
    await server.stop();
  }
}

const rows: [string, Driven][] = [];
const hello = await benchHello();
rows.push(['Yoga hello-world (baseline)', hello]);

const dataDir = await scratchDirectory();
try {
  rows.push(...(await benchSnypto('Snypto on PGlite', { SNYPTO_DATA_DIR: dataDir.path })));
} finally {
  await dataDir.remove();
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
finished();
