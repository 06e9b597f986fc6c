/**
 * The Client API's sessions (spec/API.md §5.2, §6): a customer-facing client
 * holds only the inbox identifier and the contact's `source_id`, optionally
 * proving the contact's identity with an HMAC. This service finds the
 * inbox, opens a contact's session (re-using a contact by identifier, then
 * email, then phone number), shows and updates the contact, and turns the
 * path's identifiers into the ContactPrincipal the conversation and message
 * services act for.
 */
import haikunator from 'haikunator';
import { z } from 'zod';
import type { ContactPrincipal } from '../principal.ts';
import type { PrismaClient, Tx } from '../../db.ts';
import { NotFoundError } from '../../errors.ts';
import type { Outbox } from '../../events/outbox.ts';
import { Prisma, type ChannelApi, type Contact, type ContactInbox, type Inbox } from '../../generated/prisma/client.ts';
import { lockContact } from '../contacts/changes.ts';
import { identifyContact, updateSelfInput, type UpdateSelfInput } from '../contacts/identify.ts';
import { contactAttributesInput, contactUniquenessError } from '../contacts/input.ts';
import type { ContactService } from '../contacts/service.ts';
import { LIMITS, isStorable, parseInput, type RawInput } from '../validation.ts';
import { loadPublicConversations, type PublicConversationView } from './conversations.ts';
import { IdentityError, provenIdentifier, type IdentityProof } from './identity.ts';
import { findContactSession } from './session.ts';

/** `POST /public/api/v1/inboxes/{inbox_identifier}/contacts`: what Chatwoot permits there. */
export const openSessionInput = contactAttributesInput
  .pick({ name: true, email: true, phoneNumber: true, identifier: true, avatarUrl: true, customAttributes: true })
  .extend({
    /** The contact's id in this inbox; a new UUID when absent or blank. */
    sourceId: z.string().max(LIMITS.text).refine(isStorable, { message: 'is invalid' }).nullish(),
  });
export type OpenSessionInput = z.input<typeof openSessionInput>;

export type PublicInbox = Inbox & { channel: ChannelApi };

/** A contact's session with its contact. */
export interface OpenedSession {
  contact: Contact;
  contactInbox: ContactInbox;
}

/**
 * Chatwoot names an anonymous contact with Haikunator ("adjective-noun-123").
 * The package is CommonJS with `exports.default`; depending on the loader the
 * default import is the class or the module holding it.
 */
type HaikunatorClass = typeof haikunator.default;
const Haikunator: HaikunatorClass =
  (haikunator as unknown as { default?: HaikunatorClass }).default ?? (haikunator as unknown as HaikunatorClass);
const names = new Haikunator();
const visitorName = (): string => names.haikunate({ tokenLength: 3, tokenChars: '0123456789' });

const isUniqueViolation = (error: unknown) =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

