/**
 * A new embedded data directory as a copy of a migrated one: the build's
 * template (scripts/build.mjs makes dist/pglite-template, see
 * prisma/migrator.ts) for a first start, and the test run's for each test
 * server (test/support/pglite-template.ts). A copy skips initdb and the
 * migrations: seconds of WebAssembly and over 100 MB that the process would
 * keep.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { templateMigrationsFile } from '../prisma/migrator.ts';

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
