/**
 * The database: PrismaClient over PGlite (embedded, files in SNYPTO_DATA_DIR)
 * or over PostgreSQL (DATABASE_URL). Migrations are applied on open through the
 * WebAssembly schema engine, for both.
 *
 * Every statement passes an observer on the driver adapter, which raises the
 * write epochs the read caches rest on. It takes the tables a write changes
 * from where the write was declared, never from its SQL text: Prisma's model
 * operations declare theirs through the client's query extension
 * (src/model-writes.ts), hand-written statements are made with
 * `writes('table')` (src/write-tables.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type {
  SqlDriverAdapter,
  SqlDriverAdapterFactory,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQuery,
  SqlQueryable,
} from '@prisma/driver-adapter-utils';
import { embeddedTemplateDir, hasPendingMigrations } from '../prisma/migrator.ts';
import { chooseBufferPool, copyTemplate } from './embedded-template.ts';
import type { Config } from './config.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { operationDeclarations, type DataModel } from './model-writes.ts';
import { DriverTransactionSql, PrismaTransactionSql, preparedStatementName, type RawSql } from './raw-sql.ts';
import { migrateApart } from './migration-worker.ts';
import { currentClaim, isPlainSelect, runDeclared, runTransactionScope } from './write-tables.ts';

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
   * writes, inside transactions too; not BEGIN, and COMMIT/ROLLBACK only
   * where the adapter sends them as statements: PostgreSQL's, not PGlite's);
   * returns the function that stops it. Tests count statements with it.
   */
  onStatement(listener: StatementListener): () => void;
  /**
   * A counter raised by every write through this client (a write statement
   * with affected rows), when it runs and again when its transaction ends.
   * Anything read while it stayed the same is still what the database holds,
   * as far as this process can tell: the query caches rely on it. Given
   * `tables`, it moves only for writes to those tables (or to a table it
   * cannot name), so a cache of, say, access tokens outlives message writes.
   * The tables are those the writes declared (src/write-tables.ts): a cascade
   * from another table's delete does not count, so name the parent tables too.
   */
  writeEpoch(tables?: readonly string[]): number;
  /**
   * How many write statements changed a table they did not name (no
   * declaration, or a statement declared with one that had none): each ended
   * every cache. Tests hold it at 0 for the usual work.
   */
  unnamedWrites(): number;
  /**
   * Tells `listener` of each write this process makes, once others can see
   * it (its table, undefined when unnamed): a statement outside a
   * transaction as it runs, a transaction's tables as it ends. Returns the
   * function that stops it.
   */
  onWrite(listener: (table: string | undefined) => void): () => void;
  /** Raises the write epochs for writes another instance made (src/shared-writes.ts); not told to `onWrite`. */
  noteWrites(tables: readonly (string | undefined)[]): void;
  /**
   * Runs `work` in one Prisma interactive transaction, with Prisma's client
   * for it and `RawSql` through that client.
   */
  transaction<T>(work: (tx: Tx, sql: RawSql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs `work` in one transaction of the driver adapter itself, with
   * prepared statements and none of Prisma's machinery: the hot path.
   */
  rawTransaction<T>(work: (sql: RawSql) => Promise<T>): Promise<T>;
  /**
   * Ends the start-up: on PostgreSQL, openDatabase takes an advisory lock
   * before migrating and holds it until this is called (after the first-start
   * bootstrap), so instances starting together migrate and bootstrap one
   * after the other, each exactly once.
   */
  startupDone(): Promise<void>;
  close(): Promise<void>;
}

/** The advisory lock key of Snypto's start-up (migrations and bootstrap): any constant bigint. */
const STARTUP_LOCK = 7_315_902_441;

/**
 * Takes the start-up lock on a connection of its own and returns what
 * releases it (closing the connection releases it too, should the process die).
 */
async function takeStartupLock(connectionString: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  await client.query('SELECT pg_advisory_lock($1)', [STARTUP_LOCK]);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await client.query('SELECT pg_advisory_unlock($1)', [STARTUP_LOCK]).finally(() => client.end());
  };
}

