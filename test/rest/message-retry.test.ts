/**
 * Retrying a message (spec/API.md §3.6 `POST …/messages/{id}/retry`;
 * CONFORMANCE.md I-9) against the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { accountPath, addInboxMember, adminApi, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const path = (p: string) => accountPath(server, p);

/** A conversation with one outgoing message whose delivery failed. */
async function failedMessage() {
  const seeded = await seedConversation(server);
  const messages = (suffix = '') => path(`/conversations/${seeded.conversation.id}/messages${suffix}`);
  const created = await adminApi(server).post(messages(), { content: 'hello' });
  expect(created.status).toBe(200);
  const failed = await adminApi(server).patch(messages(`/${created.body.id}`), { status: 'failed', external_error: 'provider down' });
  expect(failed.body).toMatchObject({ status: 'failed', content_attributes: { external_error: 'provider down' } });
  return { ...seeded, messages, messageId: created.body.id as number };
}

describe('POST /conversations/{id}/messages/{message_id}/retry', () => {
  it('I-9 a failed message → 200, status sent, external_error cleared', async () => {
    const s = await failedMessage();
    const reply = await adminApi(server).post(s.messages(`/${s.messageId}/retry`));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: s.messageId, status: 'sent', content: 'hello' });
    expect(reply.body.content_attributes).toEqual({});
    const stored = await server.app.database.prisma.message.findUniqueOrThrow({ where: { id: s.messageId } });
    expect(stored.status).toBe('sent');
    expect(stored.contentAttributes).toEqual({});
    const updated = await server.app.database.prisma.event.findMany({ where: { accountId: server.accountId, name: 'message.updated' } });
    expect(updated.some((e) => (e.data as { messageId: number }).messageId === s.messageId && 'status' in ((e.data as { previousChanges: object }).previousChanges))).toBe(true);
  });

  it('I-9 an unknown message id → 422 (not 404)', async () => {
    const s = await failedMessage();
    const unknown = await adminApi(server).post(s.messages('/999999/retry'));
    expect(unknown).toMatchObject({ status: 422, body: { error: "Couldn't find Message with 'id'=999999" } });
    const malformed = await adminApi(server).post(s.messages('/abc/retry'));
    expect(malformed).toMatchObject({ status: 422, body: { error: "Couldn't find Message" } });
  });

  it('I-9 the conversation must be reachable: unknown → 404, non-member agent → 401, member agent → 200', async () => {
    const s = await failedMessage();
    expect((await adminApi(server).post(path(`/conversations/999999/messages/${s.messageId}/retry`))).status).toBe(404);
    const outsider = await createAgent(server);
    const denied = await client(server.url, outsider.token).post(s.messages(`/${s.messageId}/retry`));
    expect(denied).toMatchObject({ status: 401, body: { error: 'You are not authorized to do this action' } });
    const member = await createAgent(server);
    await addInboxMember(server, s.inbox.id, member.id);
    expect((await client(server.url, member.token).post(s.messages(`/${s.messageId}/retry`))).body.status).toBe('sent');
    expect((await client(server.url, null).post(s.messages(`/${s.messageId}/retry`))).status).toBe(401);
  });
});
