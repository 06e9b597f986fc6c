/**
 * Chatwoot's custom filter payload (`payload: [{attribute_key,
 * filter_operator, values, query_operator}]`) checked as its FilterService
 * checks it, with its exact messages, and compiled into one parameterised
 * SQL condition. Each condition is joined to the next by its
 * `query_operator` (AND binds tighter than OR, as in SQL); the last one's is
 * ignored. SQL is needed because the comparisons are Chatwoot's: lower-cased
 * text, keys of JSON attributes as text, calendar days of timestamps.
 */
import { ValidationError } from '../../errors.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { inputText } from '../input-text.ts';
import type { FilterAttribute, FilterOperator } from './attributes.ts';

/** One condition of the payload, as sent. */
interface RawCondition {
  attribute_key?: unknown;
  filter_operator?: unknown;
  values?: unknown;
  query_operator?: unknown;
}

type Scalar = string | number | boolean;

const MISSING_PAYLOAD = 'param is missing or the value is empty: payload';
const PAYLOAD_NOT_A_LIST = 'payload should be an array of conditions';
const INVALID_QUERY_OPERATOR = 'Query operator must be either "AND" or "OR".';

const failure = (message: string) => ValidationError.rule('payload', message);

const invalidValue = (key: string) => failure(`Invalid value. The values provided for ${key} are invalid`);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `%`, `_` and `\` match themselves: values are text, not patterns (Prisma's `contains` does not escape them either). */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The payload as a list of conditions, or the 422 Chatwoot's controller would give (never a 500). */
function conditionsOf(payload: unknown): RawCondition[] {
  if (payload === undefined || payload === null || payload === '') throw failure(MISSING_PAYLOAD);
  if (!Array.isArray(payload) || !payload.every(isObject)) throw failure(PAYLOAD_NOT_A_LIST);
  return payload as RawCondition[];
}

/** `AND`, `OR` (any case) or nothing; anything else is Chatwoot's InvalidQueryOperator. */
function queryOperatorOf(condition: RawCondition): 'AND' | 'OR' | undefined {
  const operator = condition.query_operator;
  if (operator === undefined || operator === null || operator === '') return undefined;
  const upper = typeof operator === 'string' ? operator.toUpperCase() : '';
  if (upper !== 'AND' && upper !== 'OR') throw failure(INVALID_QUERY_OPERATOR);
  return upper;
}

/** The values as a list of scalars; blank (absent, empty, `[]`) is undefined. A single value counts as a list of one. */
function valuesOf(condition: RawCondition): Scalar[] | undefined {
  const raw = condition.values;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) return undefined;
  if (!list.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) return [];
  return list as Scalar[];
}

const integerOf = (value: Scalar): number | undefined => {
  const text = String(value).trim();
  return /^-?\d{1,9}$/.test(text) ? Number(text) : undefined;
};

/** A calendar day `YYYY-MM-DD` (UTC) from a date or time string. */
function dayOf(value: Scalar): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const date = new Date(value.trim());
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().slice(0, 10);
}

function booleanOf(value: Scalar): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const text = String(value).toLowerCase();
  return text === 'true' || text === '1' || text === 't' ? true : text === 'false' || text === '0' || text === 'f' ? false : undefined;
}

/** `equal_to` / `not_equal_to`: the SQL of "equal to one of the values". */
function equality(attribute: FilterAttribute, key: string, values: Scalar[]): Prisma.Sql {
  const { column } = attribute;
  switch (attribute.kind) {
    case 'caseInsensitiveText': {
      const first = String(values[0]);
      return Prisma.sql`LOWER(${column}) = ${(attribute.normalise?.(first) ?? first).toLowerCase()}`;
    }
    case 'enum': {
      const names = attribute.names ?? [];
      const given = values.map(String);
      // An unknown name stands for NULL, which equals nothing (Chatwoot maps it to nil).
      const stored = attribute.allMeansEvery && given.includes('all') ? [...names] : given.map((v) => (names.includes(v) ? v : null));
      return Prisma.sql`${column} = ANY(${stored}::text[])`;
    }
    case 'integer': {
      const ids = values.map(integerOf);
      if (ids.some((id) => id === undefined)) throw invalidValue(key);
      return Prisma.sql`${column} = ANY(${ids}::int[])`;
    }
    case 'labels':
      return Prisma.sql`${column} && ${values.map(String)}::text[]`;
    case 'boolean': {
      const value = booleanOf(values[0]!);
      if (value === undefined) throw invalidValue(key);
      return Prisma.sql`${column} = ${value}`;
    }
    default:
      return Prisma.sql`${column} = ANY(${values.map(String)}::text[])`;
  }
}

/** `is_greater_than`, `is_less_than` (by UTC calendar day) and `days_before` (created before that many days ago). */
function dayComparison(attribute: FilterAttribute, key: string, operator: FilterOperator, values: Scalar[]): Prisma.Sql {
  let day: string | undefined;
  if (operator === 'days_before') {
    const days = integerOf(values[0]!);
    if (days === undefined) throw invalidValue(key);
    day = new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
  } else day = dayOf(values[0]!);
  if (day === undefined) throw invalidValue(key);
  const comparison = Prisma.raw(operator === 'is_greater_than' ? '>' : '<');
  return Prisma.sql`(${attribute.column} AT TIME ZONE 'UTC')::date ${comparison} ${day}::date`;
}

/** The SQL of one valid condition. */
function compileCondition(attribute: FilterAttribute, key: string, operator: FilterOperator, values: Scalar[]): Prisma.Sql {
  const text = attribute.kind === 'integer' ? Prisma.sql`${attribute.column}::text` : attribute.column;
  switch (operator) {
    case 'equal_to':
      return equality(attribute, key, values);
    case 'not_equal_to':
      // NOT of a NULL comparison stays NULL: records without the attribute match neither (SQL's NOT IN).
      return Prisma.sql`NOT (${equality(attribute, key, values)})`;
    case 'contains':
    case 'does_not_contain': {
      const patterns = values.map((v) => `%${escapeLike(String(v).trim())}%`);
      const match = Prisma.sql`${text} ILIKE ANY(${patterns}::text[])`;
      return operator === 'contains' ? match : Prisma.sql`NOT (${match})`;
    }
    case 'starts_with':
      return Prisma.sql`LOWER(${text}) LIKE ANY(${values.map((v) => `${escapeLike(String(v).trim().toLowerCase())}%`)}::text[])`;
    case 'is_present':
      return attribute.kind === 'labels' ? Prisma.sql`cardinality(${attribute.column}) > 0` : Prisma.sql`${attribute.column} IS NOT NULL`;
    case 'is_not_present':
      return attribute.kind === 'labels' ? Prisma.sql`cardinality(${attribute.column}) = 0` : Prisma.sql`${attribute.column} IS NULL`;
    default:
      return dayComparison(attribute, key, operator, values);
  }
}

/**
 * Checks `payload` against `attributes` and compiles it into one SQL
 * condition (TRUE for an empty payload). Throws ValidationError rules with
 * Chatwoot's messages: the query operators first, then each condition in
 * order: its operator, its values, its attribute key.
 */
export function compileFilter(payload: unknown, attributes: Record<string, FilterAttribute>): Prisma.Sql {
  const conditions = conditionsOf(payload);
  const joins = conditions.map(queryOperatorOf);
  const allowedKeys = Object.keys(attributes);
  const groups: Prisma.Sql[][] = [[]];
  conditions.forEach((condition, index) => {
    // Not String(): a JSON object's own `toString` key would make it throw.
    const key = inputText(condition.attribute_key ?? '');
    const operator = inputText(condition.filter_operator ?? '');
    const attribute = Object.hasOwn(attributes, key) ? attributes[key] : undefined;
    if (attribute && !(attribute.operators as readonly string[]).includes(operator))
      throw failure(`Invalid operator. The allowed operators for ${key} are [${attribute.operators.join(',')}].`);
    const values = valuesOf(condition);
    const presence = operator === 'is_present' || operator === 'is_not_present';
    if (!presence && values === undefined) throw invalidValue(key);
    if (!attribute)
      throw failure(
        `Invalid attribute key - [${key}]. The key should be one of [${allowedKeys.join(',')}] or a custom attribute defined in the account.`,
      );
    if (!presence && values!.length === 0) throw invalidValue(key);
    groups.at(-1)!.push(compileCondition(attribute, key, operator as FilterOperator, values ?? []));
    if (index < conditions.length - 1 && joins[index] === 'OR') groups.push([]);
  });
  if (conditions.length === 0) return Prisma.sql`TRUE`;
  return Prisma.join(
    groups.map((group) => Prisma.sql`(${Prisma.join(group, ' AND ')})`),
    ' OR ',
  );
}