export interface TransactionOptions {
  /** Milliseconds the transaction may run. */
  timeout?: number;
  /** Milliseconds to wait for a connection. */
  maxWait?: number;
}

export type StatementListener = (sql: string) => void;

function transactionRunner(prisma: PrismaClient): Database['transaction'] {
  return (work, options) => prisma.$transaction((tx) => work(tx, new PrismaTransactionSql(tx)), options);
}

/**
 * Runs `work` in a transaction of `adapter` (the one Prisma's client is
 * connected through, so that PGlite's single connection is shared, not
 * raced). Prisma's own protocol: adapters that do not take COMMIT/ROLLBACK
 * as statements (`usePhantomQuery`) end the transaction themselves.
 */
async function inDriverTransaction<T>(adapter: SqlDriverAdapter, work: (sql: RawSql) => Promise<T>): Promise<T> {
  const transaction = await adapter.startTransaction();
  const end = async (statement: 'COMMIT' | 'ROLLBACK') => {
    if (!transaction.options.usePhantomQuery) await transaction.executeRaw({ sql: statement, args: [], argTypes: [] });
    await (statement === 'COMMIT' ? transaction.commit() : transaction.rollback());
  };
  let result: T;
  try {
    result = await work(new DriverTransactionSql(transaction));
  } catch (error) {
    await end('ROLLBACK').catch(() => transaction.rollback().catch(() => undefined));
    throw error;
  }
  try {
    await end('COMMIT');
  } catch (error) {
    await transaction.rollback().catch(() => undefined);
    throw error;
  }
  return result;
}

/** The adapter Prisma's client connected through (connecting the client if it has not yet). */
function connectedAdapter(prisma: PrismaClient, factory: ObservedFactory): () => Promise<SqlDriverAdapter> {
  return async () => {
    if (!factory.connected) await prisma.$connect();
    if (!factory.connected) throw new Error('The database client did not connect its driver adapter');
    return factory.connected;
  };
}

/**
 * Whether a statement changed rows: a row count above 0 (executeRaw), or
 * rows back (queryRaw: RETURNING), or no columns at all (a write through
 * queryRaw without RETURNING says nothing of its rows, so it counts).
 */
function changedRows(result: unknown): boolean {
  if (typeof result === 'number') return result > 0;
  const set = result as { rows?: unknown[]; columnNames?: string[] } | undefined;
  return (set?.rows?.length ?? 0) > 0 || (set?.columnNames?.length ?? 0) === 0;
}

interface Observers {
  announce: StatementListener;
  /**
   * Called for a write (its table, or undefined when it cannot be named):
   * when the statement has run, and again when its transaction ends, commit
   * or rollback, so that whatever was read meanwhile is not kept. `visible`:
   * other connections can see it now (no transaction is still open on it).
   */
  wrote: (table: string | undefined, visible: boolean) => void;
  /** Called once for each write statement that changed a table it could not name. */
  unnamed: () => void;
}

/**
 * Wraps a queryable so that each statement is announced before it runs and
 * every write is reported when it has run; inside a transaction, its writes
 * are reported again when the transaction commits or rolls back.
 */
