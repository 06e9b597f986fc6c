/**
 * What the benchmarks share: Snypto (or another script) started in its own
 * process on a free port, a REST helper, autocannon's figures, and a
 * throw-away PostgreSQL database; and what makes a benchmark behave like a
 * tool: a first line saying what it will do and about how long it will
 * take (`announce`), progress lines on stderr as it goes (`progress`,
 * `phase`: the figures on stdout stay clean), and one cleanup registry
 * (`onCleanup`) that every scratch database, child server and temporary
 * directory joins, run once on a normal end, on an error, and on
 * SIGINT/SIGTERM (then the process exits with 130/143).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';

export const root = path.resolve(import.meta.dirname, '..');

// ---------------------------------------------------------------- a benchmark as a tool

/** The run's name in its progress lines: `bench:rest` for bench/rest/run.ts (`announce` may say otherwise). */
let benchName = (() => {
  const script = path.relative(path.join(root, 'bench'), path.resolve(process.argv[1] ?? 'bench'));
  const [dir, file] = script.split(path.sep);
  return file && !/^run\.[jt]s$/.test(file) ? `bench:${dir}:${file.replace(/\.[jt]s$/, '')}` : `bench:${dir ?? 'bench'}`;
})();
const startedAt = performance.now();
let lastLineAt = startedAt;
let estimatedSeconds: number | undefined;

/** A duration as people say it: `45 s`, `2 min 10 s`, `1 h 5 min`. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min${whole % 60 ? ` ${whole % 60} s` : ''}`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

const sinceStart = () => (performance.now() - startedAt) / 1000;

/** A progress line, on stderr (the figures go to stdout), with the time since the run began. */
export function progress(text: string): void {
  lastLineAt = performance.now();
  process.stderr.write(`[${benchName} ${sinceStart().toFixed(1).padStart(6)} s] ${text}\n`);
}

/**
 * The run's first line: what it will do and about how long it will take,
 * from the estimated seconds of each of its parts (computed by the bench
 * from its parameters). Installs the signal and error handlers.
 */
export function announce(what: string, parts: Record<string, number>, name?: string): void {
  if (name) benchName = name;
  installHandlers();
  estimatedSeconds = Object.values(parts).reduce((sum, s) => sum + s, 0);
  const breakdown = Object.entries(parts)
    .filter(([, s]) => s > 0)
    .map(([part, s]) => `${part} ~${duration(s)}`)
    .join(', ');
  lastLineAt = performance.now();
  process.stderr.write(
    `${benchName}: ${what}. This takes about ${duration(estimatedSeconds)} (${breakdown}). ` +
      `Progress goes to stderr, the figures to stdout; Ctrl-C stops it and cleans up.\n`,
  );
}

/** The last line of a run that ended normally: how long it took beside the estimate. */
export function finished(): void {
  progress(`finished in ${duration(sinceStart())}${estimatedSeconds === undefined ? '' : ` (estimated ${duration(estimatedSeconds)})`}`);
}

interface Phase {
  name: string;
  startedAt: number;
  status?: () => string;
}
const phases: Phase[] = [];

/**
 * Runs `work` as a named phase: a line when it starts and one when it ends,
 * with the time it took; while it runs, a line at least every
 * BENCH_PROGRESS_SECONDS (default 5) with `status()` (what it has done so
 * far) when one is given.
 */
export async function phase<T>(name: string, work: () => Promise<T>, status?: () => string): Promise<T> {
  installHandlers();
  const current: Phase = { name, startedAt: performance.now(), status };
  phases.push(current);
  progress(`${name}…`);
  try {
    const result = await work();
    progress(`${name}: done in ${duration((performance.now() - current.startedAt) / 1000)}`);
    return result;
  } finally {
    phases.splice(phases.indexOf(current), 1);
  }
}

