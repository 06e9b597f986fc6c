/**
 * Footprint benchmark (run on demand: `npm run bench:footprint`): what
 * `npm start` costs an operator in memory and start-up time. It prints
 * figures beside their targets; it is not a timed test.
 *
 * Each run starts `npm start` as a user would (from the project's root, in
 * its own process group, a free PORT, SNYPTO_DATA_DIR in a temporary
 * directory, SNYPTO_ADMIN_TOKEN set) and measures
 *  - the time from the spawn to the first `GET /health` answered 200;
 *  - 5 s after that (FOOTPRINT_SETTLE_SECONDS), the resident memory (RSS) of
 *    the whole process tree (the spawned npm and all its descendants, from
 *    /proc), and the server's own (`node dist/main.js`) with its parts:
 *    anonymous memory (heaps, WebAssembly memories), file-backed (code,
 *    mapped libraries), and V8's heap and external memory as its /metrics
 *    reports them;
 * then sends SIGTERM to the group and checks that every process is gone.
 *
 * Scenarios, in each run: a fresh embedded database (first start: migrates
 * and bootstraps), the same directory again (an existing embedded database),
 * and on PostgreSQL (127.0.0.1:5432, user postgres) a scratch database
 * `snypto_bench_<pid>_…` that the first start migrates, then a second start
 * on it. FOOTPRINT_POSTGRES=0 skips PostgreSQL.
 *
 * Options (environment): FOOTPRINT_RUNS (default 3), FOOTPRINT_SETTLE_SECONDS
 * (default 5), FOOTPRINT_DATABASE_URL (the server scratch databases are made
 * on; default postgresql://postgres@127.0.0.1:5432/postgres), FOOTPRINT_POSTGRES.
 *
 * Its first line (stderr) says how long it takes; progress goes to stderr,
 * the table to stdout. Temporary directories, scratch databases and servers
 * go at the end, on failure and on Ctrl-C (bench/support.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import {
  announce,
  finished,
  freePort,
  onCleanup,
  phase,
  progress,
  root,
  scratchDatabase,
  scratchDirectory,
} from '../support.ts';

const runs = Math.max(1, Number(process.env.FOOTPRINT_RUNS ?? 3));
const settleSeconds = Number(process.env.FOOTPRINT_SETTLE_SECONDS ?? 5);
const withPostgres = process.env.FOOTPRINT_POSTGRES !== '0';
const adminUrl = process.env.FOOTPRINT_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ADMIN_TOKEN = 'footprint-bench-admin-token-0123456789';
const MB = 1024 * 1024;

const scenarios = [
  { key: 'fresh', label: 'embedded, fresh', memoryTarget: 250, startTarget: 4 },
  { key: 'existing', label: 'embedded, existing', memoryTarget: 250, startTarget: 1.5 },
  ...(withPostgres
    ? [
        { key: 'pgFresh', label: 'PostgreSQL, first start', memoryTarget: 150, startTarget: undefined },
        { key: 'pgExisting', label: 'PostgreSQL, existing', memoryTarget: 150, startTarget: undefined },
      ]
    : []),
] as const;
type ScenarioKey = (typeof scenarios)[number]['key'];

announce(
  `npm start's resident memory ${settleSeconds} s after /health and its time to /health: ${scenarios.map((s) => s.label).join(', ')}; ${runs} run(s)`,
  { starts: runs * scenarios.length * (settleSeconds + 4) },
);

// ---------------------------------------------------------------- /proc

interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
  rssBytes: number;
}

/** Every process's parent, from /proc/<pid>/stat. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      map.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  return map;
}

/** `pid` and all its descendants. */
function tree(pid: number): number[] {
  const ppids = parents();
  const found = [pid];
  for (let i = 0; i < found.length; i++) for (const [child, parent] of ppids) if (parent === found[i]) found.push(child);
  return found;
}

/** The fields of /proc/<pid>/status or smaps_rollup (`Name: 123 kB`) in bytes. */
function kbFields(file: string): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^(\w+):\s+(\d+) kB$/.exec(line);
    if (match) fields[match[1]!] = Number(match[2]) * 1024;
  }
  return fields;
}