function observeQueryable<Q extends SqlQueryable>(queryable: Q, observers: Observers, inTransaction = false): Q {
  const written = new Set<string | undefined>();
  const ended = () => {
    for (const table of written) observers.wrote(table, true);
  };
  return new Proxy(queryable, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'queryRaw' || property === 'executeRaw')
        return async (query: { sql: string }) => {
          observers.announce(query.sql);
          // Asked before it runs: the operations that may have sent it are under way now.
          const claim = currentClaim();
          const result = await (value as (q: unknown) => Promise<unknown>).call(target, query);
          if (!changedRows(result)) return result;
          const tables = new Set(claim.tables);
          if (claim.undeclared && !isPlainSelect(query.sql)) tables.add(undefined);
          if (tables.has(undefined)) observers.unnamed();
          for (const table of tables) {
            observers.wrote(table, !inTransaction);
            if (inTransaction) written.add(table);
          }
          return result;
        };
      if (property === 'startTransaction')
        return async (...args: unknown[]) =>
          observeQueryable(await (value as (...a: unknown[]) => Promise<SqlQueryable>).apply(target, args), observers, true);
      if ((property === 'commit' || property === 'rollback') && inTransaction)
        return async () => {
          try {
            await (value as () => Promise<void>).call(target);
          } finally {
            ended();
          }
        };
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

interface ObservedFactory extends SqlDriverAdapterFactory {
  /** The adapter of the last connect, i.e. Prisma's client's. */
  connected?: SqlDriverAdapter;
}

/** The adapter factory whose connections announce their statements and report their writes. */
function observeFactory(factory: SqlDriverAdapterFactory, observers: Observers): ObservedFactory {
  const observed: ObservedFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async (): Promise<SqlDriverAdapter> => {
      observed.connected = observeQueryable(await factory.connect(), observers);
      return observed.connected;
    },
  };
  return observed;
}

