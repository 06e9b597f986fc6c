/**
 * A list's order written once, as data, and read two ways: a Prisma
 * `orderBy` and an SQL `ORDER BY` (for a planned statement). A key without
 * `nulls` sorts nulls as PostgreSQL does by default (after the values
 * ascending, before them descending), which is also what Prisma asks for.
 */
import { Prisma } from '../generated/prisma/client.ts';
import { column } from './access/condition.ts';

export type Ordering = readonly { field: string; direction: 'asc' | 'desc'; nulls?: 'last' }[];

export const prismaOrderBy = <OrderBy>(ordering: Ordering): OrderBy[] =>
  ordering.map(({ field, direction, nulls }) => ({ [field]: nulls ? { sort: direction, nulls } : direction }) as OrderBy);

/** The ORDER BY list over the columns of `alias` (column names are the fields in snake case). */
export const sqlOrderBy = (ordering: Ordering, alias: string): Prisma.Sql =>
  Prisma.raw(
    ordering
      .map(({ field, direction, nulls }) => `${alias}.${column(field)} ${direction.toUpperCase()}${nulls ? ' NULLS LAST' : ''}`)
      .join(', '),
  );
