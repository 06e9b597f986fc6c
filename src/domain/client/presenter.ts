/**
 * Wire shapes of the Client API (spec/API.md §5.1): `PublicInbox`,
 * `PublicContact`, the raw contact row a contact update answers with,
 * `PublicConversation` and `PublicMessage`. None of them carries another
 * contact's data, the inbox's HMAC token, private notes or echo ids.
 */
import { presentAttachments } from '../attachments/presenter.ts';
import type { Contact, ContactInbox } from '../../generated/prisma/client.ts';
import { MESSAGE_TYPE_NUMBER, senderPush, type MessageView } from '../messages/presenter.ts';
import { epochSeconds, isoTime } from '../wire-time.ts';
import type { PublicConversationView } from './conversations.ts';
import type { PublicInbox } from './service.ts';

/** `GET /public/api/v1/inboxes/{inbox_identifier}`. */
export function presentPublicInbox(inbox: PublicInbox) {
  return {
    identifier: inbox.channel.identifier,
    identity_validation_enabled: inbox.channel.hmacMandatory,
    name: inbox.name,
    timezone: inbox.timezone,
    working_hours: inbox.workingHours,
    working_hours_enabled: inbox.workingHoursEnabled,
    csat_survey_enabled: inbox.csatSurveyEnabled,
    greeting_enabled: inbox.greetingEnabled,
  };
}

/** `PublicContact`: the session's credentials with the contact's public fields. */
export function presentPublicContact(contact: Contact, contactInbox: ContactInbox) {
  return {
    source_id: contactInbox.sourceId,
    pubsub_token: contactInbox.pubsubToken,
    id: contact.id,
    name: contact.name,
    email: contact.email,
    phone_number: contact.phoneNumber,
  };
}

/**
 * The contact row as Rails' `to_json` renders it (ISO times): inside
 * `PublicConversation`, and alone as a contact update's answer (Chatwoot
 * renders the raw row there, without `source_id`/`pubsub_token`, whatever its
 * swagger promises: spec/API.md §5.2 [docs≠code]).
 */
export function presentContactRow(contact: Contact) {
  return {
    id: contact.id,
    name: contact.name,
    email: contact.email,
    phone_number: contact.phoneNumber,
    account_id: contact.accountId,
    created_at: isoTime(contact.createdAt),
    updated_at: isoTime(contact.updatedAt),
    additional_attributes: contact.additionalAttributes,
    identifier: contact.identifier,
    custom_attributes: contact.customAttributes,
    last_activity_at: isoTime(contact.lastActivityAt),
    contact_type: contact.contactType,
    middle_name: contact.middleName,
    last_name: contact.lastName,
    location: contact.location,
    country_code: contact.countryCode,
    blocked: contact.blocked,
    company_id: null,
  };
}

/**
 * A contact update's answer: Chatwoot's raw contact row, plus the session's
 * `source_id` and `pubsub_token`. Issue 5 asks that every Client API answer
 * that identifies the contact carry them; Chatwoot's row lacks them (its
 * swagger promises them), and clients reading the row are unaffected.
 */
export function presentUpdatedContact(contact: Contact, contactInbox: ContactInbox) {
  return { ...presentContactRow(contact), source_id: contactInbox.sourceId, pubsub_token: contactInbox.pubsubToken };
}

/** `PublicMessage`: no status, no privacy flag, no echo id. */
export function presentPublicMessage(message: MessageView) {
  const sender = senderPush(message);
  return {
    id: message.id,
    content: message.content,
    message_type: MESSAGE_TYPE_NUMBER[message.messageType],
    content_type: message.contentType,
    content_attributes: message.contentAttributes,
    created_at: epochSeconds(message.createdAt),
    conversation_id: message.conversation.displayId,
    ...presentAttachments(message.attachments),
    ...(sender ? { sender } : {}),
  };
}

/** `PublicConversation`: the conversation with every message the contact may see, ascending, and its contact row. */
export function presentPublicConversation(view: PublicConversationView) {
  return {
    id: view.displayId,
    uuid: view.uuid,
    inbox_id: view.inboxId,
    contact_last_seen_at: epochSeconds(view.contactLastSeenAt),
    status: view.status,
    agent_last_seen_at: epochSeconds(view.agentLastSeenAt),
    messages: view.messages.map(presentPublicMessage),
    contact: presentContactRow(view.contact),
  };
}
