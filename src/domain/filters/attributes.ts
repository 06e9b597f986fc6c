/**
 * The attributes Chatwoot's custom filters accept (its `filter_keys.yml`):
 * per entity, each attribute's kind of value and the operators allowed on
 * it, in Chatwoot's order (the order its error messages list them in).
 *
 * Custom attributes are filterable in Chatwoot only once an account defines
 * them (custom attribute definitions); Snypto has no such definitions, so
 * every other key is an invalid attribute, as in an account without any.
 */
import { Prisma } from '../../generated/prisma/client.ts';

export const FILTER_OPERATORS = [
  'equal_to',
  'not_equal_to',
  'contains',
  'does_not_contain',
  'is_present',
  'is_not_present',
  'is_greater_than',
  'is_less_than',
  'days_before',
  'starts_with',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/**
 * How an attribute's values are compared:
 * - `text`: as given, case-sensitive (`= ANY` the values; contains: ILIKE);
 * - `caseInsensitiveText`: lower-cased, against the first value only (Chatwoot's contact filters);
 * - `enum`: names mapped to the stored values; an unknown name matches nothing;
 * - `integer`: ids and numbers; a value that is not an integer is invalid;
 * - `labels`: any of the values among the record's labels;
 * - `date`: compared by UTC calendar day;
 * - `boolean`: true or false (first value).
 */
export type AttributeKind = 'text' | 'caseInsensitiveText' | 'enum' | 'integer' | 'labels' | 'date' | 'boolean';

export interface FilterAttribute {
  kind: AttributeKind;
  operators: readonly FilterOperator[];
  /** The SQL expression of the attribute's stored value. */
  column: Prisma.Sql;
  /** For `enum`: the accepted names; `all` stands for every one of them when `allMeansEvery`. */
  names?: readonly string[];
  allMeansEvery?: boolean;
  /** Rewrites the (first) value before comparing, e.g. a phone number gets its `+`. */
  normalise?: (value: string) => string;
}

const EQUALITY = ['equal_to', 'not_equal_to'] as const;
const PRESENCE = ['is_present', 'is_not_present'] as const;
const TEXT_SEARCH = [...EQUALITY, 'contains', 'does_not_contain'] as const;
const DATES = ['is_greater_than', 'is_less_than', 'days_before'] as const;

const column = (name: string) => Prisma.raw(`"${name}"`);
/** A key of the record's `additional_attributes`, as text. */
const additional = (key: string) => Prisma.sql`(additional_attributes ->> ${key})`;

const idAttribute = (name: string): FilterAttribute => ({
  kind: 'integer',
  operators: [...EQUALITY, ...PRESENCE],
  column: column(name),
});
const dateAttribute = (name: string): FilterAttribute => ({ kind: 'date', operators: DATES, column: column(name) });

/** Conversation filters (`POST /conversations/filter`). */
export const CONVERSATION_FILTER_ATTRIBUTES: Record<string, FilterAttribute> = {
  status: {
    kind: 'enum',
    operators: EQUALITY,
    column: Prisma.sql`status::text`,
    names: ['open', 'resolved', 'pending', 'snoozed'],
    allMeansEvery: true,
  },
  assignee_id: idAttribute('assignee_id'),
  inbox_id: idAttribute('inbox_id'),
  team_id: idAttribute('team_id'),
  priority: {
    kind: 'enum',
    operators: EQUALITY,
    column: Prisma.sql`priority::text`,
    names: ['low', 'medium', 'high', 'urgent'],
  },
  display_id: { kind: 'integer', operators: TEXT_SEARCH, column: column('display_id') },
  // Snypto has no campaigns: no conversation has a campaign.
  campaign_id: { kind: 'integer', operators: [...EQUALITY, ...PRESENCE], column: Prisma.sql`NULL::int` },
  labels: { kind: 'labels', operators: [...EQUALITY, ...PRESENCE], column: column('labels') },
  browser_language: { kind: 'text', operators: EQUALITY, column: additional('browser_language') },
  conversation_language: { kind: 'text', operators: EQUALITY, column: additional('conversation_language') },
  country_code: { kind: 'text', operators: EQUALITY, column: additional('country_code') },
  referer: { kind: 'text', operators: TEXT_SEARCH, column: additional('referer') },
  created_at: dateAttribute('created_at'),
  last_activity_at: dateAttribute('last_activity_at'),
  mail_subject: { kind: 'text', operators: TEXT_SEARCH, column: additional('mail_subject') },
};

const caseInsensitive = (expression: Prisma.Sql, operators: readonly FilterOperator[]): FilterAttribute => ({
  kind: 'caseInsensitiveText',
  operators,
  column: expression,
});

/** Contact filters (`POST /contacts/filter`). */
export const CONTACT_FILTER_ATTRIBUTES: Record<string, FilterAttribute> = {
  name: caseInsensitive(column('name'), TEXT_SEARCH),
  phone_number: {
    ...caseInsensitive(column('phone_number'), [...TEXT_SEARCH, 'starts_with']),
    normalise: (value) => `+${value.replace(/\+/g, '')}`,
  },
  email: caseInsensitive(column('email'), TEXT_SEARCH),
  identifier: caseInsensitive(column('identifier'), EQUALITY),
  country_code: caseInsensitive(additional('country_code'), EQUALITY),
  city: caseInsensitive(additional('city'), TEXT_SEARCH),
  company: caseInsensitive(additional('company'), TEXT_SEARCH),
  labels: { kind: 'labels', operators: [...EQUALITY, ...PRESENCE], column: column('labels') },
  created_at: dateAttribute('created_at'),
  last_activity_at: dateAttribute('last_activity_at'),
  blocked: { kind: 'boolean', operators: EQUALITY, column: column('blocked') },
};
