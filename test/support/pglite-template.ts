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
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { copyDataDirectory } from '../../src/embedded-template.ts';

/** A new, empty data directory; the caller removes it (the run's teardown would too). */
export function emptyDataDir(prefix = 'snypto-test-'): Promise<string> {
  return mkdtemp(path.join(inject('testDataRoot') || tmpdir(), prefix));
}

/** A new data directory holding a copy of the migrated template (empty without one); the caller removes it. */
export async function migratedDataDir(prefix = 'snypto-test-'): Promise<string> {
  const dir = await emptyDataDir(prefix);
  const template = inject('pgliteTemplate');
  if (template) await copyDataDirectory(template, dir);
  return dir;
}
