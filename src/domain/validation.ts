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

/** Parses `input` with `schema`, or throws a ValidationError naming every problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(problemsOf(result.error));
  return result.data;
}

/** A string column (255 characters). */
export const stringColumn = () => z.string().max(LIMITS.string);
/** A text column (20 000 characters). */
export const textColumn = () => z.string().max(LIMITS.text);
/** A JSON object (hash) attribute. */
export const jsonObject = () => z.record(z.string(), z.unknown());

/** What a transport hands a service: the input's keys, values not yet validated. */
export type RawInput<T> = { [K in keyof T]?: unknown };