/** Statement listeners, and the write epochs: counters raised by every write, one per table and one for all. */
function observers() {
  const listeners = new Set<StatementListener>();
  let epoch = 0;
  /** Writes to a table the statement did not name plainly: they may have changed any table. */
  let unnamed = 0;
  let unnamedStatements = 0;
  const tableEpochs = new Map<string, number>();
  const writeListeners = new Set<(table: string | undefined) => void>();
  const raise = (table: string | undefined) => {
    epoch += 1;
    if (table === undefined) unnamed += 1;
    else tableEpochs.set(table, (tableEpochs.get(table) ?? 0) + 1);
  };
  return {
    announce: (sql: string) => {
      for (const listener of listeners) listener(sql);
    },
    wrote: (table: string | undefined, visible: boolean) => {
      raise(table);
      if (visible) for (const listener of writeListeners) listener(table);
    },
    unnamed: () => {
      unnamedStatements += 1;
    },
    unnamedWrites: () => unnamedStatements,
    onWrite: (listener: (table: string | undefined) => void) => {
      writeListeners.add(listener);
      return () => void writeListeners.delete(listener);
    },
    noteWrites: (tables: readonly (string | undefined)[]) => {
      for (const table of tables) raise(table);
    },
    writeEpoch: (tables?: readonly string[]) =>
      tables ? tables.reduce((sum, table) => sum + (tableEpochs.get(table) ?? 0), unnamed) : epoch,
    onStatement: (listener: StatementListener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/**
 * The client every part of Snypto uses. Each operation runs with what it
 * declares it writes (src/model-writes.ts), and each transaction in a scope
 * its operations share (src/write-tables.ts). One more adjustment: an empty
 * `select` (what the GraphQL layer asks for when a client selected nothing
 * but `__typename` of a result) reads the row as a whole, where Prisma would
 * refuse it.
 */
function createClient(adapter: SqlDriverAdapterFactory): PrismaClient {
  // Minimal errors: no call-site capture (an Error and its stack per query, ~5% of a message's creation).
  const client = new PrismaClient({ adapter, errorFormat: 'minimal' });
  const declare = operationDeclarations(dataModelOf(client));
  const extended = client.$extends({
    query: {
      $allOperations(params) {
        const { model, operation, args, query } = params;
        // Raw statements reach extensions as copies, which lose their declaration: the request holds the original.
        const request = (params as { __internalParams?: { args?: unknown } }).__internalParams?.args;
        const declaration = declare(model, operation, model === undefined ? (request ?? args) : args);
        const select = (args as { select?: object } | undefined)?.select;
        if (select && Object.keys(select).length === 0)
          return runDeclared(declaration, () => query({ ...(args as object), select: undefined } as never));
        return runDeclared(declaration, () => query(args));
      },
    },
  }) as unknown as PrismaClient;
  const transaction = extended.$transaction.bind(extended) as (...args: unknown[]) => PromiseLike<unknown>;
  return new Proxy(extended, {
    get: (target, property, receiver) =>
      property === '$transaction'
        ? (...args: unknown[]) => runTransactionScope(() => transaction(...args))
        : Reflect.get(target, property, receiver),
  });
}

/** The models and their tables, from the generated client (its runtime data model; `@@map` names as `dbName`). */
function dataModelOf(client: PrismaClient): DataModel {
  const dataModel = (client as unknown as { _runtimeDataModel?: DataModel })._runtimeDataModel;
  if (!dataModel?.models) throw new Error('The generated Prisma client has no runtime data model to read table names from');
  return dataModel;
}

/** A Database over a migrated adapter: its statements observed, Prisma's client and the raw hot path on it. */
function databaseOver(
  adapter: SqlDriverAdapterFactory,
  kind: Database['kind'],
  appliedMigrations: string[],
  lifecycle: { startupDone: () => Promise<void>; close: (prisma: PrismaClient) => Promise<void> },
): Database {
  const statements = observers();
  const factory = observeFactory(adapter, statements);
  const prisma = createClient(factory);
  const driver = connectedAdapter(prisma, factory);
  return {
    prisma,
    kind,
    appliedMigrations,
    onStatement: statements.onStatement,
    writeEpoch: statements.writeEpoch,
    unnamedWrites: statements.unnamedWrites,
    onWrite: statements.onWrite,
    noteWrites: statements.noteWrites,
    transaction: transactionRunner(prisma),
    rawTransaction: async (work) => inDriverTransaction(await driver(), work),
    startupDone: lifecycle.startupDone,
    close: () => lifecycle.close(prisma),
  };
}

/**
 * Opens the configured database and brings its schema up to date.
 * `embeddedTemplate`: where a new embedded database is copied from (default: the build's, see copyTemplate).
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'dataDir'>,
  options: { embeddedTemplate?: string } = {},
): Promise<Database> {
  if (config.databaseUrl) {
    const adapter = (): SqlMigrationAwareDriverAdapterFactory =>
      new PrismaPg(
        { connectionString: config.databaseUrl, max: config.databasePoolSize },
        { statementNameGenerator: preparedStatementName as (query: SqlQuery) => string },
      );
    const releaseStartup = await takeStartupLock(config.databaseUrl);
    try {
      // The schema engine runs only when something is pending, and apart (src/migration-worker.ts).
      const appliedMigrations = (await hasPendingMigrations(adapter()))
        ? await migrateApart({ kind: 'postgresql', connectionString: config.databaseUrl, poolSize: config.databasePoolSize })
        : [];
      return databaseOver(adapter(), 'postgresql', appliedMigrations, {
        startupDone: releaseStartup,
        close: async (prisma) => {
          await releaseStartup();
          await prisma.$disconnect();
        },
      });
    } catch (error) {
      await releaseStartup();
      throw error;
    }
  }

  await mkdir(config.dataDir, { recursive: true });
  const { dataDir } = config;
  // A new data directory starts as a copy of the build's migrated template or, without one (from the sources),
  // with initdb and the migrations, apart (src/migration-worker.ts) so that the memory they grow goes back to
  // the system. Either way the schema engine then runs only when something is pending.
  const appliedMigrations = existsSync(path.join(dataDir, 'PG_VERSION'))
    ? []
    : ((await copyTemplate(options.embeddedTemplate ?? embeddedTemplateDir, dataDir)) ?? (await migrateApart({ kind: 'pglite', dataDir })));
  await chooseBufferPool(dataDir);
  let pglite = await PGlite.create(dataDir);
  if (await hasPendingMigrations(new PrismaPGlite(pglite))) {
    await pglite.close();
    appliedMigrations.push(...(await migrateApart({ kind: 'pglite', dataDir })));
    pglite = await PGlite.create(dataDir);
  }
  const opened = pglite;
  return databaseOver(new PrismaPGlite(opened), 'pglite', appliedMigrations, {
    // One process owns an embedded database: there is nobody to wait for.
    startupDone: async () => undefined,
    close: async (prisma) => {
      await prisma.$disconnect();
      await opened.close();
    },
  });
}
