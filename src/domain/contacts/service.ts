/**
 * Contacts and their contact inboxes: the rules and transactions
 * (spec/API.md §3.4, §1.5, §1.8, §5.2; events per spec/EVENTS.md §1.2).
 * Which inboxes and conversations of a contact the actor sees is
 * access/rules.ts (`inboxesReachedBy`, `conversationsReachedBy`).
 */
import type { PrismaClient, Tx } from '../../db.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { Outbox } from '../../events/outbox.ts';
import type { Contact, Prisma } from '../../generated/prisma/client.ts';
import { and, compile, eq } from '../access/condition.ts';
import { conversationsReachedBy, inboxesReachedBy } from '../access/rules.ts';
import { loadAccessibleInbox, performerOf, requireAdministrator, type AccountActor } from '../actor.ts';
import { conversationListOrdering } from '../conversations/list.ts';
import { loadConversationViewPage } from '../conversations/page.ts';
import { presentContactPush } from '../senders/presenter.ts';
import { secureToken, uuid } from '../tokens.ts';
import { isStorable, parseInput, type RawInput } from '../validation.ts';
import { lockContact, saveContactChanges } from './changes.ts';
import { identifyContact, updateSelfInput, type UpdateSelfInput } from './identify.ts';
import {
  attributeKeysInput,
  contactAttributesInput,
  contactUniquenessError,
  createContactInboxInput,
  createContactInput,
  labelsInput,
  type ContactAttributesInput,
  type CreateContactInboxInput,
  type CreateContactInput,
} from './input.ts';
import { searchContactIds, type ContactSearchInput } from './search.ts';

export {
  contactAttributesInput,
  contactUniquenessError,
  createContactInboxInput,
  createContactInput,
  type ContactAttributesInput,
  type CreateContactInboxInput,
  type CreateContactInput,
};

/** A contact's own session, as far as a contact's update of themselves needs it. */
export interface ContactSession {
  accountId: number;
  contactId: number;
}

