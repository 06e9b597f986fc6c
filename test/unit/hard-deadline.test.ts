/**
 * The shutdown's hard deadline (src/operations/hard-deadline.ts) ends a
 * process whose main thread never returns to its event loop, in a real
 * process, and never keeps a process alive that is done by itself.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** Runs `body` (after arming a deadline of `ms`) in a new Node process; resolves with how it ended. */
function run(ms: number, body: string) {
  const script = `import('./src/operations/hard-deadline.ts').then(({ armHardDeadline }) => { armHardDeadline(${ms}, 'deadline passed'); ${body} });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const started = performance.now();
  return new Promise<{ code: number | null; signal: string | null; stderr: string; ms: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr, ms: performance.now() - started })),
  );
}

describe('the hard deadline', () => {
  it('ends a process whose main thread is stuck in synchronous work, with one line on stderr', { timeout: 30_000 }, async () => {
    const ended = await run(500, 'for (;;) {}');
    expect(ended.signal).toBe('SIGKILL');
    expect(ended.stderr.trim().split('\n')).toEqual(['deadline passed']);
  });

  it('does not keep alive a process that finishes by itself', { timeout: 30_000 }, async () => {
    const ended = await run(60_000, "setTimeout(() => console.error('done'), 50);");
    expect(ended).toMatchObject({ code: 0, signal: null });
    expect(ended.stderr.trim()).toBe('done');
    expect(ended.ms).toBeLessThan(30_000);
  });
});