const tickSeconds = Number(process.env.BENCH_PROGRESS_SECONDS ?? 5);
function tick() {
  if (performance.now() - lastLineAt < tickSeconds * 1000 || ending) return;
  const current = phases.at(-1);
  if (!current) return progress('still running');
  const withStatus = [...phases].reverse().find((p) => p.status);
  const status = withStatus?.status?.();
  progress(`${current.name}: ${status ? `${status}, ` : ''}${duration((performance.now() - current.startedAt) / 1000)} so far`);
}

/**
 * Rough costs (seconds) the benches' estimates are made of, measured on the
 * 2-core development machine; a busy machine takes longer.
 */
export const ESTIMATE = {
  /** Snypto started in its own process until /health answers (tsx, the app's import, migrations). */
  serverStart: 4,
  /** One conversation with its contact through REST, ten at a time (seedConversations). */
  perSeededConversation: 0.02,
  /** One REST call made alone (one at a time). */
  restCall: 0.02,
};

/** autocannon's run with its requests counted as they go (for a phase's status). */
export function countedAutocannon(options: autocannon.Options): { result: Promise<autocannon.Result>; status: () => string } {
  const tracker = autocannon(options) as unknown as Promise<autocannon.Result> & EventEmitter;
  let requests = 0;
  tracker.on('tick', ({ counter }: { counter: number }) => (requests += counter));
  return { result: tracker, status: () => `${requests.toLocaleString('en')} requests` };
}

// ---------------------------------------------------------------- cleanup

interface Cleanup {
  label: string;
  run: () => Promise<void>;
}
const cleanups = new Set<Cleanup>();
/** Child processes still running, killed synchronously if the process exits before their cleanup ran. */
const children = new Set<ChildProcess>();
/** Temporary directories still there, removed synchronously on exit if their cleanup did not run. */
const directories = new Set<string>();

/**
 * Registers `release` (a scratch database's drop, a server's stop, a
 * directory's removal) to run once: when the caller runs the function this
 * returns, or else on SIGINT/SIGTERM, on an uncaught error, or when the run
 * ends with it still registered. Cleanups run newest first.
 */
export function onCleanup(label: string, release: () => unknown): () => Promise<void> {
  installHandlers();
  let done: Promise<void> | undefined;
  const entry: Cleanup = {
    label,
    run: () =>
      (done ??= (async () => {
        try {
          await release();
        } catch (error) {
          process.stderr.write(`cleanup of ${label} failed: ${error instanceof Error ? error.message : String(error)}\n`);
        } finally {
          cleanups.delete(entry);
        }
      })()),
  };
  cleanups.add(entry);
  return entry.run;
}

/** Runs every registered cleanup, newest first (each once). */
export async function cleanUpAll(): Promise<void> {
  for (const entry of [...cleanups].reverse()) await entry.run();
}

/** Why the run is ending early, once it is: later errors (a request to a server being stopped) are its echoes. */
let ending: string | undefined;
let installed = false;

function installHandlers() {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    process.on(signal, () => {
      // Ctrl-C under npm reaches this process twice (from the terminal and from npm): one is enough.
      if (ending) return;
      ending = signal;
      const what = [...cleanups].map((c) => c.label).reverse();
      progress(`${signal}: stopping${what.length ? `; cleaning up ${what.join(', ')}` : ''}`);
      void end(code);
    });
  const fail = (error: unknown) => {
    if (ending) {
      if (process.env.BENCH_DEBUG) console.error(error);
      return;
    }
    ending = 'error';
    console.error(error);
    progress(`failed after ${duration(sinceStart())}${cleanups.size ? '; cleaning up' : ''}`);
    void end(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  // A run that ends with cleanups still registered (a bench that forgot one) runs them before exiting.
  process.on('beforeExit', () => {
    if (cleanups.size) void cleanUpAll();
  });
  // The last resort (process.exit from elsewhere): what can be undone synchronously.
  process.on('exit', () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  });
  setInterval(tick, 1000).unref();
}

async function end(code: number) {
  // A cleanup that hangs (a server that will not stop) must not keep the run alive for ever.
  const bound = setTimeout(() => {
    progress('cleanup is taking over 30 s; exiting anyway');
    process.exit(code);
  }, 30_000);
  await cleanUpAll();
  clearTimeout(bound);
  progress(`cleaned up; exiting with ${code}`);
  process.exit(code);
}

/** A new temporary directory, removed at the end of the run (or by `remove()`). */
export async function scratchDirectory(prefix = 'snypto-bench-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  directories.add(dir);
  const remove = onCleanup(`temporary directory ${dir}`, async () => {
    await rm(dir, { recursive: true, force: true });
    directories.delete(dir);
  });
  return { path: dir, remove };
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

function withoutDatabaseUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _omitted, ...rest } = env;
  return rest;
}

