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
  /**
   * A counter raised after every committed write through this client (a
   * write statement with affected rows, or a commit after one). Anything read
   * while it stayed the same is still what the database holds, as far as this
   * process can tell: the query caches rely on it.
   */
  writeEpoch(): number;
  close(): Promise<void>;
}

export type StatementListener = (sql: string) => void;

/** Reads start with SELECT (a `SELECT … FOR UPDATE` lock included); anything else may write. */
const isRead = (sql: string) => /^\s*\(?\s*select\b/i.test(sql);

/**
 * What a write statement reports: a row count (executeRaw), or rows (queryRaw).
 * A write through queryRaw without RETURNING reports no rows, so it is counted
 * as a write whatever it returned.
 */
function wrote(sql: string, result: unknown): boolean {
  if (typeof result === 'number') return result > 0;
  const rows = (result as { rows?: unknown[] } | undefined)?.rows;
  return !/\breturning\b/i.test(sql) || (rows?.length ?? 0) > 0;
}

interface Observers {
  announce: StatementListener;
  /** Called once a write is visible to other connections: after its statement, or after its transaction's commit. */
  committed: () => void;
}

/**
 * Wraps a queryable so that each statement is announced before it runs and
 * every committed write is reported; inside a transaction, writes are
 * reported when the commit returns.
 */
function observeQueryable<Q extends SqlQueryable>(queryable: Q, observers: Observers, inTransaction = false): Q {
  let dirty = false;
  return new Proxy(queryable, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'queryRaw' || property === 'executeRaw')
        return async (query: { sql: string }) => {
          observers.announce(query.sql);
          const result = await (value as (q: unknown) => Promise<unknown>).call(target, query);
          if (!isRead(query.sql) && wrote(query.sql, result)) {
            if (inTransaction) dirty = true;
            else observers.committed();
          }
          return result;
        };
      if (property === 'startTransaction')
        return async (...args: unknown[]) =>
          observeQueryable(await (value as (...a: unknown[]) => Promise<SqlQueryable>).apply(target, args), observers, true);
      if (property === 'commit' && inTransaction)
        return async () => {
          await (value as () => Promise<void>).call(target);
          if (dirty) observers.committed();
        };
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

/** The adapter factory whose connections announce their statements and report committed writes. */
function observeFactory(factory: SqlDriverAdapterFactory, observers: Observers): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async (): Promise<SqlDriverAdapter> => observeQueryable(await factory.connect(), observers),
  };
}

/** Statement listeners, and the write epoch: a counter raised after every committed write. */
function observers() {
  const listeners = new Set<StatementListener>();
  let epoch = 0;
  return {
    announce: (sql: string) => {
      for (const listener of listeners) listener(sql);
    },
    committed: () => {
      epoch += 1;
    },
    writeEpoch: () => epoch,
    onStatement: (listener: StatementListener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/**
 * The client every part of Snypto uses. One adjustment: an empty `select`
 * (what the GraphQL layer asks for when a client selected nothing but
 * `__typename` of a result) reads the row as a whole, where Prisma would
 * refuse it.
 */
function createClient(adapter: SqlDriverAdapterFactory): PrismaClient {
  const client = new PrismaClient({ adapter });
  return client.$extends({
    query: {
      $allOperations({ args, query }) {
        const select = (args as { select?: object } | undefined)?.select;
        if (select && Object.keys(select).length === 0) return query({ ...(args as object), select: undefined } as never);
        return query(args);
      },
    },
  }) as unknown as PrismaClient;
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  if (config.databaseUrl) {
    const adapter = (): SqlMigrationAwareDriverAdapterFactory =>
      new PrismaPg({ connectionString: config.databaseUrl, max: 10 });
    const appliedMigrations = await applyMigrations(adapter());
    const statements = observers();
    const prisma = createClient(observeFactory(adapter(), statements));
    return {
      prisma,
      kind: 'postgresql',
      appliedMigrations,
      onStatement: statements.onStatement,
      writeEpoch: statements.writeEpoch,
      close: () => prisma.$disconnect(),
    };
  }

  await mkdir(config.dataDir, { recursive: true });
  const pglite = await PGlite.create(config.dataDir);
  const appliedMigrations = await applyMigrations(new PrismaPGlite(pglite));
  const statements = observers();
  const prisma = createClient(observeFactory(new PrismaPGlite(pglite), statements));
  return {
    prisma,
    kind: 'pglite',
    appliedMigrations,
    onStatement: statements.onStatement,
    writeEpoch: statements.writeEpoch,
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
