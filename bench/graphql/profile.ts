/**
 * Where a conversation-list request's CPU goes (run on demand:
 * `npm run bench:graphql:profile`).
 *
 * Serves Snypto with `--cpu-prof` (PostgreSQL when DATABASE_URL is set,
 * else PGlite), seeds it as bench:graphql does, drives the list with every
 * cache off (SNYPTO_READ_CACHE_ENTRIES=0) for BENCH_SECONDS (default 10),
 * stops the server so that V8 writes its profile, and prints the server's
 * CPU per request split by who spent it: GraphQL (parse, validate,
 * execute), Pothos, Prisma (client and query compiler), the database
 * driver, Yoga and Fastify, Snypto's own code, and Node itself (sockets,
 * timers, garbage collection). The profile stays in PROFILE_DIR (default a
 * temporary directory) for Chrome DevTools.
 *
 * Options (environment): DATABASE_URL, BENCH_SECONDS, BENCH_CONNECTIONS
 * (default 50), BENCH_CONVERSATIONS (default 60), BENCH_QUERY
 * (`list`, default, or `messages` for CONVERSATION_LIST_WITH_MESSAGES),
 * BENCH_CACHES (`auth`: the authentication caches on, the query-result
 * cache off; default every cache off), PROFILE_DIR.
 *
 * Its first line (stderr) says how long it will take; progress lines follow
 * on stderr, the figures on stdout. The servers, the PGlite directory and the
 * scratch database go at the end, on failure and on Ctrl-C (bench/support.ts),
 * and so does a temporary PROFILE_DIR unless the run finished.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  announce,
  countedAutocannon,
  ESTIMATE,
  figuresOf,
  finished,
  onCleanup,
  phase,
  progress,
  scratchDirectory,
  spawnServer,
  withScratchDatabase,
} from '../support.ts';
import { CONVERSATION_LIST, CONVERSATION_LIST_WITH_MESSAGES } from './conversation-list.ts';
import { BENCH_TOKEN, seed } from './seed.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const conversationCount = Number(process.env.BENCH_CONVERSATIONS ?? 60);
const query = process.env.BENCH_QUERY === 'messages' ? CONVERSATION_LIST_WITH_MESSAGES : CONVERSATION_LIST;
/** BENCH_CACHES=auth: the authentication caches on (the query-result cache still off). */
const authCachesOnly = process.env.BENCH_CACHES === 'auth';

