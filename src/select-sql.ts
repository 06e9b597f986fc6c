/**
 * A Prisma selection (`{ include }` or `{ select }`, as Pothos hands a
 * resolver its `query`) compiled into one SQL expression that builds a
 * row's JSON with its relations, and the reviver that turns that JSON back
 * into what Prisma itself would have returned (Dates for DateTime, BigInts
 * for BigInt). A planned statement (conversations/page.ts) selects it
 * beside its own columns, so a page of rows with their relations is one
 * statement instead of Prisma's several.
 *
 * What it compiles: scalar and enum fields, to-one relations (by a foreign
 * key on either side) and to-many relations, all their rows or those whose
 * scalar fields equal given numbers, strings or booleans (`where: {
 * accountId: 1 }`), in the order of an `orderBy` on scalar fields (by id
 * without one). Anything else (other relation arguments such as `take` or a
 * richer `where`, `_count`, Bytes or Decimal fields, composite keys) is not
 * compiled: `compileSelection` answers undefined and the caller reads
 * through Prisma.
 * Column and table names come from the generated client's data model.
 */
import { getDatamodel } from './generated/pothos-types.ts';
import { Prisma } from './generated/prisma/client.ts';

/** The part of the generated client's runtime data model read here (`@map`/`@@map` names as `dbName`). */
export interface RuntimeDataModel {
  models: Record<string, { dbName: string | null; fields: readonly { name: string; dbName?: string | null }[] }>;
}

interface FieldInfo {
  name: string;
  kind: string;
  type: string;
  isList: boolean;
  isId: boolean;
  relationName?: string;
  relationFromFields?: readonly string[];
}

interface ModelInfo {
  table: string;
  column: Map<string, string>;
  fields: Map<string, FieldInfo>;
  scalars: FieldInfo[];
  id?: FieldInfo;
}

/** A compiled selection: its JSON expression (over `alias`) and the reviver of that JSON. */
export interface CompiledSelection {
  json: Prisma.Sql;
  revive: (json: unknown) => unknown;
}

const UNCOMPILED = new Set(['Bytes', 'Decimal']);
/** json_build_object takes at most 100 arguments: 50 keys. */
const MAX_KEYS = 50;

let models: Map<string, ModelInfo> | undefined;

