/**
 * A rule written once, used three ways. An access rule is a `Condition` on
 * one table's rows; `compile` turns it into the three forms callers need,
 * all from that one definition:
 * - `test(row, facts)`: a predicate over a row already loaded (GraphQL type
 *   checks, event filters);
 * - `where`: a Prisma `where` (services and GraphQL queries through Prisma);
 * - `sql(alias)`: an SQL fragment (the hand-written hot path).
 * test/unit/access-rules.test.ts holds the three equal on generated rows.
 *
 * Constants of a rule (`'activity'`, `false`) are SQL literals, so that the
 * fragment compares an enum column with a literal of its type; caller
 * values (account and user ids, a search text, labels) are bound parameters.
 *
 * Beside access rules, the filters of a list are conditions too
 * (conversations/list.ts), so that a planned statement and Prisma filter the
 * same way: a nullable column being null or not, a text array holding every
 * value, a text containing a search text whatever its case, and a condition
 * on a row's to-one relation.
 */
import { Prisma } from '../../generated/prisma/client.ts';

type Constant = string | boolean;

export type Condition =
  /** The row's `field` equals the value (numbers are bound, constants are literals). */
  | { kind: 'eq' | 'ne'; field: string; value: number | Constant }
  | { kind: 'and' | 'or'; of: readonly Condition[] }
  /** The user is a member of the inbox the row's `field` names (`id` on inboxes, `inboxId` elsewhere). */
  | { kind: 'inboxMember'; field: 'id' | 'inboxId'; userId: number }
  | { kind: 'isNull' | 'notNull'; field: string }
  /** The row's text array `field` holds every one of `values`. */
  | { kind: 'hasEvery'; field: string; values: readonly string[] }
  /** The row's text `field` contains `value`, case-insensitively (a null text contains nothing). */
  | { kind: 'containsInsensitive'; field: string; value: string }
  /** The row's to-one `relation` (by its foreign key `field`, to `table`'s `id`) meets `of`. */
  | { kind: 'related'; relation: string; field: string; table: string; of: Condition };

export const eq = (field: string, value: number | Constant): Condition => ({ kind: 'eq', field, value });
export const ne = (field: string, value: number | Constant): Condition => ({ kind: 'ne', field, value });
export const and = (...of: Condition[]): Condition => ({ kind: 'and', of });
export const or = (...of: Condition[]): Condition => ({ kind: 'or', of });
export const inboxMember = (field: 'id' | 'inboxId', userId: number): Condition => ({ kind: 'inboxMember', field, userId });
export const isNull = (field: string): Condition => ({ kind: 'isNull', field });
export const notNull = (field: string): Condition => ({ kind: 'notNull', field });
export const hasEvery = (field: string, values: readonly string[]): Condition => ({ kind: 'hasEvery', field, values });
export const containsInsensitive = (field: string, value: string): Condition => ({ kind: 'containsInsensitive', field, value });
export const related = (relation: string, field: string, table: string, of: Condition): Condition => ({
  kind: 'related',
  relation,
  field,
  table,
  of,
});

/** What a predicate needs beyond the row: the inboxes the user of an `inboxMember` condition is a member of. */
export interface Facts {
  memberInboxIds?: ReadonlySet<number>;
}

/** A rule in its three forms. */
export interface Rule<Where> {
  readonly condition: Condition;
  test(row: object, facts?: Facts): boolean;
  readonly where: Where;
  sql(alias: string): Prisma.Sql;
}

/** A field's column (its name in snake case, as the schema maps them). */
export const column = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function literal(value: Constant): Prisma.Sql {
  if (typeof value === 'boolean') return Prisma.raw(String(value));
  if (!/^[a-z_:]+$/i.test(value)) throw new Error(`Rule constant ${JSON.stringify(value)} is not a plain word`);
  return Prisma.raw(`'${value}'`);
}

const valueSql = (value: number | Constant) => (typeof value === 'number' ? Prisma.sql`${value}::int` : literal(value));

