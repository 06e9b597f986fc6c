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
 * values (account and user ids) are bound parameters.
 */
import { Prisma } from '../../generated/prisma/client.ts';

type Constant = string | boolean;

export type Condition =
  /** The row's `field` equals the value (numbers are bound, constants are literals). */
  | { kind: 'eq' | 'ne'; field: string; value: number | Constant }
  | { kind: 'and' | 'or'; of: readonly Condition[] }
  /** The user is a member of the inbox the row's `field` names (`id` on inboxes, `inboxId` elsewhere). */
  | { kind: 'inboxMember'; field: 'id' | 'inboxId'; userId: number };

export const eq = (field: string, value: number | Constant): Condition => ({ kind: 'eq', field, value });
export const ne = (field: string, value: number | Constant): Condition => ({ kind: 'ne', field, value });
export const and = (...of: Condition[]): Condition => ({ kind: 'and', of });
export const or = (...of: Condition[]): Condition => ({ kind: 'or', of });
export const inboxMember = (field: 'id' | 'inboxId', userId: number): Condition => ({ kind: 'inboxMember', field, userId });

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

const column = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

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
  }
}

/** The three forms of a condition. */
export function compile<Where = object>(condition: Condition): Rule<Where> {
  return {
    condition,
    test: (row, facts = {}) => test(condition, row as Record<string, unknown>, facts),
    where: where(condition) as Where,
    sql: (alias) => sql(condition, alias),
  };
}