function modelsOf(runtime: RuntimeDataModel): Map<string, ModelInfo> {
  if (models) return models;
  const shapes = getDatamodel().datamodel.models as unknown as Record<string, { fields: FieldInfo[] }>;
  models = new Map(
    Object.entries(shapes).map(([name, shape]) => {
      const runtimeModel = runtime.models[name];
      const column = new Map(runtimeModel?.fields.map((field) => [field.name, field.dbName ?? field.name]) ?? []);
      const fields = new Map(shape.fields.map((field) => [field.name, field]));
      const scalars = shape.fields.filter((field) => field.kind !== 'object');
      return [name, { table: runtimeModel?.dbName ?? name, column, fields, scalars, id: scalars.find((field) => field.isId) }];
    }),
  );
  return models;
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A compiler run: fresh aliases for nested rows. */
class Compiler {
  private aliases = 0;
  constructor(private readonly models: Map<string, ModelInfo>) {}

  /** `selection` is `true` (every scalar), `{ include }` or `{ select }`; undefined when it cannot be compiled. */
  row(modelName: string, selection: unknown, alias: string): CompiledSelection | undefined {
    const model = this.models.get(modelName);
    if (!model) return undefined;
    const picked = this.fieldsOf(model, selection);
    if (!picked || picked.length > MAX_KEYS) return undefined;
    const parts: Prisma.Sql[] = [];
    const revivers: [string, (value: unknown) => unknown][] = [];
    for (const [field, nested] of picked) {
      const compiled = field.kind === 'object' ? this.relation(model, field, nested, alias) : this.scalar(model, field, alias);
      if (!compiled) return undefined;
      parts.push(Prisma.sql`${Prisma.raw(`'${field.name}'`)}, ${compiled.json}`);
      revivers.push([field.name, compiled.revive]);
    }
    const json = Prisma.sql`json_build_object(${Prisma.join(parts, ', ')})`;
    const revive = (value: unknown) => {
      if (value === null) return null;
      const row = value as Record<string, unknown>;
      for (const [name, reviveField] of revivers) row[name] = reviveField(row[name]);
      return row;
    };
    return { json, revive };
  }

  /** The fields a selection picks, each with its nested selection. */
  private fieldsOf(model: ModelInfo, selection: unknown): [FieldInfo, unknown][] | undefined {
    if (selection === true) return model.scalars.map((field) => [field, true]);
    if (typeof selection !== 'object' || selection === null) return undefined;
    const { include, select, ...rest } = selection as { include?: Record<string, unknown>; select?: Record<string, unknown> };
    if (Object.keys(rest).length > 0 || (include && select)) return undefined;
    const picked: [FieldInfo, unknown][] = select ? [] : model.scalars.map((field) => [field, true]);
    for (const [name, nested] of Object.entries(select ?? include ?? {})) {
      if (nested === false || nested === undefined) continue;
      const field = model.fields.get(name);
      if (!field) return undefined;
      if (field.kind !== 'object' && select) picked.push([field, true]);
      if (field.kind === 'object') picked.push([field, nested]);
    }
    return picked;
  }

  private scalar(model: ModelInfo, field: FieldInfo, alias: string): CompiledSelection | undefined {
    if (UNCOMPILED.has(field.type)) return undefined;
    const column = Prisma.raw(`${alias}.${quoted(model.column.get(field.name) ?? field.name)}`);
    if (field.type === 'BigInt') {
      if (field.isList) return undefined;
      return { json: Prisma.sql`${column}::text`, revive: (value) => (value === null ? null : BigInt(value as string)) };
    }
    if (field.type === 'DateTime') {
      if (field.isList) return undefined;
      return { json: column, revive: (value) => (value === null ? null : new Date(value as string)) };
    }
    return { json: column, revive: (value) => value };
  }

  private relation(model: ModelInfo, field: FieldInfo, nested: unknown, alias: string): CompiledSelection | undefined {
    const target = this.models.get(field.type);
    if (!target) return undefined;
    const inner = `${alias}_${++this.aliases}`;
    const { where, orderBy, ...selection } = typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>) : {};
    if (!field.isList && (where !== undefined || orderBy !== undefined)) return undefined;
    const row = this.row(field.type, nested === true ? true : selection, inner);
    if (!row) return undefined;
    const join = this.join(model, field, target, alias, inner);
    const filter = this.equalities(target, where, inner);
    if (!join || !filter) return undefined;
    const from = Prisma.raw(`${quoted(target.table)} ${inner}`);
    if (!field.isList) return { json: Prisma.sql`(SELECT ${row.json} FROM ${from} WHERE ${join})`, revive: row.revive };
    const order = this.order(target, orderBy, inner);
    if (!order) return undefined;
    return {
      json: Prisma.sql`COALESCE((SELECT json_agg(${row.json} ORDER BY ${order}) FROM ${from} WHERE ${join}${filter}), '[]'::json)`,
      revive: (value) => (value as unknown[]).map(row.revive),
    };
  }

  /** `AND`ed equalities of a relation's `where` (scalar fields equal to numbers, strings or booleans, bound); undefined otherwise. */
  private equalities(target: ModelInfo, where: unknown, inner: string): Prisma.Sql | undefined {
    if (where === undefined) return Prisma.empty;
    if (typeof where !== 'object' || where === null) return undefined;
    const parts: Prisma.Sql[] = [];
    for (const [name, value] of Object.entries(where)) {
      const field = target.fields.get(name);
      if (!field || field.kind !== 'scalar' || field.isList || !['number', 'string', 'boolean'].includes(typeof value)) return undefined;
      if (!['Int', 'String', 'Boolean'].includes(field.type)) return undefined;
      const cast = Prisma.raw(field.type === 'Int' ? 'int' : field.type === 'Boolean' ? 'boolean' : 'text');
      parts.push(Prisma.sql` AND ${Prisma.raw(`${inner}.${quoted(target.column.get(name) ?? name)}`)} = ${value}::${cast}`);
    }
    return parts.length ? Prisma.join(parts, '', '', '') : Prisma.empty;
  }

  /** The ORDER BY of a to-many relation: its `orderBy` on scalar fields, else by id. */
  private order(target: ModelInfo, orderBy: unknown, inner: string): Prisma.Sql | undefined {
    const keys = orderBy === undefined ? (target.id ? [{ [target.id.name]: 'asc' }] : []) : Array.isArray(orderBy) ? orderBy : [orderBy];
    const parts: string[] = [];
    for (const key of keys as unknown[]) {
      const entries = typeof key === 'object' && key !== null ? Object.entries(key) : [];
      if (entries.length !== 1) return undefined;
      const [name, direction] = entries[0]!;
      const field = target.fields.get(name);
      if (!field || field.kind === 'object' || (direction !== 'asc' && direction !== 'desc')) return undefined;
      parts.push(`${inner}.${quoted(target.column.get(name) ?? name)} ${direction.toUpperCase()}`);
    }
    return parts.length ? Prisma.raw(parts.join(', ')) : undefined;
  }

  /** The join condition between a row (`alias`) and its related rows (`inner`), by the one-column foreign key. */
  private join(model: ModelInfo, field: FieldInfo, target: ModelInfo, alias: string, inner: string): Prisma.Sql | undefined {
    const columnOf = (owner: ModelInfo, name: string) => quoted(owner.column.get(name) ?? name);
    if (field.relationFromFields?.length) {
      // The foreign key is on this row, to the target's id.
      if (field.relationFromFields.length !== 1 || !target.id) return undefined;
      return Prisma.raw(`${inner}.${columnOf(target, target.id.name)} = ${alias}.${columnOf(model, field.relationFromFields[0]!)}`);
    }
    // The foreign key is on the related rows, to this row's id: the other side of the same relation names it.
    const back = [...target.fields.values()].find((f) => f.relationName === field.relationName && f.relationFromFields?.length);
    if (!back || back.relationFromFields!.length !== 1 || !model.id) return undefined;
    return Prisma.raw(`${inner}.${columnOf(target, back.relationFromFields![0]!)} = ${alias}.${columnOf(model, model.id.name)}`);
  }
}

/** Selections come from clients' documents: the cache is bounded, and starts over when full. */
const MAX_COMPILED = 500;
const compiled = new Map<string, CompiledSelection | undefined>();

/**
 * The JSON expression of a row of `model` (under the SQL alias `alias`)
 * with the fields and relations `selection` names, or undefined when it
 * cannot be compiled. Compiled once per model, selection and alias.
 */
export function compileSelection(
  runtime: RuntimeDataModel,
  model: string,
  selection: unknown,
  alias: string,
): CompiledSelection | undefined {
  if (!/^[a-z_][a-z0-9_]*$/.test(alias)) throw new Error(`SQL alias ${JSON.stringify(alias)} is not a plain name`);
  const key = `${model}\u0000${alias}\u0000${JSON.stringify(selection)}`;
  if (!compiled.has(key)) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, new Compiler(modelsOf(runtime)).row(model, selection, alias));
  }
  return compiled.get(key);
}