function describe(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return {
      pid,
      ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]),
      command,
      rssBytes: kbFields(`/proc/${pid}/status`).VmRSS ?? 0,
    };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- one start

interface Measure {
  startSeconds: number;
  treeMb: number;
  /** The server process (node dist/main.js) and its parts. */
  serverMb: number;
  anonMb: number;
  fileMb: number;
  heapUsedMb?: number;
  externalMb?: number;
  processes: string;
  exitedCleanly: boolean;
  stopSeconds: number;
}

/** V8's heap and external memory from the server's /metrics (prom-client's default metrics). */
async function v8Figures(base: string): Promise<{ heapUsedMb?: number; externalMb?: number }> {
  const text = await fetch(`${base}/metrics`).then((r) => r.text(), () => '');
  const value = (name: string) => {
    const match = new RegExp(`^\\w*${name} ([\\d.e+]+)$`, 'm').exec(text);
    return match ? Number(match[1]) / MB : undefined;
  };
  return { heapUsedMb: value('nodejs_heap_size_used_bytes'), externalMb: value('nodejs_external_memory_bytes') };
}

async function startOnce(label: string, env: Record<string, string>): Promise<Measure> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env;
  const startedAt = performance.now();
  const npm: ChildProcess = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    env: { ...inherited, PORT: String(port), HOST: '127.0.0.1', SNYPTO_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  npm.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const exited = new Promise<number | string | null>((resolve) => npm.once('exit', (code, signal) => resolve(code ?? signal)));
  const running = () => npm.exitCode === null && npm.signalCode === null;
  const group = npm.pid!;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-group, signal);
    } catch {
      // already gone
    }
  };
  const release = onCleanup(`npm start (group ${group})`, async () => {
    if (!running() && tree(group).length <= 1) return;
    killGroup('SIGTERM');
    const killer = setTimeout(() => killGroup('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  });

  let startSeconds: number | undefined;
  while (startSeconds === undefined) {
    if (!running()) {
      await release();
      throw new Error(`${label}: npm start exited with ${npm.exitCode ?? npm.signalCode} before /health answered\n${stderr}`);
    }
    const ok = await fetch(`${base}/health`).then((r) => r.status === 200, () => false);
    if (ok) startSeconds = (performance.now() - startedAt) / 1000;
    else if (performance.now() - startedAt > 120_000) {
      await release();
      throw new Error(`${label}: /health did not answer within 120 s\n${stderr}`);
    }
    else await new Promise((r) => setTimeout(r, 10));
  }

  await new Promise((r) => setTimeout(r, settleSeconds * 1000));
  const members = tree(group).map(describe).filter((p): p is ProcessInfo => p !== undefined);
  const treeBytes = members.reduce((sum, p) => sum + p.rssBytes, 0);
  const server = members.find((p) => /dist\/main\.js/.test(p.command));
  const status = server ? kbFields(`/proc/${server.pid}/status`) : {};
  const v8 = await v8Figures(base);
  const processes = members
    .map((p) => `${p.command.split(' ').slice(0, 2).join(' ').replace(/^\S*\//, '')} ${(p.rssBytes / MB).toFixed(0)}`)
    .join(', ');

  const stopAt = performance.now();
  killGroup('SIGTERM');
  const killer = setTimeout(() => killGroup('SIGKILL'), 20_000);
  await exited;
  const survivors = () => (server ? describe(server.pid) !== undefined : false);
  for (let i = 0; i < 100 && survivors(); i++) await new Promise((r) => setTimeout(r, 50));
  clearTimeout(killer);
  const stopSeconds = (performance.now() - stopAt) / 1000;
  const exitedCleanly = !survivors() && tree(group).length <= 1 && (npm.exitCode === 0 || npm.signalCode === 'SIGTERM');
  await release();
  return {
    startSeconds,
    treeMb: treeBytes / MB,
    serverMb: (server?.rssBytes ?? 0) / MB,
    anonMb: (status.RssAnon ?? 0) / MB,
    fileMb: (status.RssFile ?? 0) / MB,
    ...v8,
    processes,
    exitedCleanly,
    stopSeconds,
  };
}

// ---------------------------------------------------------------- the runs

const results = new Map<ScenarioKey, Measure[]>(scenarios.map((s) => [s.key, []]));

async function measure(key: ScenarioKey, env: Record<string, string>) {
  const scenario = scenarios.find((s) => s.key === key)!;
  const result = await phase(scenario.label, () => startOnce(scenario.label, env));
  results.get(key)!.push(result);
  progress(
    `${scenario.label}: /health after ${result.startSeconds.toFixed(2)} s; tree ${result.treeMb.toFixed(0)} MB ` +
      `(${result.processes}); server ${result.serverMb.toFixed(0)} MB = anon ${result.anonMb.toFixed(0)} + file ${result.fileMb.toFixed(0)}, ` +
      `V8 heap used ${result.heapUsedMb?.toFixed(0) ?? '?'} MB, external ${result.externalMb?.toFixed(0) ?? '?'} MB; ` +
      `${result.exitedCleanly ? 'stopped' : 'DID NOT STOP CLEANLY'} in ${result.stopSeconds.toFixed(2)} s`,
  );
}

// The build (prestart) happens once before measuring, so that no run pays for it.
await phase('npm run build if stale', async () => {
  const child = spawn('node', ['scripts/build-if-stale.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the build failed (${code})`);
});

for (let run = 1; run <= runs; run++) {
  progress(`run ${run} of ${runs}`);
  const dir = await scratchDirectory('snypto-footprint-');
  await measure('fresh', { SNYPTO_DATA_DIR: dir.path });
  await measure('existing', { SNYPTO_DATA_DIR: dir.path });
  await dir.remove();
  if (withPostgres) {
    const database = await scratchDatabase(adminUrl);
    const dataDir = await scratchDirectory('snypto-footprint-');
    await measure('pgFresh', { DATABASE_URL: database.url, SNYPTO_DATA_DIR: dataDir.path });
    await measure('pgExisting', { DATABASE_URL: database.url, SNYPTO_DATA_DIR: dataDir.path });
    await database.drop();
    await dataDir.remove();
  }
}

// ---------------------------------------------------------------- the table

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const stat = (values: (number | undefined)[], digits: number) => {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length ? `${median(known).toFixed(digits)} / ${Math.max(...known).toFixed(digits)}` : '?';
};
const verdict = (value: number, target: number | undefined) => (target === undefined ? '' : value <= target ? 'ok' : 'OVER');

const rows: string[][] = [];
for (const scenario of scenarios) {
  const measured = results.get(scenario.key)!;
  const tree = measured.map((m) => m.treeMb);
  const start = measured.map((m) => m.startSeconds);
  rows.push([
    scenario.label,
    stat(tree, 0),
    `≤ ${scenario.memoryTarget}`,
    verdict(Math.max(...tree), scenario.memoryTarget),
    stat(start, 2),
    scenario.startTarget === undefined ? '–' : `≤ ${scenario.startTarget}`,
    verdict(Math.max(...start), scenario.startTarget),
    stat(measured.map((m) => m.serverMb), 0),
    stat(measured.map((m) => m.anonMb), 0),
    stat(measured.map((m) => m.fileMb), 0),
    stat(measured.map((m) => m.heapUsedMb), 0),
    stat(measured.map((m) => m.externalMb), 0),
    measured.every((m) => m.exitedCleanly) ? `yes (${Math.max(...measured.map((m) => m.stopSeconds)).toFixed(1)} s)` : 'NO',
  ]);
}
const header = [
  'scenario',
  'tree RSS MB',
  'target',
  '',
  'to /health s',
  'target',
  '',
  'server RSS MB',
  'anon MB',
  'file MB',
  'V8 heap MB',
  'external MB',
  'stopped on SIGTERM',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
console.log(
  `\nnpm start's footprint, ${runs} run(s); each figure median / max; memory ${settleSeconds} s after the first /health 200 ` +
    `(MB = MiB). ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end.\n`,
);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of rows) console.log(line(row));
console.log(
  '\ntree RSS: the spawned npm and every descendant (shared pages count once per process). server: node dist/main.js; ' +
    'anon: its anonymous memory (V8 heap, WebAssembly memories, malloc), file: mapped code and libraries.',
);
finished();
