/**
 * What the benchmarks share: Snypto (or another script) started in its own
 * process on a free port, a REST helper, autocannon's figures, and a
 * throw-away PostgreSQL database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';

export const root = path.resolve(import.meta.dirname, '..');

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
 * `--cpu-prof --cpu-prof-dir=/tmp/profiles` to profile it under load.
 */
export async function spawnServer(script: string, env: Record<string, string>, options: { nodeArgs?: string[] } = {}): Promise<Spawned> {
  const port = await freePort();
  const nodeArgs = [...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), ...(options.nodeArgs ?? [])];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    cwd: root,
    // DATABASE_URL reaches the server only when a run passes it (a PGlite run must not inherit it).
    env: { ...withoutDatabaseUrl(process.env), ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  };
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
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

/** A REST call with an access token; throws on any status but 2xx. */
export async function rest(url: string, token: string, method: string, route: string, body?: unknown): Promise<any> {
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
 * with its own contact, created through REST ten at a time; returns the
 * profile and each conversation's messages path.
 */
export async function seedConversations(url: string, token: string, count: number) {
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

/** Runs `work` with the URL of a new, empty database on DATABASE_URL's server, dropped afterwards. */
export async function withScratchDatabase<T>(databaseUrl: string, work: (url: string) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const name = `snypto_bench_${process.pid}_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
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
