/**
 * Loaded into every server a benchmark starts (`node --import`, see
 * spawnServer in bench/support.ts): the server stops itself (SIGTERM) once
 * the benchmark that started it is gone, say killed with SIGKILL, which
 * leaves it no chance to clean up. Its scratch database goes at the next
 * benchmark's start (dropLeftoverDatabases).
 */
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
}, 1000).unref();
