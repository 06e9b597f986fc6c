/**
 * Migrations in a process of their own (src/db.ts, `migrateApart`): the
 * WebAssembly schema engine, and on a first embedded start PGlite's initdb,
 * grow memories that the server would otherwise keep for its whole life
 * (a WebAssembly memory never shrinks, and the allocator keeps what their
 * compilation used): over 100 MB each. A short-lived child process gives
 * all of it back to the system when it exits; a worker thread would leave
 * its allocator arenas behind.
 *
 * The child receives its target as its first message, opens the database itself (its own PGlite on the data
 * directory, which the server has not opened or has closed; or its own
 * pool on DATABASE_URL), applies what is pending, closes it, and sends the
 * names it applied, or the error (with the fields start-up failures are
 * explained by: code, syscall, path, cause…). It ends when its parent does.
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What the child migrates. */
export type MigrationTarget =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'postgresql'; connectionString: string; poolSize: number };

type Outcome = { ok: true; applied: string[] } | { ok: false; error: SerializedError };

interface SerializedError {
  [field: string]: unknown;
  cause?: SerializedError;
  errors?: SerializedError[];
}

const MARK = 'snypto-migrations';

/** An error as plain data: its own primitive fields, its cause and AggregateError's errors, recursively. */
function serialize(error: unknown, depth = 0): SerializedError {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const fields = error as Record<string, unknown>;
  const out: SerializedError = {};
  for (const key of new Set([...Object.getOwnPropertyNames(error), 'name', 'message', 'stack'])) {
    const value = fields[key];
    if (['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
  }
  if (depth < 5 && fields.cause !== undefined) out.cause = serialize(fields.cause, depth + 1);
  if (depth < 5 && Array.isArray(fields.errors)) out.errors = fields.errors.slice(0, 10).map((e) => serialize(e, depth + 1));
  return out;
}

/** The error back as an Error, with the same fields. */
function revive(data: SerializedError): Error {
  const error = new Error(String(data.message ?? 'migration failed'));
  for (const [key, value] of Object.entries(data)) {
    if (key === 'cause' || key === 'errors') continue;
    Object.defineProperty(error, key, { value, enumerable: key !== 'stack' && key !== 'message', writable: true, configurable: true });
  }
  if (data.cause) (error as Error & { cause?: unknown }).cause = revive(data.cause);
  if (data.errors) (error as Error & { errors?: unknown }).errors = data.errors.map(revive);
  return error;
}

/** Applies the pending migrations of `target` in a child process; resolves to their names once it has exited. */
export async function migrateApart(target: MigrationTarget): Promise<string[]> {
  // The file holding this module: src/migration-worker.ts, or in the build the chunk esbuild put it in (it is
  // an entry of its own as well as imported by src/db.ts, so never the server's dist/main.js). Its top level
  // below turns it into the child.
  const file = fileURLToPath(import.meta.url);
  // From the sources (tests, tsx), the child needs TypeScript support; dist/ is plain JavaScript.
  const execArgv = file.endsWith('.ts') ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  const child = fork(file, [MARK], { execArgv, serialization: 'advanced' });
  child.send(target);
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  try {
    const outcome = await new Promise<Outcome>((resolve, reject) => {
      child.once('message', (message) => resolve(message as Outcome));
      child.once('error', reject);
      void exited.then((code) => reject(new Error(`the migration process ended (${code}) before it reported`)));
    });
    if (!outcome.ok) throw revive(outcome.error);
    return outcome.applied;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      // It exits once disconnected (it may have disconnected itself already); should it not, it is ended.
      if (child.connected) child.disconnect();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
  }
}

async function migrate(target: MigrationTarget): Promise<string[]> {
  const { applyMigrations } = await import('../prisma/migrator.ts');
  if (target.kind === 'postgresql') {
    const { PrismaPg } = await import('@prisma/adapter-pg');
    return applyMigrations(new PrismaPg({ connectionString: target.connectionString, max: target.poolSize }));
  }
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
  const pglite = await PGlite.create(target.dataDir);
  try {
    return await applyMigrations(new PrismaPGlite(pglite));
  } finally {
    await pglite.close();
  }
}

// The child: its target comes as the first message (not in argv, where a password would show in `ps`).
if (process.argv[2] === MARK && process.send) {
  const report = (outcome: Outcome) => process.send!(outcome, () => process.disconnect());
  // The parent gone (or done with it): nothing is left to do.
  process.once('disconnect', () => process.exit(0));
  process.once('message', (target: MigrationTarget) => {
    migrate(target).then(
      (applied) => report({ ok: true, applied }),
      (error: unknown) => report({ ok: false, error: serialize(error) }),
    );
  });
}