export class ContactService {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
  ) {}

  /**
   * One page of the account's contacts matching `raw` (search.ts), in order,
   * each loaded with `query` (Prisma `select`/`include`), and the total count;
   * `condition` narrows the contacts further (a compiled custom filter).
   */
  async search(
    actor: AccountActor,
    raw: RawInput<ContactSearchInput>,
    page: { offset: number; limit: number },
    query: object = {},
    condition?: Prisma.Sql,
  ): Promise<{ contacts: Contact[]; totalCount: number }> {
    const { ids, totalCount } = await searchContactIds(this.db, actor.accountId, raw, page, condition);
    // The rows are put back in the page's order by id, so a narrowed selection must include it.
    const selection = 'select' in query && query.select ? { select: { ...query.select, id: true } } : query;
    const rows = ids.length
      ? ((await this.db.contact.findMany({ ...selection, where: { id: { in: ids } } })) as Contact[])
      : [];
    const byId = new Map(rows.map((row) => [row.id, row]));
    return { contacts: ids.flatMap((id) => byId.get(id) ?? []), totalCount };
  }

  /** One contact of the actor's account. */
  async get(actor: AccountActor, contactId: number): Promise<Contact> {
    const contact = Number.isSafeInteger(contactId)
      ? await this.db.contact.findFirst({ where: { id: contactId, accountId: actor.accountId } })
      : null;
    if (!contact) throw new NotFoundError('Contact');
    return contact;
  }

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
    return this.uniquely(() =>
      this.outbox.transaction(async (tx, emit) => {
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
      }),
    );
  }

  /**
   * Updates a contact (`PATCH /contacts/{id}`): given attributes replace,
   * `null` clears; `customAttributes` and `additionalAttributes` are merged
   * into the existing hashes. Emits `contact.updated` with what changed.
   */
  async update(actor: AccountActor, contactId: number, raw: RawInput<ContactAttributesInput>): Promise<Contact> {
    const { name, additionalAttributes, customAttributes, ...attributes } = parseInput(contactAttributesInput, raw);
    return this.change(actor, contactId, (contact) => ({
      ...attributes,
      name: name === null ? '' : name,
      additionalAttributes: additionalAttributes && ({ ...(contact.additionalAttributes as object), ...additionalAttributes } as object),
      customAttributes: customAttributes && ({ ...(contact.customAttributes as object), ...customAttributes } as object),
    }));
  }

  /** Replaces the contact's labels (trimmed, de-duplicated); `contact.updated` names `label_list`. */
  async setLabels(actor: AccountActor, contactId: number, rawLabels: unknown): Promise<Contact> {
    const labels = parseInput(labelsInput, rawLabels);
    return this.change(actor, contactId, () => ({ labels }));
  }

  /** Removes the given keys from the contact's custom attributes (`destroy_custom_attributes`). */
  async removeCustomAttributes(actor: AccountActor, contactId: number, rawKeys: unknown): Promise<Contact> {
    const keys = new Set(parseInput(attributeKeysInput, rawKeys));
    return this.change(actor, contactId, (contact) => ({
      customAttributes: Object.fromEntries(
        Object.entries(contact.customAttributes as object).filter(([key]) => !keys.has(key)),
      ),
    }));
  }

  /**
   * Deletes a contact (administrators only) with its contact inboxes,
   * conversations and messages; emits `contact.deleted` with a snapshot of
   * the contact as /cable shows it.
   */
  async delete(actor: AccountActor, contactId: number): Promise<Contact> {
    requireAdministrator(actor);
    return this.outbox.transaction(async (tx, emit) => {
      const contact = await lockContact(tx, actor.accountId, contactId);
      if (!contact) throw new NotFoundError('Contact');
      await tx.contact.delete({ where: { id: contact.id } });
      const snapshot = presentContactPush(contact);
      await emit(actor.accountId, 'contact.deleted', { contactId: contact.id, snapshot }, performerOf(actor));
      return contact;
    });
  }

  /**
   * `POST /contacts/{id}/contact_inboxes`: a contact inbox in an inbox the
   * actor can access, idempotent for the same `sourceId`; a `sourceId` held
   * by another contact of that inbox is refused.
   */
  async createContactInboxFor(actor: AccountActor, contactId: number, raw: RawInput<CreateContactInboxInput>) {
    // A missing or malformed inbox id is an inbox that cannot be found (Rails' `find`), not a validation error.
    if (!Number.isSafeInteger((raw as { inboxId?: unknown }).inboxId)) throw new NotFoundError('Inbox');
    const input = parseInput(createContactInboxInput, raw);
    return this.outbox.transaction(async (tx) => {
      const contact = await tx.contact.findFirst({ where: { id: contactId, accountId: actor.accountId } });
      if (!contact) throw new NotFoundError('Contact');
      const inbox = await loadAccessibleInbox(tx, actor, input.inboxId);
      return this.createContactInbox(tx, contact.id, inbox, input.sourceId, input.hmacVerified ?? false);
    });
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
      if (existing.contactId !== contactId) throw ValidationError.rule('sourceId', 'source_id should be unique');
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

  /**
   * A contact updating themselves from their session (Client API `PATCH
   * /contacts/{contact_identifier}`, see identify.ts). Returns the contact
   * the session now belongs to: itself, or the contact it was merged into.
   */
  async updateSelf(session: ContactSession, raw: RawInput<UpdateSelfInput>): Promise<Contact> {
    const input = parseInput(updateSelfInput, raw);
    return this.uniquely(() =>
      this.outbox.transaction(async (tx, emit) => {
        const contact = await lockContact(tx, session.accountId, session.contactId);
        if (!contact) throw new NotFoundError('Contact');
        return identifyContact(tx, emit, contact, input, { type: 'Contact', id: contact.id });
      }),
    );
  }

  /**
   * `GET /contacts/{id}/contactable_inboxes`: every inbox the actor can see,
   * with the contact's latest source_id there, or a fresh UUID (API inboxes).
   */
  async contactableInboxes(actor: AccountActor, contactId: number) {
    const contact = await this.get(actor, contactId);
    const inboxes = await this.db.inbox.findMany({ where: inboxesReachedBy(actor).where, orderBy: { id: 'asc' } });
    const contactInboxes = await this.db.contactInbox.findMany({ where: { contactId: contact.id }, orderBy: { id: 'desc' } });
    return inboxes.map((inbox) => ({
      inbox,
      sourceId: contactInboxes.find((ci) => ci.inboxId === inbox.id)?.sourceId ?? uuid(),
    }));
  }

  /**
   * `POST /contact_inboxes/filter`: the contact holding `sourceId` in an
   * inbox the actor can access; null when nobody holds it.
   */
  async findBySourceId(actor: AccountActor, inboxId: number, sourceId: unknown): Promise<Contact | null> {
    const inbox = await loadAccessibleInbox(this.db, actor, inboxId);
    if (typeof sourceId !== 'string' || sourceId === '' || !isStorable(sourceId)) return null;
    const contactInbox = await this.db.contactInbox.findUnique({
      where: { inboxId_sourceId: { inboxId: inbox.id, sourceId } },
      include: { contact: true },
    });
    return contactInbox?.contact ?? null;
  }

  /**
   * `GET /contacts/{id}/conversations`: the contact's conversations the actor
   * may see, newest activity first, at most 20, as conversation views.
   */
  async conversations(actor: AccountActor, contactId: number) {
    const contact = await this.get(actor, contactId);
    const rule = compile<Prisma.ConversationWhereInput>(and(conversationsReachedBy(actor).condition, eq('contactId', contact.id)));
    return loadConversationViewPage(this.db, actor.accountId, rule, conversationListOrdering('last_activity_at_desc'), { take: 20, skip: 0 });
  }



  /** The contact's contact inboxes with their inboxes, oldest first. */
  contactInboxes(contactId: number) {
    return this.db.contactInbox.findMany({ where: { contactId }, include: { inbox: true }, orderBy: { id: 'asc' } });
  }

  /** Locks the contact, computes its changes from the current row, saves them and emits `contact.updated`. */
  private change(actor: AccountActor, contactId: number, changesOf: (contact: Contact) => Parameters<typeof saveContactChanges>[3]) {
    return this.uniquely(() =>
      this.outbox.transaction(async (tx, emit) => {
        const contact = await lockContact(tx, actor.accountId, contactId);
        if (!contact) throw new NotFoundError('Contact');
        return saveContactChanges(tx, emit, contact, changesOf(contact), performerOf(actor));
      }),
    );
  }

  /** Runs `work`, reporting a duplicate email, phone number or identifier as Chatwoot words it. */
  private async uniquely<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw contactUniquenessError(error) ?? error;
    }
  }
}
