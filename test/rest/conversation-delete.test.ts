/**
 * Deleting a conversation (spec/API.md §3.5 `DELETE /conversations/{id}`;
 * CONFORMANCE.md H-28) against the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { accountPath, addInboxMember, adminApi, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const db = () => server.app.database.prisma;
const path = (p: string) => accountPath(server, p);

/** A conversation with two messages, and the row behind it. */
async function conversationWithMessages() {
  const seeded = await seedConversation(server);
  for (const content of ['first', 'second'])
    expect((await adminApi(server).post(path(`/conversations/${seeded.conversation.id}/messages`), { content })).status).toBe(200);
  const row = await db().conversation.findFirstOrThrow({ where: { accountId: server.accountId, displayId: seeded.conversation.id } });
  return { ...seeded, row, conversationPath: path(`/conversations/${seeded.conversation.id}`) };
}

describe('DELETE /conversations/{id}', () => {
  it('H-28 a member agent → 401 and nothing is deleted', async () => {
    const s = await conversationWithMessages();
    const agent = await createAgent(server);
    await addInboxMember(server, s.inbox.id, agent.id);
    const reply = await client(server.url, agent.token).delete(s.conversationPath);
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: 'You are not authorized to do this action' });
    expect(await db().conversation.count({ where: { id: s.row.id } })).toBe(1);
    expect(await db().message.count({ where: { conversationId: s.row.id } })).toBe(2);
  });

  it('H-28 an administrator → 200 empty; the conversation and its messages are gone', async () => {
    const s = await conversationWithMessages();
    const reply = await adminApi(server).delete(s.conversationPath);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    expect(await db().conversation.count({ where: { id: s.row.id } })).toBe(0);
    expect(await db().message.count({ where: { conversationId: s.row.id } })).toBe(0);
    expect((await adminApi(server).get(s.conversationPath)).status).toBe(404);
    expect((await adminApi(server).delete(s.conversationPath)).status).toBe(404);
  });

  it('H-28 also for an administrator who is not a member of the inbox', async () => {
    const s = await conversationWithMessages();
    const admin = await createAgent(server, 'administrator');
    expect(await db().inboxMember.count({ where: { inboxId: s.inbox.id, userId: admin.id } })).toBe(0);
    const reply = await client(server.url, admin.token).delete(s.conversationPath);
    expect(reply.status).toBe(200);
    expect(await db().conversation.count({ where: { id: s.row.id } })).toBe(0);
  });

  it('H-28 unknown, malformed and foreign ids, bots and missing tokens', async () => {
    const s = await conversationWithMessages();
    const foreign = await seedForeignTenant(server);
    expect(await adminApi(server).delete(path('/conversations/999999'))).toMatchObject({ status: 404, body: { error: 'Resource could not be found' } });
    expect((await adminApi(server).delete(path('/conversations/abc'))).status).toBe(404);
    const intoForeign = await adminApi(server).delete(`/api/v1/accounts/${foreign.account.id}/conversations/${foreign.conversation.displayId}`);
    expect(intoForeign).toMatchObject({ status: 401, body: { error: 'You are not authorized to access this account' } });
    expect(await db().conversation.count({ where: { id: foreign.conversation.id } })).toBe(1);
    await db().agentBot.create({
      data: { accountId: server.accountId, name: 'Deleter', accessToken: { create: { token: 'conversation-delete-bot-0000' } } },
    });
    const asBot = await client(server.url, 'conversation-delete-bot-0000').delete(s.conversationPath);
    expect(asBot).toMatchObject({ status: 401, body: { error: 'Access to this endpoint is not authorized for bots' } });
    expect((await client(server.url, null).delete(s.conversationPath)).status).toBe(401);
    expect(await db().conversation.count({ where: { id: s.row.id } })).toBe(1);
  });
});
