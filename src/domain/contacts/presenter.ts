/**
 * Wire shapes of a contact and its contact inboxes (spec/API.md §2.1–2.2).
 */
import type { Contact, ContactInbox, Inbox } from '../../generated/prisma/client.ts';
import { epochSeconds } from '../wire-time.ts';

export type ContactInboxWithInbox = ContactInbox & { inbox: Inbox };

/** `InboxSlim`: only what a contact listing may show of an inbox (no secrets). */
export function presentInboxSlim(inbox: Inbox) {
  return {
    id: inbox.id,
    avatar_url: inbox.avatarUrl ?? '',
    channel_id: inbox.channelId,
    name: inbox.name,
    channel_type: inbox.channelType,
    provider: null,
  };
}

export function presentContactInbox(contactInbox: ContactInboxWithInbox) {
  return { source_id: contactInbox.sourceId, inbox: presentInboxSlim(contactInbox.inbox) };
}

/** `Contact` (§2.1); `contactInboxes` adds the `contact_inboxes` list where the endpoint shows it. */
export function presentContact(contact: Contact, contactInboxes?: ContactInboxWithInbox[], online = false) {
  return {
    additional_attributes: contact.additionalAttributes,
    availability_status: online ? 'online' : 'offline',
    email: contact.email,
    id: contact.id,
    name: contact.name,
    phone_number: contact.phoneNumber,
    blocked: contact.blocked,
    identifier: contact.identifier,
    thumbnail: contact.avatarUrl ?? '',
    custom_attributes: contact.customAttributes,
    ...(contact.lastActivityAt ? { last_activity_at: epochSeconds(contact.lastActivityAt) } : {}),
    created_at: epochSeconds(contact.createdAt),
    ...(contactInboxes ? { contact_inboxes: contactInboxes.map(presentContactInbox) } : {}),
  };
}
