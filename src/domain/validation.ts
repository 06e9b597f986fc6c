/**
 * Input validation shared by every transport: zod schemas whose failures
 * become a ValidationError worded the way Rails words them
 * ("Name is too long (maximum is 255 characters)").
 */
import { z } from 'zod';
import { ValidationError, type FieldProblem } from '../errors.ts';

/** Limits of spec/API.md §1.5. */
export const LIMITS = { string: 255, text: 20_000, messageContent: 150_000, url: 2048 } as const;

/** `phoneNumber` or `phone_number` → `Phone number`. */
export function humanize(attribute: string): string {
  const words = attribute
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** `phoneNumber` → `phone_number`. */
export function snakeCase(attribute: string): string {
  return attribute.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function railsWording(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'string'
        ? `is too long (maximum is ${String(issue.maximum)} characters)`
        : `must be less than or equal to ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'string' && Number(issue.minimum) <= 1
        ? "can't be blank"
        : issue.origin === 'string'
          ? `is too short (minimum is ${String(issue.minimum)} characters)`
          : issue.origin === 'array'
            ? "can't be blank"
            : `must be greater than or equal to ${String(issue.minimum)}`;
    case 'invalid_type':
      // `input` is reported (parseInput asks for it): a value of the wrong type was sent, not left out.
      return issue.input === undefined || issue.input === null ? "can't be blank" : 'is invalid';
    case 'invalid_value':
      return 'is not included in the list';
    case 'custom':
      return issue.message;
    default:
      return 'is invalid';
  }
}

/** Turns zod issues into Rails-style problems ("<Attr> <message>"). */
export function problemsOf(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    const attribute = [...path].reverse().find((p) => !/^\d+$/.test(p)) ?? 'base';
    const wording = railsWording(issue);
    return { path, message: attribute === 'base' ? wording : `${humanize(attribute)} ${wording}` };
  });
}

/**
 * PostgreSQL stores no NUL character, in text or in jsonb, and its JSON parser
 * refuses an unpaired UTF-16 surrogate (`"\ud800x"`, valid JSON, no valid
 * UTF-8): a string holding either cannot be saved or looked up.
 */
export const isStorable = (text: string): boolean => !text.includes('\u0000') && text.isWellFormed();

/**
 * How deeply a value may nest (arrays and objects): Rails' JSON parser's
 * `max_nesting`. Deeper values are refused at every entry, since serialising
 * one (JSON.stringify, a jsonb column) overflows the stack.
 */
export const MAX_NESTING = 100;

/** What is wrong with a value as input, if anything: nested too deeply, or a string or key that cannot be stored. */
export type InputDefect = 'too_deep' | 'unstorable';

/**
 * The one inspection of untrusted input every surface runs (REST bodies,
 * GraphQL variables, each service's parseInput): walks the
 * value without recursion and reports the first defect. `depth` is the
 * nesting of `value` itself (a request body is at depth 1); with
 * `strings: false` only the nesting is checked (a transport's parser, which
 * leaves each string to the service that reads it).
 */
export function inputDefect(value: unknown, depth = 1, { strings = true } = {}): InputDefect | undefined {
  const pending: Array<[unknown, number]> = [[value, depth]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, level] = next;
    if (typeof item === 'string') {
      if (strings && !isStorable(item)) return 'unstorable';
      continue;
    }
    if (typeof item !== 'object' || item === null) continue;
    if (level > MAX_NESTING) return 'too_deep';
    if (Array.isArray(item)) for (const element of item) pending.push([element, level + 1]);
    else
      for (const [key, element] of Object.entries(item)) {
        if (strings && !isStorable(key)) return 'unstorable';
        pending.push([element, level + 1]);
      }
  }
  return undefined;
}

/**
 * Parses `input` with `schema`, or throws a ValidationError naming every
 * problem. An attribute holding a string that cannot be stored anywhere, or
 * nested deeper than MAX_NESTING, is invalid whatever its schema (a bare list
 * is left to its schema, which names it).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const unstorable =
    typeof input === 'object' && input !== null && !Array.isArray(input)
      ? Object.entries(input).filter(([key, value]) => !isStorable(key) || inputDefect(value, 2) !== undefined)
      : [];
  if (unstorable.length > 0)
    throw new ValidationError(unstorable.map(([key]) => ({ path: [key], message: `${humanize(key)} is invalid` })));
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success) throw new ValidationError(problemsOf(result.error));
  return result.data;
}

/** A string column (255 characters). */
export const stringColumn = () => z.string().max(LIMITS.string).refine(isStorable, { message: 'is invalid' });
/** A text column (20 000 characters). */
export const textColumn = () => z.string().max(LIMITS.text).refine(isStorable, { message: 'is invalid' });
/** PostgreSQL's `integer` range: every id column's, and every page and count Snypto looks up. */
const INTEGER_COLUMN = { min: -2_147_483_648, max: 2_147_483_647 } as const;
/** The id of a record: an integer a lookup can use (one beyond the column's range would fail in the database). */
export const recordId = () => z.number().int().min(INTEGER_COLUMN.min).max(INTEGER_COLUMN.max);
/** Whether `value` is an integer an `integer` column can hold (and so a lookup can use). */
export const fitsIntegerColumn = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= INTEGER_COLUMN.min && (value as number) <= INTEGER_COLUMN.max;
/** A JSON object (hash) attribute. */
export const jsonObject = () => z.record(z.string(), z.unknown());

/** What a transport hands a service: the input's keys, values not yet validated. */
export type RawInput<T> = { [K in keyof T]?: unknown };
