/**
 * Embedded data directories: a new one as a copy of a migrated template, the
 * build's (scripts/build.mjs makes dist/pglite-template, see
 * prisma/migrator.ts) for a first start, and the test run's for each test
 * server (test/support/global-setup.ts); both templates are made by
 * makeEmbeddedTemplate. A copy skips initdb and the migrations: seconds of
 * WebAssembly and over 100 MB that the process would keep. And the buffer
 * pool every embedded database gets (chooseBufferPool).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { templateMigrationsFile } from '../prisma/migrator.ts';
import { migrateApart } from './migration-worker.ts';

/** The file whose presence makes a directory a PostgreSQL data directory (src/db.ts checks it). */
const MARKER = 'PG_VERSION';

/**
 * Copies the data directory `from` into the existing directory `to`, its
 * files all at once (a data directory is about 1,100 small files, 40 MB,
 * which fs.cp copies one after the other in about twice the time), and
 * PG_VERSION last: a copy cut short is not taken for a database, and the next
 * start copies again over what it left.
 */
export async function copyDataDirectory(from: string, to: string): Promise<void> {
  const entries = await readdir(from, { recursive: true, withFileTypes: true });
  const relative = (entry: (typeof entries)[number]) => path.relative(from, path.join(entry.parentPath, entry.name));
  const directories = entries.filter((entry) => entry.isDirectory()).map(relative);
  // Parents first: a recursive mkdir of each, in order of depth.
  directories.sort((a, b) => a.split(path.sep).length - b.split(path.sep).length);
  for (const directory of directories) await mkdir(path.join(to, directory), { recursive: true });
  const files = entries.filter((entry) => entry.isFile()).map(relative);
  await Promise.all(files.filter((file) => file !== MARKER).map((file) => copyFile(path.join(from, file), path.join(to, file))));
  if (files.includes(MARKER)) await copyFile(path.join(from, MARKER), path.join(to, MARKER));
}

/**
 * Fills a new embedded data directory from `template` and returns the
 * migrations the template holds (the names its build recorded beside it), or
 * undefined when there is no template (running from the sources). A template
 * older than the code is brought up to date like any existing database.
 */
export async function copyTemplate(template: string, dataDir: string): Promise<string[] | undefined> {
  const applied = await readFile(templateMigrationsFile(template), 'utf8').then(
    (text) => JSON.parse(text) as string[],
    () => undefined,
  );
  if (!applied || !existsSync(path.join(template, MARKER))) return undefined;
  await copyDataDirectory(template, dataDir);
  return applied;
}

/**
 * Makes `dir` a template: a new embedded database with every migration
 * applied (in the migration process) and Snypto's buffer pool, closed, with
 * the names of its migrations beside it. Returns those names.
 */
export async function makeEmbeddedTemplate(dir: string): Promise<string[]> {
  const applied = await migrateApart({ kind: 'pglite', dataDir: dir });
  if (applied.length === 0) throw new Error(`a new embedded database in ${dir} applied no migration`);
  await chooseBufferPool(dir);
  await writeFile(templateMigrationsFile(dir), `${JSON.stringify(applied)}\n`);
  return applied;
}

/**
 * PostgreSQL's buffer pool of an embedded database. PGlite sets the pool up
 * in its WebAssembly memory at every start, all of it resident: initdb's
 * 128MB made a third of the server's memory and half a second of its
 * start. 16MB holds the hot pages of a small team's data; the rest is read
 * from the files (and the system's page cache).
 */
const EMBEDDED_SHARED_BUFFERS = '16MB';

/** initdb's line as it writes it: a data directory whose pool nobody chose. */
const INITDB_SHARED_BUFFERS = /^shared_buffers = 128MB(\t+# min 128kB)?$/m;

/**
 * Gives an embedded data directory Snypto's buffer pool, in its
 * postgresql.conf (PGlite reads it at each start), where the line is still
 * initdb's default; a value an operator wrote there stays.
 */
export async function chooseBufferPool(dataDir: string): Promise<void> {
  const file = path.join(dataDir, 'postgresql.conf');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined || !INITDB_SHARED_BUFFERS.test(text)) return;
  const line = `shared_buffers = ${EMBEDDED_SHARED_BUFFERS}\t\t\t# Snypto's choice (initdb's: 128MB); min 128kB`;
  await writeFile(`${file}.snypto`, text.replace(INITDB_SHARED_BUFFERS, line));
  await rename(`${file}.snypto`, file);
}
