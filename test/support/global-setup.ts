/**
 * Vitest global setup: where the run's embedded databases live, and the
 * migrated one every test server copies (test/support/pglite-template.ts).
 *
 * The data directories of a run are made under one directory of its own, in
 * memory (/dev/shm) where the machine has it: PGlite's writes, and copying
 * the template, cost a fraction there of what they cost on disk. The
 * template is made once, before any test file starts, as the build makes
 * its own (src/embedded-template.ts: the app's migrations and buffer pool). After the run the whole directory goes, with whatever a
 * test left behind; so do those of earlier runs whose process is gone.
 * SNYPTO_TEST_DATA_ROOT chooses another place.
 */
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { makeEmbeddedTemplate } from '../../src/embedded-template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The directory under which this run's embedded databases are made ('' when none was set up). */
    testDataRoot: string;
    /** A migrated PGlite data directory (closed) to copy ('' when there is none). */
    pgliteTemplate: string;
  }
}

const RUN_PREFIX = 'snypto-run-';

/** Memory-backed /dev/shm when it is there and writable, else the temporary directory. */
async function dataBase(): Promise<string> {
  if (process.env.SNYPTO_TEST_DATA_ROOT) return process.env.SNYPTO_TEST_DATA_ROOT;
  try {
    await access('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes the run directories (`snypto-run-<pid>-…`) of runs whose process is gone: a run killed before its teardown. */
async function removeAbandonedRuns(base: string): Promise<void> {
  const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
  await Promise.all(
    entries
      .filter((entry) => entry.isDirectory() && entry.name.startsWith(RUN_PREFIX))
      .filter((entry) => !alive(Number(entry.name.slice(RUN_PREFIX.length).split('-')[0])))
      .map((entry) => rm(path.join(base, entry.name), { recursive: true, force: true })),
  );
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const base = await dataBase();
  await mkdir(base, { recursive: true });
  await removeAbandonedRuns(base);
  const root = await mkdtemp(path.join(base, `${RUN_PREFIX}${process.pid}-`));
  const remove = () => rm(root, { recursive: true, force: true });
  const template = path.join(root, 'template');
  try {
    await makeEmbeddedTemplate(template);
  } catch (error) {
    await remove();
    throw error;
  }
  project.provide('testDataRoot', root);
  project.provide('pgliteTemplate', template);
  return remove;
}
