/**
 * Finding a contact's session (contact inbox) from what a customer-facing
 * client holds: the inbox identifier and the contact's `source_id` (Client
 * API paths, GraphQL headers) or the session's `pubsub_token` (real time).
 * Shared by the Client API and the Authenticator, so both read a session
 * the same way. What a session reaches is access/rules.ts
 * `conversationsReachedBy`; which messages it sees, `chatMessages`.
 */
import type { ContactCredentials, ContactPrincipal } from '../principal.ts';
import type { PrismaClient, Tx } from '../../db.ts';
import { isStorable } from '../validation.ts';

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
