/**
 * Rails' parameter conventions (spec/API.md §1.1): path, query and body
 * merged; a JSON body's keys also accepted inside a wrapper named after the
 * controller; form values arrive as strings and are read leniently.
 */
import { inputText } from '../domain/input-text.ts';
import { fitsIntegerColumn } from '../domain/validation.ts';

export type Params = Record<string, unknown>;

const isObject = (value: unknown): value is Params =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Merges query, body (and the body's `wrap` object, which wins) and path parameters. */
export function mergeParams(query: unknown, body: unknown, path: unknown, wrap?: string): Params {
  const fromBody = isObject(body) ? body : {};
  const wrapped = wrap && isObject(fromBody[wrap]) ? (fromBody[wrap] as Params) : {};
  return { ...(isObject(query) ? query : {}), ...fromBody, ...wrapped, ...(isObject(path) ? path : {}) };
}

/**
 * An integer from a number or a decimal string; undefined for anything else,
 * including integers outside PostgreSQL's `integer` range (a lookup with one
 * would fail in the database instead of missing).
 */
export function integer(value: unknown): number | undefined {
  const number =
    typeof value === 'number' ? value : typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim()) ? Number(value) : NaN;
  return fitsIntegerColumn(number) ? number : undefined;
}

/** Ids start at 1, so no record has this one. */
const NO_RECORD_ID = 0;

/**
 * An id parameter that must be present. A missing or invalid value (`"abc"`,
 * `1.5`, beyond the integer column) names no record, as Rails' `find` reads
 * it: it becomes an id no record has (still an integer, so input schemas and
 * queries accept it) and the lookup misses (404).
 */
export const idParam = (value: unknown): number => integer(value) ?? NO_RECORD_ID;

/** An optional id parameter: absent or blank is undefined; an invalid value names no record (see idParam). */
export const optionalId = (value: unknown): number | undefined =>
  value == null || value === '' ? undefined : idParam(value);

/** Rails' boolean casting: "true", "1", "t", "on" and true are true; blank is undefined. */
export function boolean(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  return !['false', '0', 'f', 'off', 'no'].includes(inputText(value).toLowerCase());
}

/** Numbers and booleans become strings (as Rails casts them for string columns); anything else is left for validation. */
export function text(value: unknown): unknown {
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

/** An object (hash) parameter; a JSON string holding an object is parsed. */
export function hash(value: unknown): Params | undefined {
  if (isObject(value)) return value;
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(value);
      return isObject(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * An object parameter as a service takes it: absent (null) is undefined, a
 * hash or a JSON string of one is the object, anything else is passed on
 * for the service's validation to refuse.
 */
export const objectParam = (value: unknown): unknown => (value == null ? undefined : (hash(value) ?? value));

/** A list of strings from an array or a single value (`labels[]=a` or `labels=a`); undefined when absent or blank. */
export function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return (Array.isArray(value) ? value : [value]).map(inputText);
}

/** Drops the keys whose value is undefined, so services see only what was sent. */
export function defined<T extends Params>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>;
}
