/**
 * Saving a change to a contact the way Chatwoot's `after_update_commit`
 * does it (spec/EVENTS.md §1.2, §1.4): only attributes that really change
 * are written, and `contact.updated` carries Rails' `previous_changes`
 * (snake_case names, `updated_at` last) as `changedAttributes`. Nothing
 * changed → no write, no event.
 */
import type { Tx } from '../../db.ts';
import type { Performer } from '../../events/catalogue.ts';
import type { Emit } from '../../events/outbox.ts';
import type { Contact } from '../../generated/prisma/client.ts';

/** Columns a contact change may touch, with their Rails names. */
const TRACKED = {
  name: 'name',
  email: 'email',
  phoneNumber: 'phone_number',
  identifier: 'identifier',
  avatarUrl: 'avatar_url',
  blocked: 'blocked',
  additionalAttributes: 'additional_attributes',
  customAttributes: 'custom_attributes',
  labels: 'label_list',
} as const satisfies Partial<Record<keyof Contact, string>>;

/** The values a change may set. */
export type ContactChanges = Partial<{ [K in keyof typeof TRACKED]: Contact[K] }>;
type ChangedAttributes = Record<string, { previous_value: unknown; current_value: unknown }>[];

const wire = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : (value ?? null));
/** Deep equality of JSON values, key order ignored (hashes compare as Ruby hashes do). */
const same = (a: unknown, b: unknown): boolean => {
  const left = wire(a);
  const right = wire(b);
  if (left === null || right === null || typeof left !== 'object' || typeof right !== 'object') return left === right;
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  const leftKeys = Object.keys(left);
  const rightRecord = right as Record<string, unknown>;
  return (
    leftKeys.length === Object.keys(right).length &&
    leftKeys.every((key) => key in rightRecord && same((left as Record<string, unknown>)[key], rightRecord[key]))
  );
};

/**
 * Writes the attributes of `changes` that differ from `before` and emits
 * `contact.updated` with them; returns the saved contact (or `before` when
 * nothing differed).
 */
export async function saveContactChanges(
  tx: Tx,
  emit: Emit,
  before: Contact,
  changes: ContactChanges,
  performer?: Performer,
): Promise<Contact> {
  const keys = (Object.keys(TRACKED) as (keyof typeof TRACKED)[]).filter(
    (key) => changes[key] !== undefined && !same(before[key], changes[key]),
  );
  if (keys.length === 0) return before;
  const data = Object.fromEntries(keys.map((key) => [key, changes[key]])) as ContactChanges;
  const after = await tx.contact.update({ where: { id: before.id }, data: data as never });
  const changedAttributes: ChangedAttributes = keys.map((key) => ({
    [TRACKED[key]]: { previous_value: wire(before[key]), current_value: wire(after[key]) },
  }));
  changedAttributes.push({ updated_at: { previous_value: wire(before.updatedAt), current_value: wire(after.updatedAt) } });
  await emit(after.accountId, 'contact.updated', { contactId: after.id, changedAttributes }, performer);
  return after;
}

/** Locks the contact's row for a read-modify-write (merging attribute hashes) and returns it; null when absent. */
export async function lockContact(tx: Tx, accountId: number, contactId: number): Promise<Contact | null> {
  if (!Number.isSafeInteger(contactId)) return null;
  await tx.$queryRaw`SELECT id FROM contacts WHERE id = ${contactId} AND account_id = ${accountId} FOR UPDATE`;
  return tx.contact.findFirst({ where: { id: contactId, accountId } });
}
