/**
 * Embedded data directories for test servers: a copy of the migrated
 * template that the global setup (test/support/global-setup.ts) made once
 * for the run, instead of creating a PGlite cluster (initdb: seconds of
 * WebAssembly) and migrating it for every server. A server opened on the
 * copy still runs the migration runner, which finds every migration applied.
 * Tests of the migrations themselves start on an empty directory (or a
 * scratch PostgreSQL database), so that they migrate for real; so does every
 * server when the run has no template. The directories are made under the
 * run's data root (in memory where the machine allows), which the global
 * teardown removes.
 */
import { copyFile, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';

/** A new, empty data directory; the caller removes it (the run's teardown would too). */
export function emptyDataDir(prefix = 'snypto-test-'): Promise<string> {
  return mkdtemp(path.join(inject('testDataRoot') || tmpdir(), prefix));
}

/** A new data directory holding a copy of the migrated template (empty without one); the caller removes it. */
export async function migratedDataDir(prefix = 'snypto-test-'): Promise<string> {
  const dir = await emptyDataDir(prefix);
  const template = inject('pgliteTemplate');
  if (template) await copyTree(template, dir);
  return dir;
}

/**
 * Copies the files under `from` into the existing directory `to`, all at
 * once: a data directory is about 1,100 small files (40 MB), which fs.cp
 * copies one after the other in about twice the time.
 */
async function copyTree(from: string, to: string): Promise<void> {
  const entries = await readdir(from, { recursive: true, withFileTypes: true });
  const relative = (entry: (typeof entries)[number]) => path.relative(from, path.join(entry.parentPath, entry.name));
  const directories = entries.filter((entry) => entry.isDirectory()).map(relative);
  // Parents first: a recursive mkdir of each, in order of depth.
  directories.sort((a, b) => a.split(path.sep).length - b.split(path.sep).length);
  for (const directory of directories) await mkdir(path.join(to, directory), { recursive: true });
  await Promise.all(
    entries.filter((entry) => entry.isFile()).map((entry) => copyFile(path.join(from, relative(entry)), path.join(to, relative(entry)))),
  );
}
