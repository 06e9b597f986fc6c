/**
 * Contact inputs shared by every transport, with Chatwoot's validations
 * (spec/API.md §1.5): Devise's email format (stored lower-cased), E.164
 * phone numbers with a leading `+`, column lengths.
 */
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { LIMITS, jsonObject, recordId, stringColumn } from '../validation.ts';

/** Devise's email format. */
const EMAIL = /^[^@\s]+@[^@\s]+$/;
/** E.164 with a leading `+`. */
const PHONE = /^\+[1-9]\d{1,14}$/;

const blankToNull = (value: string | null | undefined) => (value === undefined ? undefined : value?.trim() || null);

/** The attributes a staff member sets on create and update; `null` or blank clears a value. */
export const contactAttributesInput = z.object({
  name: stringColumn().nullish(),
  email: stringColumn()
    .nullish()
    .transform(blankToNull)
    .refine((v) => v == null || EMAIL.test(v), { message: 'is invalid' })
    .transform((v) => v?.toLowerCase()),
  phoneNumber: stringColumn()
    .nullish()
    .transform(blankToNull)
    .refine((v) => v == null || PHONE.test(v), { message: 'is invalid' }),
  identifier: stringColumn().nullish().transform(blankToNull),
  avatarUrl: z.string().max(LIMITS.url).nullish(),
  blocked: z.boolean().optional(),
  additionalAttributes: jsonObject().optional(),
  customAttributes: jsonObject().optional(),
});
export type ContactAttributesInput = z.input<typeof contactAttributesInput>;

export const createContactInput = contactAttributesInput.extend({
  inboxId: recordId().optional(),
  sourceId: z.string().max(LIMITS.text).optional(),
});
export type CreateContactInput = z.input<typeof createContactInput>;

/** `POST /contacts/{id}/contact_inboxes`: the inbox, an optional `source_id` (a UUID when absent), trusted HMAC flag. */
export const createContactInboxInput = z.object({
  inboxId: recordId(),
  sourceId: z.string().max(LIMITS.text).nullish(),
  hmacVerified: z.boolean().nullish(),
});
export type CreateContactInboxInput = z.input<typeof createContactInboxInput>;

/** A list sent bare, read as the attribute `name` so that its problems name it ("Labels is too long ..."). */
const attributeList = (name: string) =>
  z
    .preprocess((list) => ({ [name]: list }), z.object({ [name]: z.array(stringColumn()) }))
    .transform((input) => input[name]!);

/** Label names: trimmed, blanks dropped, first occurrence kept. */
export const labelsInput = attributeList('labels').transform((labels) => [
  ...new Set(labels.map((label) => label.trim()).filter(Boolean)),
]);

/** Custom attribute keys to remove. */
export const attributeKeysInput = attributeList('custom_attributes');

const UNIQUE_FIELDS: Record<string, string> = { email: 'email', phone_number: 'phoneNumber', identifier: 'identifier' };

/** Maps a unique-constraint violation on contacts to Chatwoot's "has already been taken". */
export function contactUniquenessError(error: unknown): ValidationError | undefined {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') return undefined;
  const text = JSON.stringify(error.meta ?? {}) + error.message;
  const column = Object.keys(UNIQUE_FIELDS).find((c) => text.includes(c) || text.includes(UNIQUE_FIELDS[c]!));
  if (!column) return undefined;
  const attribute = UNIQUE_FIELDS[column]!;
  return new ValidationError([{ path: [attribute], message: `${column === 'phone_number' ? 'Phone number' : column[0]!.toUpperCase() + column.slice(1)} has already been taken` }]);
}