announce(
  `a CPU profile of the conversation list${process.env.BENCH_QUERY === 'messages' ? ' with last 20 messages' : ''} on ` +
    `${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, every cache off, ${connections} clients for ${seconds} s (${conversationCount} conversations seeded)`,
  {
    'set-up': 2 * ESTIMATE.serverStart + (process.env.DATABASE_URL ? 0 : 5) + conversationCount * 6 * ESTIMATE.restCall,
    profiling: seconds + 1,
    'reading the profile': 3,
  },
  'bench:graphql:profile',
);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Who spent a sample, by the script it was in (first match wins). */
const OWNERS: [string, RegExp][] = [
  ['GraphQL (graphql-js: parse, validate, execute)', /node_modules\/graphql\//],
  ['Pothos (schema plugins, auth scopes, Prisma selections)', /node_modules\/@pothos\//],
  ['Prisma query compiler (WebAssembly)', /query_compiler|\.wasm/],
  ['Prisma client', /node_modules\/@prisma\/client|src\/generated\/prisma|node_modules\/\.prisma/],
  ['Prisma driver adapter', /node_modules\/@prisma\/(adapter|driver)/],
  ['pg driver', /node_modules\/(pg|pg-protocol|pg-types|postgres-)/],
  ['PGlite', /node_modules\/@electric-sql\//],
  ['Yoga and envelop', /node_modules\/(@?graphql-yoga|@envelop|@whatwg-node|@graphql-tools|@escape\.tech)/],
  ['Fastify', /node_modules\/(fastify|@fastify|find-my-way|light-my-request|avvio|pino)/],
  ['DataLoader', /node_modules\/dataloader\//],
  ['other packages', /node_modules\//],
  ['Snypto (src/)', /\/src\//],
  ['Node (internals)', /^node:|^internal\//],
];

function ownerOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(idle)' || functionName === '(program)' || functionName === '(root)') return `(${functionName.slice(1, -1)})`;
  if (url === '') return 'Node (native and builtins)';
  for (const [owner, pattern] of OWNERS) if (pattern.test(url)) return owner;
  return 'other';
}

/** Self time (ms) per owner and per function, from the samples of the profile's last `windowMs`. */
function selfTime(profile: CpuProfile, windowMs: number) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  const from = profile.endTime - windowMs * 1000;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < from) return;
    const node = byId.get(id)!;
    add(owners, ownerOf(node), delta / 1000);
    const { functionName, url } = node.callFrame;
    add(functions, `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/src\//, 'src/')}`, delta / 1000);
  });
  return { owners, functions };
}

async function profileOn(label: string, env: Record<string, string>, dir: string): Promise<void> {
  const caches: Record<string, string> = authCachesOnly ? { SNYPTO_QUERY_CACHE_ENTRIES: '0' } : { SNYPTO_READ_CACHE_ENTRIES: '0' };
  const serverEnv = { ...env, SNYPTO_ADMIN_TOKEN: BENCH_TOKEN, ...caches };
  // Seeded by a server of its own, so that the profile holds the reads alone.
  const seeding = await phase(`${label}: starting Snypto to seed`, () => spawnServer('src/main.ts', serverEnv));
  const counter = { done: 0 };
  const seeded = await phase(
    `${label}: seeding ${conversationCount} conversations`,
    () => seed(seeding.url, conversationCount, counter).finally(() => seeding.stop()),
    () => `${counter.done} of ${conversationCount} conversations`,
  );
  const server = await phase(`${label}: starting Snypto with --cpu-prof`, () =>
    spawnServer('src/main.ts', serverEnv, { nodeArgs: [`--cpu-prof`, `--cpu-prof-dir=${dir}`] }),
  );
  let requests = 0;
  let driveStart = performance.now();
  try {
    const body = JSON.stringify({ query, variables: { account: seeded.account } });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_TOKEN}` };
    const check = (await (await fetch(`${server.url}/graphql`, { method: 'POST', headers, body })).json()) as { errors?: unknown };
    if (check.errors) throw new Error(`the profiled query fails: ${JSON.stringify(check.errors)}`);
    driveStart = performance.now();
    const running = countedAutocannon({ url: `${server.url}/graphql`, method: 'POST', headers, body, connections, duration: seconds });
    const result = await phase(`${label}: driving the list for ${seconds} s`, () => running.result, running.status);
    requests = result.requests.total;
    const f = figuresOf(result);
    progress(`${label}: ${f.rps.toFixed(0)} requests/s, p99 ${f.p99} ms, ${f.errors} errors`);
  } finally {
    // Stopped (SIGTERM) so that V8 writes the profile.
    await phase(`${label}: stopping the server (V8 writes the profile)`, () => server.stop());
  }
  // The reads alone: the profile's last part, from the drive's start to the server's exit.
  const windowMs = performance.now() - driveStart;
  const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile was written to ${dir}`);
  const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
  const { owners, functions } = selfTime(profile, windowMs);
  const busyOf = (map: Map<string, number>) => [...map].filter(([key]) => !key.startsWith('(idle)'));
  const busy = busyOf(owners).reduce((sum, [, ms]) => sum + ms, 0);
  console.log(`\n${label}: server CPU per request ${(busy / requests).toFixed(3)} ms over ${requests} requests`);
  console.log('| spent in | ms per request | share |');
  console.log('|---|---:|---:|');
  for (const [owner, ms] of busyOf(owners).sort((a, b) => b[1] - a[1]))
    console.log(`| ${owner} | ${(ms / requests).toFixed(3)} | ${((100 * ms) / busy).toFixed(1)}% |`);
  console.log('\nThe 25 functions with the most self time:');
  for (const [name, ms] of busyOf(functions).sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`  ${(ms / requests).toFixed(3)} ms  ${((100 * ms) / busy).toFixed(1)}%  ${name}`);
  console.log(`profile: ${path.join(dir, file)}`);
}

/** A PROFILE_DIR of our own (a temporary one) goes if the run does not finish; the one given is left alone. */
let dir = process.env.PROFILE_DIR;
let keepProfile = () => undefined as unknown;
if (!dir) {
  const made = await mkdtemp(path.join(tmpdir(), 'snypto-profile-'));
  dir = made;
  let finishedRun = false;
  keepProfile = () => (finishedRun = true);
  onCleanup(`temporary profile directory ${made}`, () => (finishedRun ? undefined : rm(made, { recursive: true, force: true })));
}
if (process.env.DATABASE_URL) {
  await withScratchDatabase(process.env.DATABASE_URL, (url) => profileOn('PostgreSQL', { DATABASE_URL: url, SNYPTO_DATA_DIR: tmpdir() }, dir));
} else {
  const dataDir = await scratchDirectory();
  try {
    await profileOn('PGlite', { SNYPTO_DATA_DIR: dataDir.path }, dir);
  } finally {
    await dataDir.remove();
  }
}
keepProfile();
finished();
