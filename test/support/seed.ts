/**
 * Seeds the API-channel flow through the public REST API, as a client would.
 */
import { expect } from 'vitest';
import { client } from './http.ts';
import type { TestServer } from './server.ts';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

export function adminApi(server: TestServer) {
  return client(server.url, server.adminToken);
}

export const accountPath = (server: TestServer, path: string) => `/api/v1/accounts/${server.accountId}${path}`;

export async function createInbox(server: TestServer, webhookUrl?: string) {
  const reply = await adminApi(server).post(accountPath(server, '/inboxes'), {
    name: unique('Inbox'),
    channel: { type: 'api', ...(webhookUrl ? { webhook_url: webhookUrl } : {}) },
  });
  expect(reply.status).toBe(200);
  return reply.body as { id: number; inbox_identifier: string; name: string };
}

export async function createAgent(server: TestServer, role: 'agent' | 'administrator' = 'agent') {
  const email = `${unique('agent')}@example.com`;
  const reply = await adminApi(server).post(accountPath(server, '/agents'), { name: 'Agent', email, role });
  expect(reply.status).toBe(200);
  const user = await server.app.database.prisma.user.findUniqueOrThrow({
    where: { id: reply.body.id },
    include: { accessToken: true },
  });
  return { id: user.id, token: user.accessToken!.token, pubsubToken: user.pubsubToken, email };
}

export async function addInboxMember(server: TestServer, inboxId: number, userId: number) {
  const reply = await adminApi(server).post(accountPath(server, '/inbox_members'), { inbox_id: inboxId, user_ids: [userId] });
  expect(reply.status).toBe(200);
}

export async function createContactInInbox(server: TestServer, inboxId: number) {
  const sourceId = unique('source');
  const reply = await adminApi(server).post(accountPath(server, '/contacts'), {
    name: 'Jane Doe',
    email: `${unique('jane')}@example.com`,
    inbox_id: inboxId,
    source_id: sourceId,
  });
  expect(reply.status).toBe(200);
  return { contactId: reply.body.payload.contact.id as number, sourceId };
}

export async function createConversation(server: TestServer, sourceId: string) {
  const reply = await adminApi(server).post(accountPath(server, '/conversations'), { source_id: sourceId });
  expect(reply.status).toBe(200);
  return reply.body as { id: number; uuid: string; inbox_id: number };
}

/** An inbox with a contact and an open conversation. */
export async function seedConversation(server: TestServer, webhookUrl?: string) {
  const inbox = await createInbox(server, webhookUrl);
  const { contactId, sourceId } = await createContactInInbox(server, inbox.id);
  const conversation = await createConversation(server, sourceId);
  return { inbox, contactId, sourceId, conversation };
}
