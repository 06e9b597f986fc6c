/**
 * `npm start`'s first step (prestart): builds dist/ when it is missing or older than the code it is built
 * from, so a fresh clone, a pull or an edit never starts stale JavaScript; otherwise it costs a few file
 * stats. The build itself is `npm run build`; `npm install` runs it too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const STAMP = 'dist/BUILT';
const SOURCES = ['src', 'prisma', 'tsconfig.json', 'package-lock.json', 'scripts/build.mjs'];

/** The newest modification time under `entry` (a file or a directory), in milliseconds. */
function newest(entry) {
  const stat = statSync(entry, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(entry).reduce((latest, name) => Math.max(latest, newest(path.join(entry, name))), stat.mtimeMs);
}

const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
if (built === 0 || SOURCES.some((source) => newest(source) > built)) {
  console.error(built === 0 ? 'Building Snypto (first start)…' : 'The code changed since the last build: building…');
  const { status } = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  process.exit(status ?? 1);
}
