/**
 * A contact updating themselves from their own session, as Chatwoot's
 * Client API `PATCH /contacts/{contact_identifier}` does it
 * (ContactIdentifyAction, spec/API.md §5.2): `name`, `email`,
 * `phone_number`, `avatar_url` and `custom_attributes` only (`identifier`
 * is never changed there); blank values are ignored; custom attributes are
 * deep-merged. When another contact of the account already has the email
 * sent (or the phone number, unless that contact has a different email than
 * the one sent), the session's contact is merged into that contact
 * (ContactMergeAction): its contact inboxes, conversations and messages move
 * over, it is deleted, and the other contact is the one updated.
 */
import { z } from 'zod';
import type { Tx } from '../../db.ts';
import type { Performer } from '../../events/catalogue.ts';
import type { Emit } from '../../events/outbox.ts';
import type { Contact } from '../../generated/prisma/client.ts';
import { presentContactPush } from '../senders/presenter.ts';
import { LIMITS, jsonObject, stringColumn } from '../validation.ts';
import { saveContactChanges, type ContactChanges } from './changes.ts';
import { contactAttributesInput } from './input.ts';

/** Blank strings are dropped (Rails' `compact_blank`), never written. */
const ignoreBlank = (value: string | null | undefined) => value?.trim() || undefined;

export const updateSelfInput = z.object({
  name: stringColumn().nullish().transform(ignoreBlank),
  email: contactAttributesInput.shape.email.transform((v) => v ?? undefined),
  phoneNumber: contactAttributesInput.shape.phoneNumber.transform((v) => v ?? undefined),
  avatarUrl: z.string().max(LIMITS.url).nullish().transform(ignoreBlank),
  customAttributes: jsonObject().nullish(),
});
export type UpdateSelfInput = z.input<typeof updateSelfInput>;

type Hash = Record<string, unknown>;
const isHash = (value: unknown): value is Hash => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Ruby's `Hash#deep_merge`: nested hashes merge, anything else from `extra` wins. */
function deepMerge(base: Hash, extra: Hash): Hash {
  const merged: Hash = { ...base };
  for (const [key, value] of Object.entries(extra))
    merged[key] = isHash(merged[key]) && isHash(value) ? deepMerge(merged[key], value) : value;
  return merged;
}

const isBlank = (value: unknown) =>
  value === null || value === undefined || value === '' || (isHash(value) && Object.keys(value).length === 0);
const MERGED_KEYS = ['identifier', 'name', 'email', 'phoneNumber', 'additionalAttributes', 'customAttributes'] as const;
const presentAttributes = (contact: Contact): Hash =>
  Object.fromEntries(MERGED_KEYS.filter((key) => !isBlank(contact[key])).map((key) => [key, contact[key]]));

/**
 * Applies a contact's update of themselves (`contact` locked by the caller)
 * and returns the resulting contact: `contact` itself, or the one it was
 * merged into.
 */
export async function identifyContact(
  tx: Tx,
  emit: Emit,
  contact: Contact,
  input: z.output<typeof updateSelfInput>,
  performer: Performer,
): Promise<Contact> {
  let current = contact;
  const byEmail = input.email
    ? await tx.contact.findFirst({ where: { accountId: contact.accountId, email: input.email, id: { not: contact.id } } })
    : null;
  if (byEmail) current = await mergeContacts(tx, emit, byEmail, current, performer);
  const byPhone = input.phoneNumber
    ? await tx.contact.findFirst({
        where: { accountId: contact.accountId, phoneNumber: input.phoneNumber, id: { not: current.id } },
      })
    : null;
  if (byPhone && !(byPhone.email && input.email && byPhone.email !== input.email))
    current = await mergeContacts(tx, emit, byPhone, current, performer);
  const changes: ContactChanges = {
    name: input.name,
    email: input.email,
    phoneNumber: input.phoneNumber,
    avatarUrl: input.avatarUrl,
    customAttributes: input.customAttributes
      ? (deepMerge(current.customAttributes as Hash, input.customAttributes) as object)
      : undefined,
  };
  return saveContactChanges(tx, emit, current, changes, performer);
}

/**
 * Merges `mergee` into `base` (ContactMergeAction): moves its contact
 * inboxes, conversations (`conversation.contact_changed` for each) and sent
 * messages, deletes it (`contact.deleted`), emits `contact.merged`, and
 * completes `base` with the attributes it lacks. Returns the updated `base`.
 */
async function mergeContacts(tx: Tx, emit: Emit, base: Contact, mergee: Contact, performer: Performer) {
  const moved = { where: { contactId: mergee.id }, data: { contactId: base.id } };
  const conversations = await tx.conversation.findMany({ where: moved.where, select: { id: true, inboxId: true }, orderBy: { id: 'asc' } });
  await tx.conversation.updateMany(moved);
  for (const conversation of conversations)
    await emit(base.accountId, 'conversation.contact_changed', { conversationId: conversation.id, inboxId: conversation.inboxId }, performer);
  await tx.contactInbox.updateMany(moved);
  await tx.message.updateMany({ where: { senderContactId: mergee.id }, data: { senderContactId: base.id } });
  const merged = deepMerge(presentAttributes(mergee), presentAttributes(base)) as ContactChanges;
  await tx.contact.delete({ where: { id: mergee.id } });
  await emit(mergee.accountId, 'contact.deleted', { contactId: mergee.id, snapshot: presentContactPush(mergee) }, performer);
  await emit(base.accountId, 'contact.merged', { contactId: base.id, mergedContactId: mergee.id }, performer);
  return saveContactChanges(tx, emit, base, merged, performer);
}
