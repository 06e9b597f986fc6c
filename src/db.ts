/**
 * The database: PrismaClient over PGlite (embedded, files in SNYPTO_DATA_DIR)
 * or over PostgreSQL (DATABASE_URL). Migrations are applied on open through the
 * WebAssembly schema engine, for both.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type {
  SqlDriverAdapter,
  SqlDriverAdapterFactory,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQueryable,
} from '@prisma/driver-adapter-utils';
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
  /**
   * Tells `listener` of every SQL statement the client sends (queries and
   * writes, inside transactions too; not BEGIN/COMMIT); returns the function
   * that stops it. Tests count statements with it to prove batching.
   */
  onStatement(listener: StatementListener): () => void;
  close(): Promise<void>;
}

export type StatementListener = (sql: string) => void;

/** Wraps a queryable so that each statement is announced before it runs. */
function observeQueryable<Q extends SqlQueryable>(queryable: Q, announce: StatementListener): Q {
  return new Proxy(queryable, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'queryRaw' || property === 'executeRaw')
        return (query: { sql: string }) => {
          announce(query.sql);
          return (value as (q: unknown) => unknown).call(target, query);
        };
      if (property === 'startTransaction')
        return async (...args: unknown[]) =>
          observeQueryable(await (value as (...a: unknown[]) => Promise<SqlQueryable>).apply(target, args), announce);
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

/** The adapter factory whose connections announce their statements. */
function observeFactory(factory: SqlDriverAdapterFactory, announce: StatementListener): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async (): Promise<SqlDriverAdapter> => observeQueryable(await factory.connect(), announce),
  };
}

/** A set of statement listeners and the announcer that calls them. */
function statementListeners() {
  const listeners = new Set<StatementListener>();
  return {
    announce: (sql: string) => {
      for (const listener of listeners) listener(sql);
    },
    onStatement: (listener: StatementListener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  if (config.databaseUrl) {
    const adapter = (): SqlMigrationAwareDriverAdapterFactory =>
      new PrismaPg({ connectionString: config.databaseUrl, max: 10 });
    const appliedMigrations = await applyMigrations(adapter());
    const statements = statementListeners();
    const prisma = new PrismaClient({ adapter: observeFactory(adapter(), statements.announce) });
    return {
      prisma,
      kind: 'postgresql',
      appliedMigrations,
      onStatement: statements.onStatement,
      close: () => prisma.$disconnect(),
    };
  }

  await mkdir(config.dataDir, { recursive: true });
  const pglite = await PGlite.create(config.dataDir);
  const appliedMigrations = await applyMigrations(new PrismaPGlite(pglite));
  const statements = statementListeners();
  const prisma = new PrismaClient({ adapter: observeFactory(new PrismaPGlite(pglite), statements.announce) });
  return {
    prisma,
    kind: 'pglite',
    appliedMigrations,
    onStatement: statements.onStatement,
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
