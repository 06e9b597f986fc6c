/**
 * Start-up failures an operator can fix end the process with exit code 1 and
 * one line on stderr that names the problem and the fix, no stack trace
 * (src/operations/startup-failure.ts): each case runs src/main.ts in its own
 * process, as an operator would.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStartupFailure, type StartupTarget } from '../../src/operations/startup-failure.ts';
import { migratedDataDir } from '../support/pglite-template.ts';

/** Generous: the process imports the app (a few seconds) and, when it gets that far, opens its database. */
const EXIT_WITHIN_MS = 30_000;
const STACK_LINE = /^\s+at /m;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs src/main.ts with `env` over the test's environment (no DATABASE_URL, REDIS_URL of its own) until it exits. */
function runMain(env: Record<string, string>): Promise<Outcome> {
  const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The one line the process printed on stderr, after checking it exited 1 with no stack anywhere. */
function failureLine(outcome: Outcome): string {
  expect(outcome.code, outcome.stderr).toBe(1);
  const lines = outcome.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines, outcome.stderr).toHaveLength(1);
  expect(outcome.stderr).not.toMatch(STACK_LINE);
  expect(outcome.stdout).not.toMatch(STACK_LINE);
  expect(lines[0]).toMatch(/^Snypto could not start: .+\. .+\.$/);
  return lines[0]!;
}

