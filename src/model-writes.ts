/**
 * The tables a Prisma operation declares (src/write-tables.ts): none for a
 * read; for a write, its model's table and the tables of the relation writes
 * nested in its arguments (`contact: { create: … }`, `members: { deleteMany:
 * … }`, `connect`/`disconnect` included, conservatively). Tables are the
 * models' `@@map` names, taken from the generated client's data model.
 * Cascading deletes are not followed: whoever caches rows of a child table
 * names the parent tables too (Database.writeEpoch).
 */
import { statementDeclaration, type Declaration } from './write-tables.ts';
import type { Prisma } from './generated/prisma/client.ts';

/** The part of the generated client's runtime data model read here. */
export interface DataModel {
  models: Record<string, { dbName: string | null; fields: readonly { name: string; kind: string; type: string }[] }>;
}

const WRITES = new Set([
  'create',
  'createMany',
  'createManyAndReturn',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'upsert',
  'delete',
  'deleteMany',
]);
const READS = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
]);
/** Nested writes whose arguments hold the related model's data (or wrap it in `data`, `create`, `update`). */
const CARRYING_DATA = new Set(['create', 'createMany', 'connectOrCreate', 'update', 'updateMany', 'upsert']);
const WRAPPERS = ['data', 'create', 'update'] as const;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * What each Prisma operation declares: `(model, operation, args)` for model
 * operations, `(undefined, '$executeRaw', statement)` for raw ones (see
 * `statementDeclaration`); undefined when it cannot say (an unknown
 * operation, unsafe raw SQL, a write made without `writes`).
 */
export function operationDeclarations(dataModel: DataModel) {
  const tableOf = (model: string) => dataModel.models[model]?.dbName ?? model;
  const relations = new Map(
    Object.entries(dataModel.models).map(([name, model]) => [
      name,
      new Map(model.fields.filter((field) => field.kind === 'object').map((field) => [field.name, field.type])),
    ]),
  );

  /** Adds the tables of the relation writes in `data` (of `model`: one record, or a list). */
  function collectData(model: string, data: unknown, tables: Set<string>): void {
    for (const record of Array.isArray(data) ? data : [data]) {
      if (!isObject(record)) continue;
      const related = relations.get(model);
      for (const [key, value] of Object.entries(record)) {
        const target = related?.get(key);
        if (target === undefined || !isObject(value)) continue;
        tables.add(tableOf(target));
        for (const [operation, argument] of Object.entries(value))
          if (CARRYING_DATA.has(operation)) collectArgument(target, operation, argument, tables);
      }
    }
  }

  /** The data inside `{ data }`, `{ where, create }`, `{ create, update }` and the like. */
  function collectWrapped(model: string, wrapper: unknown, tables: Set<string>): void {
    if (!isObject(wrapper)) return;
    for (const key of WRAPPERS) if (key in wrapper) collectData(model, wrapper[key], tables);
  }

  /** A nested write's argument: `create` takes data; a to-one `update` data or `{ where, data }` (both are read). */
  function collectArgument(model: string, operation: string, argument: unknown, tables: Set<string>): void {
    if (operation === 'create') return collectData(model, argument, tables);
    for (const item of Array.isArray(argument) ? argument : [argument]) {
      collectWrapped(model, item, tables);
      if (operation === 'update') collectData(model, item, tables);
    }
  }

  return (model: string | undefined, operation: string, args: unknown): Declaration | undefined => {
    if (model === undefined)
      return (operation === '$queryRaw' || operation === '$executeRaw') && isObject(args) ? statementDeclaration(args as unknown as Prisma.Sql) : undefined;
    if (!dataModel.models[model]) return undefined;
    if (READS.has(operation)) return [];
    if (!WRITES.has(operation)) return undefined;
    const tables = new Set([tableOf(model)]);
    collectWrapped(model, args, tables);
    return [...tables];
  };
}
