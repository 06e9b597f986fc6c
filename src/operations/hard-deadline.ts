/**
 * The last resort of a shutdown. The drain is bounded by SHUTDOWN_TIMEOUT and
 * each resource's close by its own timer (shutdown.ts), but timers run on the
 * main thread: a main thread stuck in synchronous work, or a close that never
 * settles and keeps the event loop alive, would keep the process running past
 * every bound. A worker thread runs whatever the main thread is doing; at the
 * deadline it writes one line to stderr and ends the whole process.
 */
import { Worker } from 'node:worker_threads';

/**
 * Plain CommonJS, evaluated in the worker: wait, say why, kill the process (the worker's own exit would not
 * end it). The worker takes none of the process's flags: a module loader such as tsx would have its start
 * wait on the main thread.
 */
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
setTimeout(() => {
  require('node:fs').writeSync(2, workerData.message + '\\n');
  process.kill(process.pid, 'SIGKILL');
}, workerData.ms);
`;

/**
 * Ends the process `ms` from now, whatever the main thread is doing, unless it
 * exits first (the worker never keeps it alive).
 */
export function armHardDeadline(ms: number, message: string): void {
  const worker = new Worker(WATCHDOG, { eval: true, workerData: { ms, message }, execArgv: [] });
  worker.unref();
}
