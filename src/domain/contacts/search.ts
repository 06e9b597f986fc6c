/**
 * Listing and searching an account's contacts (spec/API.md §3.4: `GET
 * /contacts`, `GET /contacts/search`): a text query over name, email and
 * phone number and company name (ILIKE) and identifier (LIKE, case-sensitive as in
 * Chatwoot), a labels filter, and Chatwoot's sort orders (`name` compares
 * lower-cased; `last_activity_at` and `created_at` put missing values last),
 * with the id as tie-breaker so that pages are stable.
 */
import { z } from 'zod';
import type { Tx } from '../../db.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { LIMITS, parseInput, type RawInput, stringColumn } from '../validation.ts';

export const CONTACT_SORT_FIELDS = ['name', 'email', 'phoneNumber', 'lastActivityAt', 'createdAt', 'company', 'city', 'country'] as const;
export type ContactSortField = (typeof CONTACT_SORT_FIELDS)[number];

export const contactSearchInput = z.object({
  /** Text to look for (`q`); blank lists every contact. */
  query: z.string().max(LIMITS.text).nullish(),
  labels: z.array(stringColumn()).nullish(),
  /** `all` (default): contacts having every label; `any`: at least one (Chatwoot's REST listing). */
  labelMatch: z.enum(['all', 'any']).optional(),
  sortBy: z.enum(CONTACT_SORT_FIELDS).nullish(),
  sortDirection: z.enum(['asc', 'desc']).nullish(),
  /** Only contacts with an email, phone number or identifier (Chatwoot's `GET /contacts`). */
  resolvedOnly: z.boolean().optional(),
});
export type ContactSearchInput = z.input<typeof contactSearchInput>;

/** Default order: most recent activity first, as Chatwoot's contact list shows it. */
const DEFAULT_SORT = { sortBy: 'lastActivityAt', sortDirection: 'desc' } as const;

const ORDER_EXPRESSIONS: Record<ContactSortField, (direction: Prisma.Sql) => Prisma.Sql> = {
  name: (direction) => Prisma.sql`LOWER(name) ${direction}`,
  email: (direction) => Prisma.sql`email ${direction}`,
  phoneNumber: (direction) => Prisma.sql`phone_number ${direction}`,
  lastActivityAt: (direction) => Prisma.sql`last_activity_at ${direction} NULLS LAST`,
  createdAt: (direction) => Prisma.sql`created_at ${direction} NULLS LAST`,
  company: (direction) => Prisma.sql`additional_attributes->>'company_name' ${direction} NULLS LAST`,
  city: (direction) => Prisma.sql`additional_attributes->>'city' ${direction} NULLS LAST`,
  country: (direction) => Prisma.sql`additional_attributes->>'country' ${direction} NULLS LAST`,
};

/** `%`, `_` and `\` match themselves: the query is text, not a pattern. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The WHERE clause for `input` in the account (and `condition`, when given). */
function whereClause(accountId: number, input: z.output<typeof contactSearchInput>, condition?: Prisma.Sql): Prisma.Sql {
  const conditions = [Prisma.sql`account_id = ${accountId}`];
  if (condition) conditions.push(Prisma.sql`(${condition})`);
  const text = input.query?.trim();
  if (text) {
    const pattern = likePattern(text);
    conditions.push(
      Prisma.sql`(name ILIKE ${pattern} OR email ILIKE ${pattern} OR phone_number ILIKE ${pattern} OR identifier LIKE ${pattern} OR additional_attributes->>'company_name' ILIKE ${pattern})`,
    );
  }
  const labels = [...new Set((input.labels ?? []).map((label) => label.trim()).filter(Boolean))];
  if (labels.length > 0)
    conditions.push(
      input.labelMatch === 'any' ? Prisma.sql`labels && ${labels}::text[]` : Prisma.sql`labels @> ${labels}::text[]`,
    );
  if (input.resolvedOnly)
    conditions.push(
      Prisma.sql`(COALESCE(email, '') <> '' OR COALESCE(phone_number, '') <> '' OR COALESCE(identifier, '') <> '')`,
    );
  return Prisma.join(conditions, ' AND ');
}

/**
 * One page of the account's contacts matching `raw` (ids in order) and how
 * many match in all; `condition` narrows them further (a compiled custom
 * filter, see domain/filters).
 */
export async function searchContactIds(
  db: Tx,
  accountId: number,
  raw: RawInput<ContactSearchInput>,
  page: { offset: number; limit: number },
  condition?: Prisma.Sql,
): Promise<{ ids: number[]; totalCount: number }> {
  const input = parseInput(contactSearchInput, raw);
  const where = whereClause(accountId, input, condition);
  const sortBy = input.sortBy ?? DEFAULT_SORT.sortBy;
  const direction = Prisma.raw((input.sortDirection ?? (input.sortBy ? 'asc' : DEFAULT_SORT.sortDirection)).toUpperCase());
  const [rows, [count]] = await Promise.all([
    db.$queryRaw<{ id: number }[]>`
      SELECT id FROM contacts WHERE ${where}
      ORDER BY ${ORDER_EXPRESSIONS[sortBy](direction)}, id ${direction}
      LIMIT ${page.limit} OFFSET ${page.offset}`,
    db.$queryRaw<{ count: number }[]>`SELECT COUNT(*)::int AS count FROM contacts WHERE ${where}`,
  ]);
  return { ids: rows.map((row) => row.id), totalCount: count?.count ?? 0 };
}