export interface Spawned {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `script` (a path from the project's root) with `env`, and waits for
 * its /health. BENCH_SERVER_NODE_ARGS adds Node options to the server, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/profiles` to profile it under load;
 * BENCH_SERVER_LOG=<file> appends the server's log (stdout, LOG_LEVEL warn)
 * to that file instead of discarding it. The server is stopped by `stop()`,
 * or at the end of the run whatever ends it.
 */
export async function spawnServer(script: string, env: Record<string, string>, options: { nodeArgs?: string[] } = {}): Promise<Spawned> {
  const port = await freePort();
  const nodeArgs = [...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), ...(options.nodeArgs ?? [])];
  const logFile = process.env.BENCH_SERVER_LOG ? openSync(process.env.BENCH_SERVER_LOG, 'a') : undefined;
  // orphan-guard.mjs stops the server if this process dies without stopping it (SIGKILL).
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', '--import', './bench/orphan-guard.mjs', script], {
    cwd: root,
    // DATABASE_URL reaches the server only when a run passes it (a PGlite run must not inherit it).
    // A short drain (SHUTDOWN_TIMEOUT, seconds): an interrupted run's requests may still be coming when it stops the server.
    env: { SHUTDOWN_TIMEOUT: '3', ...withoutDatabaseUrl(process.env), ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', logFile ?? 'ignore', 'inherit'],
  });
  // The child has its own copy of the log file's descriptor.
  if (logFile !== undefined) closeSync(logFile);
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => children.delete(child));
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${port}`;
  const stop = onCleanup(`${script} (pid ${child.pid})`, async () => {
    if (!isRunning()) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  });
  for (let i = 0; i < 600; i++) {
    if (!isRunning()) {
      await stop();
      throw new Error(`${script} exited with ${child.exitCode ?? child.signalCode}`);
    }
    const up = await fetch(`${url}/health`).then((r) => r.status < 500, () => false);
    if (up) return { url, child, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`${script} did not start`);
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
export async function processCpuMs(pid: number, part: 'all' | 'user' | 'system' = 'all'): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ on Linux
  const [user, system] = [Number(fields[11]), Number(fields[12])];
  return ((part === 'user' ? user : part === 'system' ? system : user + system) * 1000) / ticksPerSecond;
}

/** A REST call with an access token; throws on any status but 2xx, and once the run is ending (interrupted, failed). */
export async function rest(url: string, token: string, method: string, route: string, body?: unknown): Promise<any> {
  if (ending) throw new Error(`${method} ${route}: not sent, the run is ending (${ending})`);
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { 'content-type': 'application/json', api_access_token: token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * An API inbox and `count` conversations in the token owner's account, each
 * with its own contact, created through REST ten at a time (`counter.done`
 * counts them, for progress lines); returns the profile and each
 * conversation's messages path.
 */
export async function seedConversations(url: string, token: string, count: number, counter: { done: number } = { done: 0 }) {
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
    counter.done++;
  };
  for (let i = 0; i < count; i += 10) await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, k) => one(i + k)));
  return { profile, paths };
}

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** autocannon's result as the figures the benchmarks print. */
export const figuresOf = (result: autocannon.Result): Figures => ({
  rps: result.requests.average,
  p50: result.latency.p50,
  p99: result.latency.p99,
  errors: result.errors + result.non2xx + result.timeouts,
});

// ---------------------------------------------------------------- scratch databases

