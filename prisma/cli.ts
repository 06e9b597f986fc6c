/**
 * `npm run db:migrate`: applies pending migrations to the configured database
 * (DATABASE_URL, else the embedded one in SNYPTO_DATA_DIR).
 * `npm run db:new-migration -- <name>`: writes a migration for the change to
 * schema.prisma, diffed on a throwaway in-memory database.
 */
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db.ts';
import { createMigration } from './migrator.ts';

const [command, name] = process.argv.slice(2);

if (command === 'migrate') {
  const db = await openDatabase(loadConfig());
  console.log(
    db.appliedMigrations.length
      ? `Applied ${db.appliedMigrations.join(', ')} (${db.kind}).`
      : `The ${db.kind} database is up to date.`,
  );
  await db.close();
} else if (command === 'new-migration' && name) {
  const scratch = new PGlite();
  const created = await createMigration(new PrismaPGlite(scratch), name);
  await scratch.close();
  console.log(created ? `Wrote prisma/migrations/${created}/migration.sql` : 'schema.prisma has no change to migrate.');
} else {
  console.error('usage: tsx prisma/cli.ts migrate | new-migration <name>');
  process.exitCode = 2;
}
