/**
 * The database: PrismaClient over PGlite (embedded, files in SNYPTO_DATA_DIR)
 * or over PostgreSQL (DATABASE_URL). Migrations are applied on open through the
 * WebAssembly schema engine, for both.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { applyMigrations } from '../prisma/migrator.ts';
import type { Config } from './config.ts';
import { PrismaClient } from './generated/prisma/client.ts';

export type { PrismaClient };
/** The client handed to services inside `prisma.$transaction(async (tx) => ...)`. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface Database {
  prisma: PrismaClient;
  kind: 'pglite' | 'postgresql';
  /** Names of the migrations this open applied. */
  appliedMigrations: string[];
  close(): Promise<void>;
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  if (config.databaseUrl) {
    const adapter = (): SqlMigrationAwareDriverAdapterFactory =>
      new PrismaPg({ connectionString: config.databaseUrl, max: 10 });
    const appliedMigrations = await applyMigrations(adapter());
    const prisma = new PrismaClient({ adapter: adapter() });
    return { prisma, kind: 'postgresql', appliedMigrations, close: () => prisma.$disconnect() };
  }

  await mkdir(config.dataDir, { recursive: true });
  const pglite = await PGlite.create(config.dataDir);
  const appliedMigrations = await applyMigrations(new PrismaPGlite(pglite));
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    kind: 'pglite',
    appliedMigrations,
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
