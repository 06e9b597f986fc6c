/**
 * Finding a contact's session (contact inbox) from what a customer-facing
 * client holds: the inbox identifier and the contact's `source_id` (Client
 * API paths, GraphQL headers) or the session's `pubsub_token` (real time).
 * Shared by the Client API and the Authenticator, so both read a session
 * the same way.
 */
import type { ContactCredentials, ContactPrincipal } from '../../auth.ts';
import type { PrismaClient, Tx } from '../../db.ts';
import { NotFoundError } from '../../errors.ts';
import type { Conversation } from '../../generated/prisma/client.ts';
import { fitsIntegerColumn, isStorable } from '../validation.ts';

/** A session found, with whether its inbox requires a verified identity. */
export interface FoundSession {
  principal: ContactPrincipal;
  hmacMandatory: boolean;
}

/** The session these credentials name, or null. */
export async function findContactSession(db: PrismaClient | Tx, credentials: ContactCredentials): Promise<FoundSession | null> {
  const where =
    'pubsubToken' in credentials
      ? { pubsubToken: credentials.pubsubToken }
      : { sourceId: credentials.sourceId, inbox: { channel: { identifier: credentials.inboxIdentifier } } };
  if (Object.values(credentials).some((value) => typeof value !== 'string' || value === '' || !isStorable(value)))
    return null;
  const row = await db.contactInbox.findFirst({
    where,
    select: {
      id: true,
      accountId: true,
      inboxId: true,
      contactId: true,
      hmacVerified: true,
      inbox: { select: { channel: { select: { hmacMandatory: true } } } },
    },
  });
  if (!row) return null;
  return {
    principal: {
      kind: 'contact',
      accountId: row.accountId,
      inboxId: row.inboxId,
      contactId: row.contactId,
      contactInboxId: row.id,
      hmacVerified: row.hmacVerified,
    },
    hmacMandatory: row.inbox.channel.hmacMandatory,
  };
}

/** The columns of a conversation that say whose it is. */
export interface ConversationOwnership {
  accountId: number;
  contactId: number;
  contactInboxId: number;
}

/**
 * Whether a contact's session reaches this conversation: those of the
 * session itself, or with a verified identity every conversation of the
 * contact in the account (spec/API.md §5, §6).
 */
export const sessionReaches = (session: ContactPrincipal, conversation: ConversationOwnership): boolean =>
  conversation.accountId === session.accountId &&
  (session.hmacVerified ? conversation.contactId === session.contactId : conversation.contactInboxId === session.contactInboxId);

/** sessionReaches as a query condition on conversations. */
export const reachedConversationsWhere = (session: ContactPrincipal) =>
  session.hmacVerified
    ? { accountId: session.accountId, contactId: session.contactId }
    : { accountId: session.accountId, contactInboxId: session.contactInboxId };

/** The conversation with this display id when the session reaches it; NotFound otherwise. */
export async function reachedConversation(db: PrismaClient | Tx, session: ContactPrincipal, displayId: number): Promise<Conversation> {
  const conversation = fitsIntegerColumn(displayId)
    ? await db.conversation.findUnique({ where: { accountId_displayId: { accountId: session.accountId, displayId } } })
    : null;
  if (!conversation || !sessionReaches(session, conversation)) throw new NotFoundError('Conversation');
  return conversation;
}

/** The messages of a conversation a contact may see: neither private notes nor activity (the Client API leaves both out). */
export const CONTACT_VISIBLE_MESSAGES = { private: false, messageType: { not: 'activity' } } as const;
