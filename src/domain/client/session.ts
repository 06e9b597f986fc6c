/**
 * Finding a contact's session (contact inbox) from what a customer-facing
 * client holds: the inbox identifier and the contact's `source_id` (Client
 * API paths, GraphQL headers) or the session's `pubsub_token` (real time).
 * Shared by the Client API and the Authenticator, so both read a session
 * the same way.
 */
import type { ContactCredentials, ContactPrincipal } from '../../auth.ts';
import type { PrismaClient, Tx } from '../../db.ts';

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
  if (Object.values(credentials).some((value) => typeof value !== 'string' || value === '' || value.includes('\u0000')))
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
