/**
 * `npm start` as an operator runs it: the built server (dist/, plain node)
 * is npm's own child, so a signal sent to the `npm start` process, as `kill`
 * or a process manager sends it, or to its whole process group, as Ctrl-C in
 * a terminal does, drains and stops the server and leaves no process behind.
 * SHUTDOWN_TIMEOUT is a hard bound even after hostile traffic: half-sent
 * bodies, half-sent headers, deeply nested and oversize bodies, and abusive
 * /cable frames still open when the signal comes.
 */
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { migratedDataDir } from '../support/pglite-template.ts';
import { ADMIN_TOKEN } from '../support/server.ts';
import { waitFor } from '../support/wait.ts';

const root = path.resolve(import.meta.dirname, '../..');

interface Started {
  npm: ChildProcessByStdio<null, Readable, Readable>;
  /** npm's exit code, or the signal that ended it. */
  exited: Promise<number | string | null>;
  logs: Record<string, any>[];
  output: () => string;
  base: string;
  port: number;
  /** The server's own process id (from its log lines): npm's child. */
  serverPid: number;
}

const running: Started[] = [];
const dataDirs: string[] = [];
afterEach(async () => {
  for (const started of running.splice(0)) {
    if (started.npm.exitCode === null && started.npm.signalCode === null) started.npm.kill('SIGKILL');
    if (alive(started.serverPid)) process.kill(started.serverPid, 'SIGKILL');
  }
  for (const dir of dataDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `npm start` in its own process group (a shell's job) and waits for /health. */
async function npmStart(env: Record<string, string> = {}): Promise<Started> {
  const dataDir = await migratedDataDir('snypto-npm-start-');
  dataDirs.push(dataDir);
  const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env;
  const npm = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', SNYPTO_DATA_DIR: dataDir, SNYPTO_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string | null>((resolve) => npm.on('exit', (code, signal) => resolve(code ?? signal)));
  const logs: Record<string, any>[] = [];
  let text = '';
  let pending = '';
  npm.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop()!;
    for (const line of lines) if (line.startsWith('{')) logs.push(JSON.parse(line));
  });
  npm.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const partial: Partial<Started> = { npm, exited, logs, output: () => text };
  running.push(partial as Started);
  // A first start may build dist/ (scripts/build-if-stale.mjs) before the server starts.
  const ready = await waitFor(async () => logs.find((line) => line.msg === 'Snypto is ready'), 'Snypto to be ready', 90_000);
  const listening = logs.find((line) => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(line.msg))!;
  const port = Number(/:(\d+)$/.exec(listening.msg)![1]);
  Object.assign(partial, { base: `http://127.0.0.1:${port}`, port, serverPid: ready.pid });
  return partial as Started;
}

/** npm's exit, and then that of every process it started: none is left. */
async function expectAllGone(started: Started) {
  await started.exited;
  await waitFor(async () => !alive(started.serverPid), 'the server process to be gone', 5000);
  await expect(fetch(`${started.base}/health`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
}

/** A raw connection that sends `data` and then stays open, sending nothing more. */
function halfSent(port: number, data: string | Buffer): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data, () => resolve(socket)));
    socket.on('error', reject);
  });
}

describe('npm start', () => {
  it('runs the built server with plain node as npm\'s child, with no wrapper in between', { timeout: 120_000 }, async () => {
    const started = await npmStart();
    expect((await fetch(`${started.base}/health`)).status).toBe(200);
    const parent = Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(started.serverPid)]).toString().trim());
    expect(parent).toBe(started.npm.pid);
    const command = execFileSync('ps', ['-o', 'args=', '-p', String(started.serverPid)]).toString().trim();
    expect(command).toBe('node dist/main.js');
    // glibc's malloc keeps at most two arenas (its default, 8 per core, held tens of MB more after start-up).
    const environment = readFileSync(`/proc/${started.serverPid}/environ`, 'utf8').split('\0');
    expect(environment).toContain('MALLOC_ARENA_MAX=2');
    started.npm.kill('SIGTERM');
    await expectAllGone(started);
  });

  for (const [how, signal] of [
    ['SIGTERM sent to the npm start process (kill, a process manager)', 'SIGTERM'],
    ['SIGINT sent to its process group (Ctrl-C in a terminal)', 'SIGINT'],
    ['SIGTERM sent to its process group (a container runtime, kill -- -pgid)', 'SIGTERM'],
  ] as const) {
    it(`drains and stops on ${how}, leaving no process behind`, { timeout: 120_000 }, async () => {
      const started = await npmStart();
      const group = how.includes('group');
      const signalled = performance.now();
      process.kill(group ? -started.npm.pid! : started.npm.pid!, signal);
      await expectAllGone(started);
      expect(performance.now() - signalled).toBeLessThan(10_000);
      expect(started.logs.find((line) => line.msg === 'draining')).toMatchObject({ signal });
      expect(started.logs.find((line) => line.msg === 'stopped')).toMatchObject({ drained: true });
      // One signal delivered twice (by the terminal and again by npm) is one request to drain, not two.
      expect(started.logs.some((line) => line.msg === 'second signal: exiting without draining')).toBe(false);
    });
  }

  it('stops within SHUTDOWN_TIMEOUT after hostile traffic that is still under way', { timeout: 120_000 }, async () => {
    const started = await npmStart({ SHUTDOWN_TIMEOUT: '2' });
    const { port, base } = started;
    const accounts = `${base}/api/v1/accounts/1/contacts`;
    const headers = { api_access_token: ADMIN_TOKEN, 'content-type': 'application/json' };
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const answered = await Promise.all([
      fetch(accounts, { method: 'POST', headers, body: `{"name":${deep}}` }),
      fetch(`${base}/graphql`, { method: 'POST', headers, body: `{"query":"{ __typename }","variables":{"x":${deep}}}` }),
      fetch(accounts, { method: 'POST', headers, body: `{"name":"${'x'.repeat(3_000_000)}"}` }),
    ]);
    for (const reply of answered) expect(reply.status).toBeLessThan(500);
    // Still open when the signal comes: bodies and headers half sent, a /cable socket flooding frames.
    const sockets = await Promise.all([
      halfSent(port, `POST /api/v1/accounts/1/contacts HTTP/1.1\r\nHost: x\r\nX-Request-Id: half-1\r\napi_access_token: ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"name":"`),
      halfSent(port, `POST /graphql HTTP/1.1\r\nHost: x\r\nX-Request-Id: half-2\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"query":"`),
      halfSent(port, 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: '),
    ]);
    const cable = new WebSocket(`ws://127.0.0.1:${port}/cable`, ['actioncable-v1-json']);
    cable.on('error', () => undefined);
    await new Promise((resolve) => cable.once('open', resolve));
    for (let i = 0; i < 200; i++) cable.send(i % 2 ? `{"command":"subscribe","identifier":${'['.repeat(500)}` : `garbage ${i}`);
    // Both half-sent requests are under way (their headers were read).
    for (const id of ['half-1', 'half-2'])
      await waitFor(async () => started.logs.find((line) => line.reqId === id && line.msg === 'incoming request'), `request ${id}`);

    const signalled = performance.now();
    started.npm.kill('SIGTERM');
    await expectAllGone(started);
    // The drain's deadline (2 s), then the connections are destroyed and the resources closed.
    expect(performance.now() - signalled).toBeLessThan(2000 + 5000);
    expect(started.logs.find((line) => line.msg === 'stopped')).toMatchObject({ drained: false });
    for (const socket of sockets) socket.destroy();
  });
});