/** Scratch databases are named `snypto_bench_<pid>_<ms since 1970>_<n>`: whose they are, and since when. */
const SCRATCH_PREFIX = 'snypto_bench_';
const SCRATCH_NAME = /^snypto_bench_(\d+)_(\d+)(?:_\d+)?$/;
let scratchCount = 0;
const sweptServers = new Set<string>();

/** When a process started (ms since 1970), from /proc; undefined where /proc cannot say. */
function processStartedMs(pid: number): number | undefined {
  try {
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return bootSeconds * 1000 + (startTicks * 1000) / 100; // USER_HZ on Linux
  } catch {
    return undefined;
  }
}

/** Whether the process that made a database at `createdMs` still runs: its pid is alive and started before then (not reused since). */
function creatorAlive(pid: number, createdMs: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const started = processStartedMs(pid);
  return started === undefined || started <= createdMs + 2_000;
}

/**
 * Drops the scratch databases of benchmark runs that can no longer clean up
 * after themselves (killed with SIGKILL, say): those whose creating process
 * is gone. Only on a server of this machine (the pid in a name means
 * nothing elsewhere), once per server and run.
 */
export async function dropLeftoverDatabases(adminUrl: string): Promise<string[]> {
  const { hostname } = new URL(adminUrl);
  if (!['127.0.0.1', 'localhost', '[::1]', '::1', ''].includes(hostname) || sweptServers.has(adminUrl)) return [];
  sweptServers.add(adminUrl);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const dropped: string[] = [];
  try {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `${SCRATCH_PREFIX.replaceAll('_', '\\_')}%`,
    ]);
    for (const { datname } of rows) {
      const match = SCRATCH_NAME.exec(datname);
      if (!match) continue;
      const [pid, createdMs] = [Number(match[1]), Number(match[2])];
      if (pid === process.pid || creatorAlive(pid, createdMs)) continue;
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      dropped.push(datname);
      progress(`dropped ${datname}, left behind by process ${pid} (no longer running)`);
    }
  } finally {
    await admin.end();
  }
  return dropped;
}

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A new, empty database on DATABASE_URL's server (after dropping the ones
 * dead runs left behind), dropped by `drop()` or at the end of the run,
 * whatever ends it.
 */
export async function scratchDatabase(databaseUrl: string): Promise<ScratchDatabase> {
  installHandlers();
  await dropLeftoverDatabases(databaseUrl);
  const name = `${SCRATCH_PREFIX}${process.pid}_${Date.now()}_${++scratchCount}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  // Registered before it exists: an interruption during CREATE DATABASE waits for it, then drops it.
  const created = admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
  const drop = onCleanup(`scratch database ${name}`, async () => {
    if (await created.then(() => false, () => true)) return;
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  });
  await created;
  progress(`scratch database ${name} created`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop };
}

/** Runs `work` with the URL of a new, empty database on DATABASE_URL's server, dropped afterwards (see scratchDatabase). */
export async function withScratchDatabase<T>(databaseUrl: string, work: (url: string) => Promise<T>): Promise<T> {
  const database = await scratchDatabase(databaseUrl);
  try {
    return await work(database.url);
  } finally {
    await database.drop();
  }
}

/**
 * Calls `onCommit` with each message insert's id and the time (performance.now())
 * it commits, as this process sees it: a trigger on `messages` sends a NOTIFY,
 * which PostgreSQL delivers to the LISTEN at commit. Resolves to what stops it.
 */
export async function listenToMessageCommits(databaseUrl: string, onCommit: (messageId: number, at: number) => void) {
  const listener = new pg.Client({ connectionString: databaseUrl });
  await listener.connect();
  await listener.query(`
    CREATE FUNCTION bench_message_committed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('bench_message_committed', NEW.id::text); RETURN NEW; END $$;
    CREATE TRIGGER bench_message_committed AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION bench_message_committed();
    LISTEN bench_message_committed;`);
  listener.on('notification', (notification) => onCommit(Number(notification.payload), performance.now()));
  return { end: () => listener.end() };
}