describe('start-up failures, in their own process', () => {
  let scratch: string;
  let dataDir: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'snypto-startup-failures-'));
    dataDir = await migratedDataDir('snypto-startup-failures-');
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('PostgreSQL that nobody answers at: host and port, and what to change, never the password', { timeout: EXIT_WITHIN_MS }, async () => {
    const line = failureLine(await runMain({ DATABASE_URL: 'postgresql://postgres:s3cret-pw@127.0.0.1:1/snypto' }));
    expect(line).toBe(
      'Snypto could not start: no PostgreSQL server answers at 127.0.0.1:1 (DATABASE_URL). Start PostgreSQL there, or set DATABASE_URL to a server that is running.',
    );
  });

  it('a database that does not exist: its name and the server, and how to create it', { timeout: EXIT_WITHIN_MS }, async () => {
    const name = `snypto_missing_${randomUUID().replaceAll('-', '')}`;
    const line = failureLine(await runMain({ DATABASE_URL: `postgresql://postgres@127.0.0.1:5432/${name}` }));
    expect(line).toBe(
      `Snypto could not start: database "${name}" does not exist on PostgreSQL at 127.0.0.1:5432 (DATABASE_URL). Create it (CREATE DATABASE "${name}") or set DATABASE_URL to an existing database.`,
    );
  });

  it('a user PostgreSQL refuses: the user, the server and its reason, never the password', { timeout: EXIT_WITHIN_MS }, async () => {
    const user = `snypto_nobody_${randomUUID().slice(0, 8)}`;
    const line = failureLine(await runMain({ DATABASE_URL: `postgresql://${user}:s3cret-pw@127.0.0.1:5432/postgres` }));
    expect(line).toContain(`PostgreSQL at 127.0.0.1:5432 refused user "${user}" for database "postgres": role "${user}" does not exist (DATABASE_URL).`);
    expect(line).toContain('Set DATABASE_URL to a user the server accepts');
    expect(line).not.toContain('s3cret-pw');
  });

  it('a port another process listens on: the port, and to free it or choose another', { timeout: EXIT_WITHIN_MS }, async () => {
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as net.AddressInfo;
    try {
      const line = failureLine(await runMain({ PORT: String(port), SNYPTO_DATA_DIR: dataDir }));
      expect(line).toBe(`Snypto could not start: port ${port} is already in use (PORT=${port}). Stop the other process or set PORT to a free port.`);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  // Tests run as root, whom a read-only mode does not stop: these paths fail for anyone, as the mkdir of the directory fails.
  it('a data directory under a regular file (ENOTDIR): its path, and to choose another', { timeout: EXIT_WITHIN_MS }, async () => {
    const file = path.join(scratch, 'not-a-directory');
    await writeFile(file, 'a file, not a directory\n');
    const line = failureLine(await runMain({ SNYPTO_DATA_DIR: path.join(file, 'data') }));
    expect(line).toBe(
      `Snypto could not start: the data directory ${path.join(file, 'data')} (SNYPTO_DATA_DIR) cannot be used: a part of its path is a file, not a directory. Set SNYPTO_DATA_DIR to a directory Snypto can create and write to (or DATABASE_URL to use PostgreSQL).`,
    );
  });

  it('a data directory that is a regular file (EEXIST): its path, and to choose another', { timeout: EXIT_WITHIN_MS }, async () => {
    const file = path.join(scratch, 'a-file');
    await writeFile(file, 'a file, not a directory\n');
    const line = failureLine(await runMain({ SNYPTO_DATA_DIR: file }));
    expect(line).toContain(`the data directory ${file} (SNYPTO_DATA_DIR) cannot be used: it is a file, not a directory.`);
  });
});

describe('describeStartupFailure', () => {
  const postgres: StartupTarget = { port: 3000, host: '0.0.0.0', databaseUrl: 'postgresql://app:s3cret-pw@db.internal:6543/snypto', dataDir: '/var/lib/snypto' };
  const embedded: StartupTarget = { ...postgres, databaseUrl: undefined };

  it('a refused password (28P01, as pg throws it): user and server, never the password', () => {
    const error = Object.assign(new Error('password authentication failed for user "app"'), { code: '28P01', severity: 'FATAL' });
    const line = describeStartupFailure(error, postgres);
    expect(line).toBe(
      'Snypto could not start: PostgreSQL at db.internal:6543 refused the password of user "app" (DATABASE_URL). Correct the user name and password in DATABASE_URL.',
    );
  });

  it('errors Prisma\'s driver adapter wraps (its payload as `cause`), and AggregateErrors, are looked into', () => {
    const wrapped = Object.assign(new Error('DatabaseDoesNotExist'), {
      name: 'DriverAdapterError',
      cause: { kind: 'DatabaseDoesNotExist', originalCode: '3D000', db: 'snypto' },
    });
    expect(describeStartupFailure(new Error('migrating failed', { cause: wrapped }), postgres)).toContain(
      'database "snypto" does not exist on PostgreSQL at db.internal:6543',
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(describeStartupFailure(new AggregateError([refused]), postgres)).toContain('no PostgreSQL server answers at db.internal:6543');
    // HOST is looked up too: a name that does not resolve is HOST's when it is not DATABASE_URL's.
    const lookup = (hostname: string) => Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname });
    expect(describeStartupFailure(lookup('db.internal'), { ...postgres, host: 'web.example' })).toContain('the PostgreSQL host db.internal cannot be found');
    expect(describeStartupFailure(lookup('web.example'), { ...postgres, host: 'web.example' })).toContain('the host name web.example cannot be found (HOST=web.example)');
  });

  it("PGlite's own file-system errors (Emscripten's errno) on the embedded database", () => {
    const errnoError = Object.assign(Object.create(null), { name: 'ErrnoError', errno: 2 });
    expect(describeStartupFailure(errnoError, embedded)).toContain('the data directory /var/lib/snypto (SNYPTO_DATA_DIR) cannot be used: permission denied.');
  });

  it('anything else is no start-up failure it knows: the caller prints the stack', () => {
    expect(describeStartupFailure(new Error('a bug'), postgres)).toBeUndefined();
    expect(describeStartupFailure(undefined, postgres)).toBeUndefined();
    // A file error elsewhere than the data directory is no data-directory problem.
    const elsewhere = Object.assign(new Error('EACCES'), { code: 'EACCES', syscall: 'open', path: '/etc/snypto.conf' });
    expect(describeStartupFailure(elsewhere, embedded)).toBeUndefined();
  });
});
