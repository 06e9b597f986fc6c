/**
 * Hand-written statements inside a transaction, for the hot path.
 *
 * A message's creation is a handful of small statements, and Prisma's
 * per-statement machinery inside an interactive transaction cost more CPU
 * than the statements themselves (bench/rest: ~200 µs against ~40 µs through
 * the driver adapter, plus Prisma's BEGIN/COMMIT bookkeeping). So the hot
 * path runs on `DriverTransactionSql`: the driver adapter's own transaction,
 * with prepared statements. The same statements also run inside a Prisma
 * transaction (`PrismaTransactionSql`) when a Prisma-written change includes
 * them, e.g. a conversation created with its first message: one
 * implementation of each rule, two ways to reach the database.
 *
 * A statement that writes is made with `writes('table', …)` (src/write-tables.ts)
 * rather than `Prisma.sql`, and so declares the tables it changes; both
 * classes run it with that declaration, which is where db.ts's write epochs
 * (and the read caches on them) learn what was written.
 */
import { createHash } from 'node:crypto';
import type { ArgType, ColumnType, SqlQuery, SqlQueryable } from '@prisma/driver-adapter-utils';
import { ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import type { Prisma, PrismaClient } from './generated/prisma/client.ts';
import { runDeclared, statementDeclaration } from './write-tables.ts';

/**
 * Statements (`Prisma.sql` templates) inside one transaction. Rows come back
 * as objects keyed by column name, typed as Prisma types them, except that
 * 64-bit integers are strings.
 */
export interface RawSql {
  rows<T>(statement: Prisma.Sql): Promise<T[]>;
  /** Runs a statement; returns the number of rows it affected. */
  execute(statement: Prisma.Sql): Promise<number>;
}

/** A value as a driver adapter takes it, and its type. Dates travel as ISO text: cast them in SQL. */
function argumentOf(value: unknown): { arg: unknown; type: ArgType } {
  const scalar = (scalarType: ArgType['scalarType'], arg: unknown = value) => ({ arg, type: { scalarType, arity: 'scalar' as const } });
  if (value === null || value === undefined) return scalar('unknown', null);
  if (typeof value === 'string') return scalar('string');
  if (typeof value === 'boolean') return scalar('boolean');
  if (typeof value === 'bigint') return scalar('bigint');
  if (typeof value === 'number') return scalar(Number.isSafeInteger(value) ? (Math.abs(value) > 2 ** 31 - 1 ? 'bigint' : 'int') : 'float');
  if (value instanceof Date) return scalar('string', value.toISOString());
  return scalar('json', JSON.stringify(value));
}

/** A column's value as Prisma would hand it back: numbers, Dates, parsed JSON; 64-bit integers as strings. */
function decode(value: unknown, type: ColumnType): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case ColumnTypeEnum.Int32:
    case ColumnTypeEnum.Float:
    case ColumnTypeEnum.Double:
      return Number(value);
    case ColumnTypeEnum.Int64:
      return String(value);
    case ColumnTypeEnum.DateTime:
      return value instanceof Date ? value : new Date(String(value));
    case ColumnTypeEnum.Json:
      return typeof value === 'string' ? JSON.parse(value) : value;
    default:
      return value;
  }
}

/**
 * A query that asks to be a named prepared statement. Planning the hot
 * path's joins costs PostgreSQL more than running them (about 1 ms against
 * 0.2 ms each); a prepared statement is planned once per connection. The
 * texts are few and fixed, so the statements a connection keeps stay few.
 */
interface PreparedQuery extends SqlQuery {
  preparedName: string;
}

const preparedNames = new Map<string, string>();

function preparedNameOf(text: string): string {
  let name = preparedNames.get(text);
  if (!name) {
    name = `snypto_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    preparedNames.set(text, name);
  }
  return name;
}

/** For the PostgreSQL adapter's `statementNameGenerator`: RawSql's statements are prepared, Prisma's are not. */
export const preparedStatementName = (query: SqlQuery): string | undefined => (query as Partial<PreparedQuery>).preparedName;

/** Statements on a driver adapter's transaction. */
export class DriverTransactionSql implements RawSql {
  constructor(private readonly transaction: SqlQueryable) {}

  async rows<T>(statement: Prisma.Sql): Promise<T[]> {
    const result = await runDeclared(statementDeclaration(statement), () => this.transaction.queryRaw(this.query(statement)));
    return result.rows.map((row) => {
      const record: Record<string, unknown> = {};
      result.columnNames.forEach((name, i) => {
        record[name] = decode(row[i], result.columnTypes[i]!);
      });
      return record as T;
    });
  }

  execute(statement: Prisma.Sql): Promise<number> {
    return runDeclared(statementDeclaration(statement), () => this.transaction.executeRaw(this.query(statement)));
  }

  private query(statement: Prisma.Sql): PreparedQuery {
    const args = statement.values.map(argumentOf);
    return {
      sql: statement.text,
      args: args.map((a) => a.arg),
      argTypes: args.map((a) => a.type),
      preparedName: preparedNameOf(statement.text),
    };
  }
}

/** The part of a Prisma client (a transaction's) that PrismaTransactionSql sends statements through. */
export type RawQueryClient = Pick<PrismaClient, '$queryRaw' | '$executeRaw'>;

/** The same statements through a Prisma interactive transaction (its client's query extension reads their declarations). */
export class PrismaTransactionSql implements RawSql {
  constructor(private readonly tx: RawQueryClient) {}

  async rows<T>(statement: Prisma.Sql): Promise<T[]> {
    const rows = await this.tx.$queryRaw<Record<string, unknown>[]>(statement);
    for (const row of rows) for (const [name, value] of Object.entries(row)) if (typeof value === 'bigint') row[name] = String(value);
    return rows as T[];
  }

  execute(statement: Prisma.Sql): Promise<number> {
    return this.tx.$executeRaw(statement);
  }
}
