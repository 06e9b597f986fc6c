/**
 * Contacts and their contact inboxes: the rules and transactions.
 */
import { z } from 'zod';
import type { PrismaClient, Tx } from '../../db.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { Outbox } from '../../events/outbox.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { performerOf, type AccountActor } from '../actor.ts';
import { secureToken, uuid } from '../tokens.ts';
import { LIMITS, jsonObject, parseInput, type RawInput, stringColumn } from '../validation.ts';

/** Devise's email format. */
const EMAIL = /^[^@\s]+@[^@\s]+$/;
/** E.164 with a leading `+`. */
const PHONE = /^\+[1-9]\d{1,14}$/;

const blankToNull = (value: string | null | undefined) => (value === undefined ? undefined : value?.trim() || null);

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

export const createContactInput = contactAttributesInput.extend({
  inboxId: z.number().int().optional(),
  sourceId: z.string().max(LIMITS.text).optional(),
});
export type CreateContactInput = z.input<typeof createContactInput>;

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

export class ContactService {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
  ) {}

  /** Creates a contact; with `inboxId` also its contact inbox (`sourceId` given or a new UUID). */
  async create(actor: AccountActor, raw: RawInput<CreateContactInput>) {
    const { inboxId, sourceId, name, additionalAttributes, customAttributes, ...attributes } = parseInput(
      createContactInput,
      raw,
    );
    const inbox =
      inboxId === undefined
        ? null
        : await this.db.inbox.findFirst({ where: { id: inboxId, accountId: actor.accountId } });
    if (inboxId !== undefined && !inbox) throw new NotFoundError('Inbox');
    try {
      return await this.outbox.transaction(async (tx, emit) => {
        const contact = await tx.contact.create({
          data: {
            ...attributes,
            name: name ?? '',
            additionalAttributes: (additionalAttributes ?? {}) as object,
            customAttributes: (customAttributes ?? {}) as object,
            accountId: actor.accountId,
          },
        });
        const contactInbox = inbox ? await this.createContactInbox(tx, contact.id, inbox, sourceId) : null;
        await emit(actor.accountId, 'contact.created', { contactId: contact.id }, performerOf(actor));
        return { contact, contactInbox };
      });
    } catch (error) {
      throw contactUniquenessError(error) ?? error;
    }
  }

  /**
   * Finds the contact's contact inbox with `sourceId` or creates one. A
   * `sourceId` that another contact already holds in this inbox is refused.
   */
  async createContactInbox(
    tx: Tx,
    contactId: number,
    inbox: { id: number; accountId: number },
    sourceId?: string | null,
    hmacVerified = false,
  ) {
    const wanted = sourceId || uuid();
    const existing = await tx.contactInbox.findUnique({
      where: { inboxId_sourceId: { inboxId: inbox.id, sourceId: wanted } },
      include: { inbox: true },
    });
    if (existing) {
      if (existing.contactId !== contactId) throw ValidationError.rule('source_id', 'source_id should be unique');
      return existing;
    }
    return tx.contactInbox.create({
      data: {
        accountId: inbox.accountId,
        contactId,
        inboxId: inbox.id,
        sourceId: wanted,
        pubsubToken: secureToken(),
        hmacVerified,
      },
      include: { inbox: true },
    });
  }

  /** The contact's contact inboxes with their inboxes, oldest first. */
  contactInboxes(contactId: number) {
    return this.db.contactInbox.findMany({ where: { contactId }, include: { inbox: true }, orderBy: { id: 'asc' } });
  }
}