function test(condition: Condition, row: Record<string, unknown>, facts: Facts): boolean {
  switch (condition.kind) {
    case 'eq':
      return row[condition.field] === condition.value;
    case 'ne':
      return row[condition.field] !== condition.value;
    case 'and':
      return condition.of.every((c) => test(c, row, facts));
    case 'or':
      return condition.of.some((c) => test(c, row, facts));
    case 'inboxMember': {
      if (!facts.memberInboxIds) throw new Error('inboxMember needs the memberships of the user (facts.memberInboxIds)');
      return facts.memberInboxIds.has(row[condition.field] as number);
    }
    case 'isNull':
      return row[condition.field] === null || row[condition.field] === undefined;
    case 'notNull':
      return row[condition.field] !== null && row[condition.field] !== undefined;
    case 'hasEvery': {
      const held = row[condition.field] as readonly string[];
      return condition.values.every((value) => held.includes(value));
    }
    case 'containsInsensitive': {
      const text = row[condition.field];
      return typeof text === 'string' && text.toLowerCase().includes(condition.value.toLowerCase());
    }
    case 'related': {
      const target = row[condition.relation];
      if (target === undefined) throw new Error(`related needs the row's ${condition.relation} loaded`);
      return target !== null && test(condition.of, target as Record<string, unknown>, facts);
    }
  }
}

function where(condition: Condition): object {
  switch (condition.kind) {
    case 'eq':
      return { [condition.field]: condition.value };
    case 'ne':
      return { [condition.field]: { not: condition.value } };
    case 'and':
      return { AND: condition.of.map(where) };
    case 'or':
      return { OR: condition.of.map(where) };
    case 'inboxMember': {
      const members = { members: { some: { userId: condition.userId } } };
      return condition.field === 'id' ? members : { inbox: members };
    }
    case 'isNull':
      return { [condition.field]: null };
    case 'notNull':
      return { [condition.field]: { not: null } };
    case 'hasEvery':
      return { [condition.field]: { hasEvery: [...condition.values] } };
    case 'containsInsensitive':
      // Prisma puts the value into its LIKE pattern as it is: escaped, its wildcards are plain characters.
      return { [condition.field]: { contains: likeEscaped(condition.value), mode: 'insensitive' } };
    case 'related':
      return { [condition.relation]: where(condition.of) };
  }
}

function sql(condition: Condition, alias: string): Prisma.Sql {
  const col = (field: string) => Prisma.raw(`${alias}.${column(field)}`);
  switch (condition.kind) {
    case 'eq':
      return Prisma.sql`${col(condition.field)} = ${valueSql(condition.value)}`;
    case 'ne':
      return Prisma.sql`${col(condition.field)} <> ${valueSql(condition.value)}`;
    case 'and':
    case 'or':
      return Prisma.sql`(${Prisma.join(condition.of.map((c) => sql(c, alias)), condition.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'inboxMember':
      return Prisma.sql`EXISTS (SELECT 1 FROM inbox_members access_im WHERE access_im.inbox_id = ${col(condition.field)} AND access_im.user_id = ${condition.userId}::int)`;
    case 'isNull':
      return Prisma.sql`${col(condition.field)} IS NULL`;
    case 'notNull':
      return Prisma.sql`${col(condition.field)} IS NOT NULL`;
    case 'hasEvery':
      return Prisma.sql`${col(condition.field)} @> ${[...condition.values]}::text[]`;
    case 'containsInsensitive':
      // A substring: LIKE's wildcards in it are plain characters.
      return Prisma.sql`${col(condition.field)} ILIKE '%' || ${likeEscaped(condition.value)} || '%'`;
    case 'related': {
      const target = `${alias}_${column(condition.relation)}`;
      if (!/^[a-z_]+$/.test(condition.table)) throw new Error(`Table ${JSON.stringify(condition.table)} is not a plain name`);
      return Prisma.sql`EXISTS (SELECT 1 FROM ${Prisma.raw(condition.table)} ${Prisma.raw(target)} WHERE ${Prisma.raw(target)}.id = ${col(condition.field)} AND ${sql(condition.of, target)})`;
    }
  }
}

/** `value` for a LIKE pattern, its wildcards and the escape character (PostgreSQL's default: a backslash) escaped. */
const likeEscaped = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The three forms of a condition. */
export function compile<Where = object>(condition: Condition): Rule<Where> {
  return {
    condition,
    test: (row, facts = {}) => test(condition, row as Record<string, unknown>, facts),
    where: where(condition) as Where,
    sql: (alias) => sql(condition, alias),
  };
}
