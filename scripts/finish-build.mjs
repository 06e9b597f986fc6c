/**
 * The second half of `npm run build`, after tsc: the migration runner (dist/prisma/migrator.js) reads the
 * schema and the migration folders beside itself, so they are copied next to it; then dist/BUILT records
 * when the build finished (scripts/build-if-stale.mjs compares the code against it). Plain Node: no
 * TypeScript is needed to run it.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';

rmSync('dist/prisma/migrations', { recursive: true, force: true });
cpSync('prisma/migrations', 'dist/prisma/migrations', { recursive: true });
cpSync('prisma/schema.prisma', 'dist/prisma/schema.prisma');
writeFileSync('dist/BUILT', `${new Date().toISOString()}\n`);
