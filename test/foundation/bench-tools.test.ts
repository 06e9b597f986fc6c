/**
 * Benchmarks behave like tools (bench/support.ts): a first line saying what
 * the run will do and about how long it will take, progress lines on stderr
 * (the figures alone on stdout), and on Ctrl-C (SIGINT) or SIGTERM a prompt
 * exit with 130 or 143 that leaves neither its scratch database
 * (`snypto_bench_<pid>_…`) nor a child process behind. Driven on the quickest
 * benchmark with a scratch database, bench:rest, with tiny parameters.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { POSTGRES_ADMIN_URL } from '../support/scratch-database.ts';
import { waitFor } from '../support/wait.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** bench:rest at its smallest: about 10 s from start to end. */
const TINY = {
  DATABASE_URL: POSTGRES_ADMIN_URL,
  BENCH_CONVERSATIONS: '20',
  BENCH_SECONDS: '1',
  BENCH_ROUNDS: '1',
  BENCH_CONNECTIONS: '4',
  BENCH_POOL_SIZE: '4',
  BENCH_WARMUP_SECONDS: '0.3',
};

interface Run {
  child: ChildProcessByStdio<null, Readable, Readable>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
}

const runs: Run[] = [];
afterEach(() => {
  for (const run of runs.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
});

/** Starts bench/rest/run.ts as `npm run bench:rest` does (node with tsx), its output piped here. */
function bench(env: Record<string, string>): Run {
  const { REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/rest/run.ts'], {
    cwd: root,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const run = { child, exited, stdout: () => stdout, stderr: () => stderr };
  runs.push(run);
  return run;
}

/** The scratch databases a benchmark process made (`snypto_bench_<pid>_…`), listed from the maintenance database. */
async function databasesOf(pid: number): Promise<string[]> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`snypto\\_bench\\_${pid}\\_%`]);
    return rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

/** A process's children (Linux: /proc/<pid>/task/<tid>/children). */
function childrenOf(pid: number): number[] {
  const tasks = readdirSync(`/proc/${pid}/task`);
  return tasks.flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
}

/** Whether a process still runs (a zombie does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('a benchmark as a tool', () => {
  /** Its children once one of them is the benchmarked server (`node … src/main.ts`). */
  const withServer = (pid: number) =>
    waitFor(
      async () => {
        const children = childrenOf(pid);
        return children.some((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('src/main.ts')) && children;
      },
      'the server to be spawned',
      5_000,
    );

  /** Sends `signal` and checks what the run leaves: nothing. */
  async function interrupt(run: Run, signal: NodeJS.Signals, code: number) {
    const pid = run.child.pid!;
    expect(run.stderr().split('\n')[0]).toMatch(/^bench:rest: .*This takes about \d/);
    expect(await databasesOf(pid)).toHaveLength(1);
    const children = await withServer(pid);

    const signalled = performance.now();
    run.child.kill(signal);
    const exit = await run.exited;
    const tookMs = performance.now() - signalled;

    expect(exit, run.stderr()).toEqual({ code, signal: null });
    expect(tookMs).toBeLessThan(10_000);
    expect(run.stderr()).toContain(`${signal}: stopping; cleaning up src/main.ts (pid `);
    expect(run.stderr()).toContain(`cleaned up; exiting with ${code}`);
    expect(run.stdout()).toBe('');
    expect(await databasesOf(pid)).toEqual([]);
    // The server (and tsx's esbuild service) go with it.
    await waitFor(async () => children.every((child) => !running(child)), `the benchmark's children (${children.join(', ')}) to end`, 5_000);
  }

  it('on Ctrl-C (SIGINT) mid-run, exits with 130 promptly, its scratch database dropped and its server stopped', async () => {
    // Seeding 2,000 conversations lasts far longer than the test waits: the signal comes mid-run.
    const run = bench({ ...TINY, BENCH_CONVERSATIONS: '2000' });
    await waitFor(async () => /\] seeding 2000 conversations…/.test(run.stderr()), 'the seeding phase to start', 30_000);
    await interrupt(run, 'SIGINT', 130);
  }, 40_000);

  it('on SIGTERM while its server starts, exits with 143 promptly, leaving nothing behind', async () => {
    const run = bench(TINY);
    await waitFor(async () => /\] starting Snypto…/.test(run.stderr()), 'the server to be starting', 30_000);
    await interrupt(run, 'SIGTERM', 143);
  }, 40_000);

  it('says first what it will do and how long it takes, then reports each phase on stderr; the figures alone go to stdout', async () => {
    const run = bench({ ...TINY, BENCH_PROGRESS_SECONDS: '1' });
    const exit = await run.exited;
    expect(exit, run.stderr()).toEqual({ code: 0, signal: null });
    const lines = run.stderr().trim().split('\n');
    expect(lines[0]).toMatch(/^bench:rest: message creation, .*20 conversations seeded.*\. This takes about \d+(\.\d)? s \(set-up ~.*\)/);
    const progress = lines.slice(1).filter((line) => /^\[bench:rest +\d+\.\d s\] /.test(line));
    const said = (pattern: RegExp) => progress.some((line) => pattern.test(line));
    expect(said(/scratch database snypto_bench_\d+_\d+_\d+ created$/)).toBe(true);
    for (const phase of ['starting Snypto', 'seeding 20 conversations', 'warming up both writers', 'round 1 of 1: Snypto', 'round 1 of 1: the ceiling']) {
      expect(said(new RegExp(`\\] ${phase}…$`)), phase).toBe(true);
      expect(said(new RegExp(`\\] ${phase}: done in \\d`)), phase).toBe(true);
    }
    expect(lines.at(-1)).toMatch(/\] finished in \d+(\.\d)? s \(estimated \d+(\.\d)? s\)$/);
    expect(run.stdout()).toContain('| Snypto POST …/messages |');
    expect(run.stdout()).not.toContain('[bench:');
    expect(await databasesOf(run.child.pid!)).toEqual([]);
  }, 45_000);
});
