/**
 * REST messages (spec/API.md §3.6; CONFORMANCE.md section I) against the
 * real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { accountPath, addInboxMember, adminApi, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';

let server: TestServer;
let botCounter = 0;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const db = () => server.app.database.prisma;

async function scene() {
  const seeded = await seedConversation(server);
  const member = await createAgent(server);
  await addInboxMember(server, seeded.inbox.id, member.id);
  const outsider = await createAgent(server);
  const messages = (suffix = '') => accountPath(server, `/conversations/${seeded.conversation.id}/messages${suffix}`);
  return { ...seeded, member, memberApi: client(server.url, member.token), outsiderApi: client(server.url, outsider.token), messages };
}

async function createBot(inboxId: number) {
  const token = `rest-msg-bot-${process.pid}-${++botCounter}-0000`;
  const bot = await db().agentBot.create({ data: { accountId: server.accountId, name: 'Bot', accessToken: { create: { token } } } });
  await db().agentBotInbox.create({ data: { inboxId, agentBotId: bot.id, accountId: server.accountId } });
  return { id: bot.id, api: client(server.url, token) };
}

/** A conversation in a non-API inbox (a web widget channel written to the database). */
async function nonApiConversation(conversationDisplayId: number) {
  const row = await db().conversation.findFirstOrThrow({
    where: { accountId: server.accountId, displayId: conversationDisplayId },
    include: { inbox: true },
  });
  return row;
}

describe('POST and GET /conversations/{id}/messages', () => {
  it('I-1 a member posts a private note', async () => {
    const s = await scene();
    const reply = await s.memberApi.post(s.messages(), { content: 'note', private: true });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ content: 'note', private: true, message_type: 1 });
    expect((await db().message.findUniqueOrThrow({ where: { id: reply.body.id } })).content).toBe('note');
  });

  it('I-2 content over 150 000 characters → 422 with error', async () => {
    const s = await scene();
    const reply = await s.memberApi.post(s.messages(), { content: 'a'.repeat(150_001) });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ error: 'Validation failed: Content is too long (maximum is 150000 characters)' });
  });

  it('I-3 attributes an outgoing message to an agent bot, with external_created_at', async () => {
    const s = await scene();
    const bot = await createBot(s.inbox.id);
    const at = Math.floor(Date.now() / 1000) - 60;
    const reply = await s.memberApi.post(s.messages(), {
      content: 'from the bot',
      external_created_at: at,
      sender_type: 'AgentBot',
      sender_id: bot.id,
    });
    expect(reply.status).toBe(200);
    expect(reply.body.content_type).toBe('text');
    expect(reply.body.content_attributes.external_created_at).toBe(at);
    expect((await db().message.findUniqueOrThrow({ where: { id: reply.body.id } })).senderAgentBotId).toBe(bot.id);
  });

  it('I-5 an incoming message reopens a resolved API conversation with an activity message', async () => {
    const s = await scene();
    await adminApi(server).post(accountPath(server, `/conversations/${s.conversation.id}/toggle_status`), { status: 'resolved' });
    const reply = await s.memberApi.post(s.messages(), { content: 'back again', private: false, message_type: 'incoming' });
    expect(reply.status).toBe(200);
    const shown = await adminApi(server).get(accountPath(server, `/conversations/${s.conversation.id}`));
    expect(shown.body.status).toBe('open');
    const activity = await db().message.findMany({
      where: { accountId: server.accountId, conversation: { displayId: s.conversation.id }, messageType: 'activity' },
    });
    expect(activity.map((m) => m.content)).toContain('System reopened the conversation due to a new incoming message.');
  });

  it('I-6 a bot posts an outgoing input_select message', async () => {
    const s = await scene();
    const bot = await createBot(s.inbox.id);
    const reply = await bot.api.post(s.messages(), {
      content_type: 'input_select',
      content_attributes: { items: [{ title: 'Yes', value: 'yes' }] },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ content_type: 'input_select', content: null, message_type: 1 });
  });

  it('I-7 GET lists with meta.contact of the conversation', async () => {
    const s = await scene();
    await s.memberApi.post(s.messages(), { content: 'hello' });
    const reply = await s.memberApi.get(s.messages());
    expect(reply.status).toBe(200);
    expect(reply.body.meta.contact.id).toBe(s.contactId);
    expect(reply.body.payload.at(-1).content).toBe('hello');
  });
});

describe('PATCH /conversations/{id}/messages/{message_id}', () => {
  it('I-10 on a non-API inbox → 403 with the rule', async () => {
    const s = await scene();
    const message = await adminApi(server).post(s.messages(), { content: 'hi' });
    const row = await nonApiConversation(s.conversation.id);
    await db().inbox.update({ where: { id: row.inboxId }, data: { channelType: 'Channel::WebWidget' } });
    const reply = await adminApi(server).patch(s.messages(`/${message.body.id}`), { status: 'read' });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ error: 'Message status update is only allowed for API inboxes' });
  });

  it('I-11 status failed with external_error on an API inbox → 200', async () => {
    const s = await scene();
    const message = await adminApi(server).post(s.messages(), { content: 'hi' });
    const reply = await adminApi(server).patch(s.messages(`/${message.body.id}`), { status: 'failed', external_error: 'err123' });
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('failed');
    expect(reply.body.content_attributes.external_error).toBe('err123');
  });

  it('ignores an unknown status and read → delivered (still 200)', async () => {
    const s = await scene();
    const message = await adminApi(server).post(s.messages(), { content: 'hi' });
    await adminApi(server).patch(s.messages(`/${message.body.id}`), { status: 'read' });
    expect((await adminApi(server).patch(s.messages(`/${message.body.id}`), { status: 'delivered' })).body.status).toBe('read');
    expect((await adminApi(server).patch(s.messages(`/${message.body.id}`), { status: 'bogus' })).body.status).toBe('read');
  });

  it('refuses bots (401), outsiders (401) and unknown ids (404)', async () => {
    const s = await scene();
    const message = await adminApi(server).post(s.messages(), { content: 'hi' });
    const bot = await createBot(s.inbox.id);
    expect((await bot.api.patch(s.messages(`/${message.body.id}`), { status: 'read' })).status).toBe(401);
    expect((await s.outsiderApi.patch(s.messages(`/${message.body.id}`), { status: 'read' })).status).toBe(401);
    expect((await adminApi(server).patch(s.messages('/99999999'), { status: 'read' })).status).toBe(404);
  });
});

describe('DELETE /conversations/{id}/messages/{message_id}', () => {
  it('I-8 soft-deletes (content, deleted flag, other attributes cleared); unknown id → 404', async () => {
    const s = await scene();
    const select = await s.memberApi.post(s.messages(), {
      content_type: 'input_select',
      content_attributes: { items: [{ title: 'Yes', value: 'yes' }] },
    });
    const reply = await s.memberApi.delete(s.messages(`/${select.body.id}`));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      id: select.body.id,
      content: 'This message was deleted',
      content_type: 'text',
      content_attributes: { deleted: true },
    });
    expect(Object.keys(reply.body.content_attributes)).toEqual(['deleted']);
    expect((await s.memberApi.delete(s.messages('/99999999'))).status).toBe(404);
  });

  it('answers 404 for another account\'s message and 401 for an outsider', async () => {
    const s = await scene();
    const foreign = await seedForeignTenant(server);
    expect((await adminApi(server).delete(s.messages(`/${foreign.message.id}`))).status).toBe(404);
    const message = await adminApi(server).post(s.messages(), { content: 'hi' });
    expect((await s.outsiderApi.delete(s.messages(`/${message.body.id}`))).status).toBe(401);
  });
});
