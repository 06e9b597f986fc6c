/**
 * Writes name the tables they change where they are written, so that the
 * write epochs (Database.writeEpoch, the read caches on it) never have to
 * guess them from SQL text:
 *
 * - a hand-written statement is made with `writes('messages')` instead of
 *   `Prisma.sql` and carries its tables (RawSql and `$queryRaw`/`$executeRaw`
 *   read them);
 * - a Prisma model operation declares its model's table and those of its
 *   nested writes (src/model-writes.ts, applied by db.ts's client);
 * - a read declares no table.
 *
 * A declaration travels to the driver adapter, where db.ts sees each
 * statement run and each transaction end, in an AsyncLocalStorage: a
 * `WriteScope` holds the declarations of the operations under way in one
 * call, or in one Prisma transaction (its operations may be batched into one
 * another's async context, so a statement there counts for all of them).
 * A statement with no declaration is a read if it is a plain SELECT, and
 * otherwise, should it change rows, a write to an unnamed table: every cache
 * ends (Database.unnamedWrites counts them).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Prisma } from './generated/prisma/client.ts';

/**
 * The tables one operation may change: none for a read; `undefined` stands
 * for a table it could not name (any table).
 */
export type Declaration = readonly (string | undefined)[];

const DECLARED = Symbol('declared tables');

type Declared = Prisma.Sql & { [DECLARED]?: Declaration };

/** A value interpolated into a statement, as `Prisma.sql` takes it. */
type SqlValue = Parameters<typeof Prisma.sql>[1];

/** The tables `statement` declared with `writes`, or undefined when it declared none. */
function declarationOf(statement: Prisma.Sql): Declaration | undefined {
  return (statement as Declared)[DECLARED];
}

/**
 * Whether a statement that declared nothing only reads, by its first words:
 * a SELECT (`SELECT … FOR UPDATE` included). The one question ever asked of
 * SQL text, and only of statements without a declaration.
 */
export const isPlainSelect = (sql: string): boolean => /^\s*\(?\s*select\b/i.test(sql);

/**
 * What a hand-written statement declares: the tables given to `writes`; a
 * plain SELECT made with `Prisma.sql` declares a read; anything else nothing.
 */
export function statementDeclaration(statement: Prisma.Sql): Declaration | undefined {
  return declarationOf(statement) ?? (isPlainSelect(statement.strings[0] ?? '') ? [] : undefined);
}

/**
 * A tag like `Prisma.sql` whose statement declares the tables it writes:
 * `writes('conversations')\`UPDATE conversations SET …\``. A statement given
 * instead of a table (one sent inside this one, as a CTE) adds its own
 * tables, or an unnamed table if it declared none. The declaration is lost
 * when the statement is nested in another `Prisma.sql`: declare the outer one.
 */
export function writes(...tables: (string | Prisma.Sql)[]): (strings: TemplateStringsArray, ...values: SqlValue[]) => Prisma.Sql {
  const declaration = tables.flatMap((table) => (typeof table === 'string' ? [table] : (declarationOf(table) ?? [undefined])));
  return (strings, ...values) => {
    const statement = Prisma.sql(strings, ...values) as Declared;
    Object.defineProperty(statement, DECLARED, { value: declaration });
    return statement;
  };
}

/** What a statement run now may change, as far as the declarations under way say. */
export interface Claim {
  tables: ReadonlySet<string | undefined>;
  /** An operation under way declared nothing: the statement itself has to tell whether it writes. */
  undeclared: boolean;
}

const NOTHING: Claim = { tables: new Set(), undeclared: true };

/**
 * The declarations of the operations under way in one async context: one
 * Prisma or RawSql call, or every operation of one Prisma transaction.
 */
export class WriteScope {
  /** The claim of each operation under way, by its declaration alone. */
  private readonly running = new Set<Claim>();

  /** @param shared a Prisma transaction's: its operations join it rather than open their own. */
  constructor(readonly shared = false) {}

  /** Adds an operation's declaration (undefined: it declared none); returns what removes it. */
  enter(declaration: Declaration | undefined): () => void {
    // A claim of its own for each operation, even an undeclared one: leaving removes only that one.
    const claim: Claim = { tables: new Set(declaration), undeclared: declaration === undefined };
    this.running.add(claim);
    return () => void this.running.delete(claim);
  }

  /** The union of the declarations under way. */
  claim(): Claim {
    if (this.running.size <= 1) return this.running.values().next().value ?? NOTHING;
    const tables = new Set<string | undefined>();
    let undeclared = false;
    for (const claim of this.running) {
      undeclared ||= claim.undeclared;
      for (const table of claim.tables) tables.add(table);
    }
    return { tables, undeclared };
  }
}

const scopes = new AsyncLocalStorage<WriteScope>();

/** What a statement run in this async context may change (db.ts asks as the adapter receives it). */
export function currentClaim(): Claim {
  return scopes.getStore()?.claim() ?? NOTHING;
}

/**
 * Runs `operation` (which must start its statements before it settles) as
 * one declaring `declaration`: inside a Prisma transaction's scope it joins
 * that scope, anywhere else it gets one of its own.
 */
export function runDeclared<T>(declaration: Declaration | undefined, operation: () => PromiseLike<T>): Promise<T> {
  const outer = scopes.getStore();
  const scope = outer?.shared ? outer : new WriteScope();
  const leave = scope.enter(declaration);
  // `then` is called here, in the scope: Prisma's promises only start to run when it is.
  const run = () => new Promise<T>((resolve, reject) => void operation().then(resolve, reject)).finally(leave);
  return scope === outer ? run() : scopes.run(scope, run);
}

/** Runs `transaction` (a Prisma transaction) in a scope its operations share. */
export function runTransactionScope<T>(transaction: () => PromiseLike<T>): Promise<T> {
  return scopes.run(new WriteScope(true), () => new Promise<T>((resolve, reject) => void transaction().then(resolve, reject)));
}
