/**
 * The scale-out suite's harness: a scratch PostgreSQL database (dropped
 * afterwards), several real Snypto processes (`node --import tsx src/main.ts`)
 * sharing it and Redis, started together, and a REST client for them.
 * Every instance's log lines (warnings and errors) and stderr are passed
 * on to stderr, prefixed with its name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor } from '../support/wait.ts';

export { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.ts';
export { waitFor } from '../support/wait.ts';

const root = path.resolve(import.meta.dirname, '../..');

export const SCALE_ADMIN_TOKEN = 'scale-test-admin-token-0123456789';

/** One Snypto process. */
export interface Instance {
  name: string;
  url: string;
  wsUrl: string;
  child: ChildProcess;
  /** Whether the process is still running. */
  alive(): boolean;
  /** SIGKILL: no shutdown, leases and sockets left as they are. */
  kill(): Promise<void>;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}


const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Every process started here, so that a failing run leaves none behind. */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) if (!exited(child)) child.kill('SIGKILL');
});

/** Starts one instance and resolves once its /health answers. */
export async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      ...inherited,
      SNYPTO_DATA_DIR: tmpdir(),
      SNYPTO_ADMIN_TOKEN: SCALE_ADMIN_TOKEN,
      SNYPTO_WEBHOOK_ALLOW_PRIVATE: 'true',
      LOG_LEVEL: 'warn',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  // stderr as it is; of stdout only the log (pino's JSON lines, warn and above at LOG_LEVEL=warn), not the start-up banner.
  createInterface({ input: child.stderr! }).on('line', (line) => process.stderr.write(`[${name}] ${line}\n`));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('{')) process.stderr.write(`[${name}] ${line}\n`);
  });
  const url = `http://127.0.0.1:${port}`;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const instance: Instance = {
    name,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    child,
    alive: () => !exited(child),
    async kill() {
      if (!exited(child)) child.kill('SIGKILL');
      await exit;
    },
    async stop() {
      if (!exited(child)) child.kill('SIGTERM');
      await exit;
    },
  };
  await waitFor(async () => {
    if (exited(child)) throw new Error(`instance ${name} exited with ${child.exitCode ?? child.signalCode}`);
    return fetch(`${url}/health`).then((reply) => reply.ok, () => false);
  }, `instance ${name} to start`, 60_000);
  return instance;
}

/** Starts the named instances at the same time (their start-ups race for the migration lock). */
export async function startInstances(names: string[], env: Record<string, string>): Promise<Instance[]> {
  const results = await Promise.allSettled(names.map((name) => startInstance(name, env)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.kill() : undefined)));
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<Instance>).value);
}


/** A REST call; throws on any status but 2xx, with the body in the message. */
export async function rest(base: string, token: string | null, method: string, route: string, body?: unknown): Promise<any> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.api_access_token = token;
  const reply = await fetch(`${base}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await reply.text();
  if (!reply.ok) throw new Error(`${method} ${route}: ${reply.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