export class ClientSessionService {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
    private readonly contacts: ContactService,
  ) {}

  /** The API inbox with this inbox identifier (`channel_api.identifier`), or NotFound. */
  async inbox(inboxIdentifier: string): Promise<PublicInbox> {
    const inbox =
      typeof inboxIdentifier === 'string' && inboxIdentifier !== '' && isStorable(inboxIdentifier)
        ? await this.db.inbox.findFirst({ where: { channel: { identifier: inboxIdentifier } }, include: { channel: true } })
        : null;
    if (!inbox) throw new NotFoundError('Inbox');
    return inbox;
  }

  /**
   * The session acting on the conversation and message endpoints. NotFound
   * for an unknown inbox or `source_id`; on an inbox that requires a verified
   * identity, a session that never proved one is refused (IdentityError).
   */
  async session(inboxIdentifier: string, sourceId: string): Promise<ContactPrincipal> {
    const found = await findContactSession(this.db, { inboxIdentifier, sourceId });
    if (!found) throw new NotFoundError('Contact');
    if (found.hmacMandatory && !found.principal.hmacVerified) throw new IdentityError('unverified');
    return found.principal;
  }

  /**
   * Opens a contact's session in the inbox (`POST …/contacts`). An existing
   * `source_id` returns that session unchanged. Otherwise the contact is
   * found by identifier, then email, then phone number, or created (named
   * "adjective-noun-NNN" without a name), and a session with the given
   * `source_id` (or a new UUID) and a fresh `pubsub_token` is created. A
   * valid proof of the contact's own identifier marks the session verified.
   */
  async open(inboxIdentifier: string, raw: RawInput<OpenSessionInput>, proof: IdentityProof): Promise<OpenedSession> {
    const inbox = await this.inbox(inboxIdentifier);
    const input = parseInput(openSessionInput, raw);
    const proven = provenIdentifier(inbox.channel, proof);
    // Two clients opening the same session (or creating the same contact) at
    // once: the loser of the unique index retries once and finds the winner's.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.openOnce(inbox, input, proven);
      } catch (error) {
        if (attempt === 1 && isUniqueViolation(error)) continue;
        throw contactUniquenessError(error) ?? error;
      }
    }
  }

  private openOnce(inbox: PublicInbox, input: z.output<typeof openSessionInput>, proven: string | undefined): Promise<OpenedSession> {
    return this.outbox.transaction(async (tx, emit) => {
      const sourceId = input.sourceId || undefined;
      const existing = sourceId
        ? await tx.contactInbox.findUnique({
            where: { inboxId_sourceId: { inboxId: inbox.id, sourceId } },
            include: { contact: true },
          })
        : null;
      if (existing) {
        const { contact, ...contactInbox } = existing;
        return { contact, contactInbox: await this.verify(tx, inbox.channel, contactInbox, contact, proven) };
      }
      let contact = await this.findContact(tx, inbox.accountId, input);
      if (!contact) {
        const { sourceId: _sourceId, name, customAttributes, ...attributes } = input;
        contact = await tx.contact.create({
          data: {
            ...attributes,
            name: name || visitorName(),
            customAttributes: (customAttributes ?? {}) as object,
            accountId: inbox.accountId,
          },
        });
        await emit(inbox.accountId, 'contact.created', { contactId: contact.id }, { type: 'Contact', id: contact.id });
      }
      const created = await this.contacts.createContactInbox(tx, contact.id, inbox, sourceId);
      const { inbox: _inbox, ...contactInbox } = created;
      return { contact, contactInbox: await this.verify(tx, inbox.channel, contactInbox, contact, proven) };
    });
  }

  /**
   * The session's contact (`GET …/contacts/{contact_identifier}`); a valid
   * proof of the contact's identifier marks the session verified.
   */
  async show(inboxIdentifier: string, sourceId: string, proof: IdentityProof): Promise<OpenedSession> {
    const inbox = await this.inbox(inboxIdentifier);
    const proven = provenIdentifier(inbox.channel, proof);
    return this.db.$transaction(async (tx) => {
      const { contact, ...contactInbox } = await this.lockedSession(tx, inbox, sourceId);
      return { contact, contactInbox: await this.verify(tx, inbox.channel, contactInbox, contact, proven) };
    });
  }

  /**
   * The contact updates themselves (`PATCH …/contacts/{contact_identifier}`,
   * Chatwoot's identify-and-merge, contacts/identify.ts); `identifier` is
   * never changed here. Returns the session and the contact it now belongs to. A
   * valid proof marks the session verified; a session whose contact was
   * merged into one with another identifier is verified no more.
   */
  async update(
    inboxIdentifier: string,
    sourceId: string,
    proof: IdentityProof,
    raw: RawInput<UpdateSelfInput>,
  ): Promise<OpenedSession> {
    const inbox = await this.inbox(inboxIdentifier);
    const proven = provenIdentifier(inbox.channel, proof);
    const input = parseInput(updateSelfInput, raw);
    try {
      return await this.outbox.transaction(async (tx, emit) => {
        const { contact, ...contactInbox } = await this.lockedSession(tx, inbox, sourceId);
        const verified = await this.verify(tx, inbox.channel, contactInbox, contact, proven);
        const locked = await lockContact(tx, inbox.accountId, contact.id);
        const after = await identifyContact(tx, emit, locked!, input, { type: 'Contact', id: contact.id });
        const session =
          after.id !== contact.id && verified.hmacVerified && after.identifier !== contact.identifier
            ? await tx.contactInbox.update({ where: { id: contactInbox.id }, data: { hmacVerified: false } })
            : await tx.contactInbox.findUniqueOrThrow({ where: { id: contactInbox.id } });
        return { contact: after, contactInbox: session };
      });
    } catch (error) {
      throw contactUniquenessError(error) ?? error;
    }
  }

  /** The conversations with these ids as the Client API shows them (conversations.ts), in order. */
  conversationViews(session: ContactPrincipal, ids: number[]): Promise<PublicConversationView[]> {
    return loadPublicConversations(this.db, session, ids);
  }

  /** The contact re-used for a new session: by identifier, then email (stored lower-cased), then phone number. */
  private async findContact(tx: Tx, accountId: number, input: z.output<typeof openSessionInput>): Promise<Contact | null> {
    for (const where of [
      input.identifier ? { identifier: input.identifier } : null,
      input.email ? { email: input.email } : null,
      input.phoneNumber ? { phoneNumber: input.phoneNumber } : null,
    ]) {
      if (!where) continue;
      const contact = await tx.contact.findFirst({ where: { accountId, ...where } });
      if (contact) return contact;
    }
    return null;
  }

  /** The session with this `source_id` in the inbox, locked, with its contact; NotFound otherwise. */
  private async lockedSession(tx: Tx, inbox: PublicInbox, sourceId: string) {
    if (typeof sourceId !== 'string' || sourceId === '' || !isStorable(sourceId)) throw new NotFoundError('Contact');
    await tx.$queryRaw`SELECT id FROM contact_inboxes WHERE inbox_id = ${inbox.id} AND source_id = ${sourceId} FOR UPDATE`;
    const session = await tx.contactInbox.findUnique({
      where: { inboxId_sourceId: { inboxId: inbox.id, sourceId } },
      include: { contact: true },
    });
    if (!session) throw new NotFoundError('Contact');
    return session;
  }

  /**
   * Applies a checked proof to a session: a proof of the contact's own
   * identifier marks it verified; a proof of another identifier is refused;
   * no proof leaves it as it is, except that an inbox requiring verified
   * identities refuses a session that has none.
   */
  private async verify(
    tx: Tx,
    channel: ChannelApi,
    contactInbox: ContactInbox,
    contact: Contact,
    proven: string | undefined,
  ): Promise<ContactInbox> {
    if (proven === undefined) {
      if (channel.hmacMandatory && !contactInbox.hmacVerified) throw new IdentityError('unverified');
      return contactInbox;
    }
    if (contact.identifier !== proven) throw new IdentityError('foreign');
    if (contactInbox.hmacVerified) return contactInbox;
    return tx.contactInbox.update({ where: { id: contactInbox.id }, data: { hmacVerified: true } });
  }
}
