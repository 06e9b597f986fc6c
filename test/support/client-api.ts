/**
 * The Client API's test tools (spec/API.md §5, §6): an API inbox seen from
 * the customer's side (its identifier and HMAC key, read as a business reads
 * them from the App API), the hex HMAC a business computes, the Client API's
 * paths, opening a session as a chat UI does, and the events a request left
 * in the outbox.
 */
import { createHmac } from 'node:crypto';
import { expect } from 'vitest';
import { client } from './http.ts';
import { accountPath, adminApi, createInbox } from './seed.ts';
import type { TestServer } from './server.ts';

/** Rails' default JSON for a missing record: the Client API's only 404 body (spec/API.md §1.4). */
export const CLIENT_NOT_FOUND = { status: 404, error: 'Not Found' };

/** The hex HMAC-SHA256 of `identifier` keyed with the inbox's `hmac_token` (spec/API.md §6). */
export const hmac = (key: string, identifier: string) => createHmac('sha256', key).update(identifier).digest('hex');

/** A customer-facing API inbox: its App API id, its `inbox_identifier` and its HMAC key. */
export interface ClientInbox {
  id: number;
  identifier: string;
  hmacToken: string;
}

export interface ClientInboxOptions {
  /** Require verified identities (`channel.hmac_mandatory`). */
  mandatory?: boolean;
  lockToSingleConversation?: boolean;
  webhookUrl?: string;
}

/**
 * A new API inbox, configured through the App API as its administrator
 * would: the HMAC key read from the inbox show (`hmac_token`), the settings
 * set by PATCH.
 */
export async function clientInbox(server: TestServer, options: ClientInboxOptions = {}): Promise<ClientInbox> {
  const inbox = await createInbox(server, options.webhookUrl);
  const settings: Record<string, unknown> = {};
  if (options.mandatory) settings.channel = { hmac_mandatory: true };
  if (options.lockToSingleConversation) settings.lock_to_single_conversation = true;
  if (Object.keys(settings).length > 0) {
    const updated = await adminApi(server).patch(accountPath(server, `/inboxes/${inbox.id}`), settings);
    expect(updated.status, updated.text).toBe(200);
  }
  const shown = await adminApi(server).get(accountPath(server, `/inboxes/${inbox.id}`));
  expect(shown.status).toBe(200);
  expect(shown.body.hmac_mandatory).toBe(options.mandatory ?? false);
  return { id: inbox.id, identifier: inbox.inbox_identifier, hmacToken: shown.body.hmac_token as string };
}

/** The Client API's paths under one inbox identifier. */
export function clientPaths(inboxIdentifier: string) {
  const inbox = `/public/api/v1/inboxes/${encodeURIComponent(inboxIdentifier)}`;
  const contact = (sourceId: string) => `${inbox}/contacts/${encodeURIComponent(sourceId)}`;
  const conversations = (sourceId: string) => `${contact(sourceId)}/conversations`;
  const conversation = (sourceId: string, displayId: number | string, suffix = '') => `${conversations(sourceId)}/${displayId}${suffix}`;
  const messages = (sourceId: string, displayId: number | string, suffix = '') => conversation(sourceId, displayId, `/messages${suffix}`);
  return { inbox, contacts: `${inbox}/contacts`, contact, conversations, conversation, messages };
}

/** The customer side: no token at all. */
export const publicApi = (server: TestServer) => client(server.url, null);

/** The `PublicContact` of an opened session. */
export interface PublicContact {
  source_id: string;
  pubsub_token: string;
  id: number;
  name: string;
  email: string | null;
  phone_number: string | null;
}

/** A contact's session as the tests use it: its inbox, its credentials and its paths. */
export interface ClientSession extends PublicContact {
  inbox: ClientInbox;
  paths: ReturnType<typeof clientPaths>;
}

/** `POST …/contacts`; fails the test unless it answers 200. */
export async function openSession(server: TestServer, inbox: ClientInbox, body: Record<string, unknown> = {}): Promise<ClientSession> {
  const paths = clientPaths(inbox.identifier);
  const reply = await publicApi(server).post(paths.contacts, body);
  expect(reply.status, reply.text).toBe(200);
  return { ...(reply.body as PublicContact), inbox, paths };
}

/** A session's own paths, bound to its `source_id`. */
export function sessionPaths(session: ClientSession) {
  const { paths, source_id: sourceId } = session;
  return {
    contact: paths.contact(sourceId),
    conversations: paths.conversations(sourceId),
    conversation: (displayId: number | string, suffix = '') => paths.conversation(sourceId, displayId, suffix),
    messages: (displayId: number | string, suffix = '') => paths.messages(sourceId, displayId, suffix),
  };
}

/** `POST …/conversations` as the session's contact; its display id. */
export async function startConversation(server: TestServer, session: ClientSession, body: Record<string, unknown> = {}) {
  const reply = await publicApi(server).post(sessionPaths(session).conversations, body);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.id as number;
}

/** `POST …/messages` as the session's contact; the PublicMessage. */
export async function contactMessage(server: TestServer, session: ClientSession, displayId: number, content: string) {
  const reply = await publicApi(server).post(sessionPaths(session).messages(displayId), { content });
  expect(reply.status, reply.text).toBe(200);
  return reply.body as { id: number; content: string };
}

/** The administrator writes in a conversation over the App API; the message id. */
export async function agentMessage(server: TestServer, displayId: number, body: Record<string, unknown>) {
  const reply = await adminApi(server).post(accountPath(server, `/conversations/${displayId}/messages`), body);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.id as number;
}

/** The id of the latest outbox event (0 when none), to read what a request emitted after it. */
export async function lastEventId(server: TestServer): Promise<bigint> {
  const last = await server.app.database.prisma.event.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
  return last?.id ?? 0n;
}

/** The outbox events after `sinceId`, oldest first: their names and data (with the performer). */
export async function eventsSince(server: TestServer, sinceId: bigint) {
  const rows = await server.app.database.prisma.event.findMany({ where: { id: { gt: sinceId } }, orderBy: { id: 'asc' } });
  return rows.map((row) => ({ name: row.name, data: row.data as Record<string, any> }));
}

/** The rows a Client API request can write, counted (refusals must leave them unchanged). */
export async function clientRowCounts(server: TestServer) {
  const db = server.app.database.prisma;
  const [contacts, contactInboxes, verified, conversations, messages] = await Promise.all([
    db.contact.count(),
    db.contactInbox.count(),
    db.contactInbox.count({ where: { hmacVerified: true } }),
    db.conversation.count(),
    db.message.count(),
  ]);
  return { contacts, contactInboxes, verified, conversations, messages };
}
