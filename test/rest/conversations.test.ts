/**
 * REST conversations (spec/API.md §3.5; CONFORMANCE.md section H) against
 * the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, request } from '../support/http.ts';
import {
  accountPath,
  addInboxMember,
  adminApi,
  createAgent,
  createContactInInbox,
  createConversation,
  createInbox,
  seedConversation,
} from '../support/seed.ts';
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
const path = (p: string) => accountPath(server, p);

/** An agent bot of the account with an access token, optionally connected to an inbox. */
async function createBot(inboxId?: number) {
  const n = `${process.pid}-${++botCounter}`;
  const bot = await db().agentBot.create({
    data: { accountId: server.accountId, name: `Bot ${n}`, accessToken: { create: { token: `rest-conv-bot-${n}-0000` } } },
  });
  if (inboxId !== undefined)
    await db().agentBotInbox.create({ data: { inboxId, agentBotId: bot.id, accountId: server.accountId } });
  return { id: bot.id, token: `rest-conv-bot-${n}-0000`, api: client(server.url, `rest-conv-bot-${n}-0000`) };
}

/** A fresh inbox with a member agent, a non-member agent and one conversation. */
async function scene() {
  const seeded = await seedConversation(server);
  const member = await createAgent(server);
  await addInboxMember(server, seeded.inbox.id, member.id);
  const outsider = await createAgent(server);
  return {
    ...seeded,
    member,
    outsider,
    memberApi: client(server.url, member.token),
    outsiderApi: client(server.url, outsider.token),
    conversationPath: (suffix = '') => path(`/conversations/${seeded.conversation.id}${suffix}`),
  };
}

describe('GET /conversations and /meta', () => {
  it('H-1 lists with the four counts, the uuid and the last message', async () => {
    const s = await scene();
    const message = await adminApi(server).post(s.conversationPath('/messages'), { content: 'hello' });
    expect(message.status).toBe(200);
    const reply = await s.memberApi.get(path('/conversations'));
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body.data.meta).sort()).toEqual(['all_count', 'assigned_count', 'mine_count', 'unassigned_count']);
    expect(reply.body.data.meta.all_count).toBe(1);
    expect(reply.body.data.payload[0].uuid).toBe(s.conversation.uuid);
    expect(reply.body.data.payload[0].messages[0].id).toBe(message.body.id);
  });

  it('H-2 shows a conversation without messages with messages == []', async () => {
    const s = await scene();
    const reply = await s.memberApi.get(path('/conversations'));
    expect(reply.status).toBe(200);
    expect(reply.body.data.payload[0].messages).toEqual([]);
  });

  it('filters by inbox_id, status and assignee_type; counts follow the filters', async () => {
    const s = await scene();
    const other = await createContactInInbox(server, s.inbox.id);
    const second = await createConversation(server, other.sourceId);
    await adminApi(server).post(path(`/conversations/${second.id}/toggle_status`), { status: 'resolved' });
    const open = await adminApi(server).get(path(`/conversations?inbox_id=${s.inbox.id}`));
    expect(open.body.data.payload.map((c: { id: number }) => c.id)).toEqual([s.conversation.id]);
    const all = await adminApi(server).get(path(`/conversations?inbox_id=${s.inbox.id}&status=all`));
    expect(all.body.data.meta.all_count).toBe(2);
    const resolved = await adminApi(server).get(path(`/conversations?inbox_id=${s.inbox.id}&status=resolved`));
    expect(resolved.body.data.payload.map((c: { id: number }) => c.id)).toEqual([second.id]);
    await adminApi(server).post(s.conversationPath('/assignments'), { assignee_id: s.member.id });
    const mine = await s.memberApi.get(path(`/conversations?assignee_type=me`));
    expect(mine.body.data.payload.map((c: { id: number }) => c.id)).toEqual([s.conversation.id]);
    expect(mine.body.data.meta).toMatchObject({ mine_count: 1, assigned_count: 1, unassigned_count: 0, all_count: 1 });
  });

  it('H-4 /meta answers the four counts', async () => {
    const s = await scene();
    const reply = await s.memberApi.get(path('/conversations/meta'));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ meta: { mine_count: 0, assigned_count: 0, unassigned_count: 1, all_count: 1 } });
  });

  it('does not list other accounts\' conversations and rejects a missing token', async () => {
    await seedForeignTenant(server);
    const s = await scene();
    const reply = await s.memberApi.get(path('/conversations?status=all'));
    expect(reply.body.data.payload.every((c: { account_id: number }) => c.account_id === server.accountId)).toBe(true);
    expect((await client(server.url, null).get(path('/conversations'))).status).toBe(401);
  });
});

describe('H-3 conversation_type', () => {
  it('H-3 conversation_type=unattended keeps conversations without a first reply or still waiting (2 of 3)', async () => {
    const s = await scene();
    const second = await createConversation(server, (await createContactInInbox(server, s.inbox.id)).sourceId);
    const third = await createConversation(server, (await createContactInInbox(server, s.inbox.id)).sourceId);
    const now = new Date();
    const where = (displayId: number) => ({ accountId_displayId: { accountId: server.accountId, displayId } });
    await db().conversation.update({ where: where(s.conversation.id), data: { firstReplyCreatedAt: now, waitingSince: null } });
    await db().conversation.update({ where: where(second.id), data: { firstReplyCreatedAt: now, waitingSince: now } });
    await db().conversation.update({ where: where(third.id), data: { firstReplyCreatedAt: null, waitingSince: null } });
    const reply = await adminApi(server).get(path(`/conversations?inbox_id=${s.inbox.id}&conversation_type=unattended`));
    expect(reply.status).toBe(200);
    expect(reply.body.data.payload.map((c: { id: number }) => c.id).sort()).toEqual([second.id, third.id].sort());
    expect(reply.body.data.meta.all_count).toBe(2);
  });
});

describe('POST /conversations', () => {
  it('H-9 an agent without inbox access → 401', async () => {
    const inbox = await createInbox(server);
    const { sourceId } = await createContactInInbox(server, inbox.id);
    const outsider = await createAgent(server);
    expect((await client(server.url, outsider.token).post(path('/conversations'), { source_id: sourceId })).status).toBe(401);
  });

  it('H-10 a member with additional_attributes → 200, echoed', async () => {
    const inbox = await createInbox(server);
    const { sourceId } = await createContactInInbox(server, inbox.id);
    const member = await createAgent(server);
    await addInboxMember(server, inbox.id, member.id);
    const reply = await client(server.url, member.token).post(path('/conversations'), {
      source_id: sourceId,
      additional_attributes: { test: 'test' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.additional_attributes).toEqual({ test: 'test' });
  });

  it('H-11 a source_id of another contact → 422', async () => {
    const inbox = await createInbox(server);
    const first = await createContactInInbox(server, inbox.id);
    const second = await createContactInInbox(server, inbox.id);
    const reply = await adminApi(server).post(path('/conversations'), {
      source_id: first.sourceId,
      inbox_id: inbox.id,
      contact_id: second.contactId,
    });
    expect(reply.status).toBe(422);
  });

  it('H-12 status pending → pending', async () => {
    const inbox = await createInbox(server);
    const { sourceId } = await createContactInInbox(server, inbox.id);
    const reply = await adminApi(server).post(path('/conversations'), { source_id: sourceId, status: 'pending' });
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('pending');
  });

  it('H-13 with a message → the first outgoing message says it; additional_attributes {}', async () => {
    const inbox = await createInbox(server);
    const { sourceId } = await createContactInInbox(server, inbox.id);
    const reply = await adminApi(server).post(path('/conversations'), { source_id: sourceId, message: { content: 'hi' } });
    expect(reply.status).toBe(200);
    expect(reply.body.additional_attributes).toEqual({});
    const first = await db().message.findFirstOrThrow({
      where: { accountId: server.accountId, conversation: { displayId: reply.body.id }, messageType: 'outgoing' },
      orderBy: { id: 'asc' },
    });
    expect(first.content).toBe('hi');
  });

  it('H-14 contact_id + inbox_id with hmac_verified "false" → a contact inbox without hmac verification', async () => {
    const inbox = await createInbox(server);
    const contact = await adminApi(server).post(path('/contacts'), { name: 'No inbox yet' });
    const reply = await adminApi(server).post(path('/conversations'), {
      contact_id: contact.body.payload.contact.id,
      inbox_id: inbox.id,
      hmac_verified: 'false',
    });
    expect(reply.status).toBe(200);
    expect(reply.body.meta.hmac_verified).toBe(false);
    expect(reply.body.inbox_id).toBe(inbox.id);
  });

  it('H-15 with assignee_id and team_id → meta.assignee.name and meta.team.name', async () => {
    const inbox = await createInbox(server);
    const { sourceId, contactId } = await createContactInInbox(server, inbox.id);
    const agent = await createAgent(server);
    await addInboxMember(server, inbox.id, agent.id);
    const team = await db().team.create({ data: { accountId: server.accountId, name: `h15-${process.pid}` } });
    const reply = await adminApi(server).post(path('/conversations'), {
      source_id: sourceId,
      contact_id: contactId,
      inbox_id: inbox.id,
      assignee_id: agent.id,
      team_id: team.id,
    });
    expect(reply.status).toBe(200);
    expect(reply.body.meta.assignee.name).toBe('Agent');
    expect(reply.body.meta.team.name).toBe(team.name);
  });
});

describe('GET and PATCH /conversations/{id}', () => {
  it('H-7 agent without access → 401; admin and member → 200 with the display id', async () => {
    const s = await scene();
    expect((await s.outsiderApi.get(s.conversationPath())).status).toBe(401);
    const admin = await adminApi(server).get(s.conversationPath());
    expect(admin.status).toBe(200);
    expect(admin.body.id).toBe(s.conversation.id);
    expect((await s.memberApi.get(s.conversationPath())).status).toBe(200);
  });

  it('H-8 PATCH priority: no access → 401; admin and member → 200', async () => {
    const s = await scene();
    expect((await s.outsiderApi.patch(s.conversationPath(), { priority: 'high' })).status).toBe(401);
    const admin = await adminApi(server).patch(s.conversationPath(), { priority: 'high' });
    expect(admin.status).toBe(200);
    expect(admin.body.priority).toBe('high');
    const member = await request(server.url, 'PUT', s.conversationPath(), { token: s.member.token, body: { conversation: { priority: 'low' } } });
    expect(member.status).toBe(200);
    expect(member.body.priority).toBe('low');
  });

  it('answers 404 for unknown and foreign conversations', async () => {
    const foreign = await seedForeignTenant(server);
    expect((await adminApi(server).get(path('/conversations/999999'))).status).toBe(404);
    const reply = await adminApi(server).patch(path(`/conversations/${foreign.conversation.displayId}9999`), { priority: 'high' });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: 'Resource could not be found' });
  });

  it('rejects an unknown priority with 422', async () => {
    const s = await scene();
    const reply = await adminApi(server).patch(s.conversationPath(), { priority: 'whenever' });
    expect(reply.status).toBe(422);
  });
});

describe('POST /conversations/{id}/toggle_status', () => {
  it('H-16 blank status on open → resolved; no body on pending → open', async () => {
    const s = await scene();
    const resolved = await adminApi(server).post(s.conversationPath('/toggle_status'), { status: '' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toEqual({
      payload: { success: true, conversation_id: s.conversation.id, current_status: 'resolved', snoozed_until: null },
    });
    await adminApi(server).post(s.conversationPath('/toggle_status'), { status: 'pending' });
    const opened = await adminApi(server).post(s.conversationPath('/toggle_status'));
    expect(opened.body.payload.current_status).toBe('open');
  });

  it('H-17 a member agent reopening becomes the assignee; an admin does not', async () => {
    const s = await scene();
    await adminApi(server).post(s.conversationPath('/toggle_status'), { status: 'pending' });
    await adminApi(server).post(s.conversationPath('/toggle_status'), { status: 'open' });
    expect((await adminApi(server).get(s.conversationPath())).body.meta.assignee).toBeUndefined();
    await adminApi(server).post(s.conversationPath('/toggle_status'), { status: 'pending' });
    const reply = await s.memberApi.post(s.conversationPath('/toggle_status'), { status: 'open' });
    expect(reply.body.payload.current_status).toBe('open');
    expect((await adminApi(server).get(s.conversationPath())).body.meta.assignee.id).toBe(s.member.id);
  });

  it('H-18 sets pending, and snoozed with snoozed_until to the second', async () => {
    const s = await scene();
    const pending = await adminApi(server).post(s.conversationPath('/toggle_status'), { status: 'pending' });
    expect(pending.body.payload.current_status).toBe('pending');
    const until = Math.floor(Date.now() / 1000) + 3600;
    const snoozed = await adminApi(server).post(s.conversationPath('/toggle_status'), { status: 'snoozed', snoozed_until: until });
    expect(snoozed.body.payload.current_status).toBe('snoozed');
    expect(new Date(snoozed.body.payload.snoozed_until).getTime() / 1000).toBe(until);
    expect((await adminApi(server).get(s.conversationPath())).body.snoozed_until).toBe(until);
  });

  it('H-19 a bot snoozes, and moves pending → open', async () => {
    const s = await scene();
    const bot = await createBot(s.inbox.id);
    const until = Math.floor(Date.now() / 1000) + 600;
    const snoozed = await bot.api.post(s.conversationPath('/toggle_status'), { status: 'snoozed', snoozed_until: until });
    expect(snoozed.status).toBe(200);
    expect(snoozed.body.payload.current_status).toBe('snoozed');
    await bot.api.post(s.conversationPath('/toggle_status'), { status: 'pending' });
    const opened = await bot.api.post(s.conversationPath('/toggle_status'), { status: 'open' });
    expect(opened.status).toBe(200);
    expect(opened.body.payload.current_status).toBe('open');
  });

  it('rejects an unknown status with 422, an outsider with 401 and an unknown id with 404', async () => {
    const s = await scene();
    expect((await adminApi(server).post(s.conversationPath('/toggle_status'), { status: 'closed' })).status).toBe(422);
    expect((await s.outsiderApi.post(s.conversationPath('/toggle_status'), {})).status).toBe(401);
    expect((await adminApi(server).post(path('/conversations/abc/toggle_status'), {})).status).toBe(404);
  });
});

describe('priority, typing, seen, unread, mute', () => {
  it('H-20 toggle_priority sets low, clears without a param, and a bot sets high', async () => {
    const s = await scene();
    const low = await adminApi(server).post(s.conversationPath('/toggle_priority'), { priority: 'low' });
    expect(low.status).toBe(200);
    expect(low.text).toBe('');
    expect((await adminApi(server).get(s.conversationPath())).body.priority).toBe('low');
    await adminApi(server).post(s.conversationPath('/toggle_priority'), {});
    expect((await adminApi(server).get(s.conversationPath())).body.priority).toBeNull();
    const bot = await createBot(s.inbox.id);
    expect((await bot.api.post(s.conversationPath('/toggle_priority'), { priority: 'high' })).status).toBe(200);
    expect((await adminApi(server).get(s.conversationPath())).body.priority).toBe('high');
  });

  it('H-21 toggle_typing_status on (public and private) → empty 200', async () => {
    const s = await scene();
    for (const isPrivate of [false, true]) {
      const reply = await s.memberApi.post(s.conversationPath('/toggle_typing_status'), { typing_status: 'on', is_private: isPrivate });
      expect(reply.status).toBe(200);
      expect(reply.text).toBe('');
    }
    expect((await s.memberApi.post(s.conversationPath('/toggle_typing_status'), { typing_status: 'maybe' })).status).toBe(422);
  });

  it('H-22 update_last_seen sets agent_last_seen_at, and assignee_last_seen_at for the assignee', async () => {
    const s = await scene();
    const seen = await s.memberApi.post(s.conversationPath('/update_last_seen'));
    expect(seen.status).toBe(200);
    expect(seen.body.id).toBe(s.conversation.id);
    expect(seen.body.agent_last_seen_at).toBeGreaterThan(0);
    expect(seen.body.assignee_last_seen_at).toBe(0);
    await adminApi(server).post(s.conversationPath('/assignments'), { assignee_id: s.member.id });
    const again = await s.memberApi.post(s.conversationPath('/update_last_seen'));
    expect(again.body.assignee_last_seen_at).toBeGreaterThan(0);
  });

  it('H-23 unread sets both last-seen times to the last incoming message − 1 s', async () => {
    const s = await scene();
    const incoming = await adminApi(server).post(s.conversationPath('/messages'), { content: 'hi', message_type: 'incoming' });
    expect(incoming.status).toBe(200);
    await s.memberApi.post(s.conversationPath('/update_last_seen'));
    const reply = await s.memberApi.post(s.conversationPath('/unread'));
    expect(reply.status).toBe(200);
    const row = await db().conversation.findFirstOrThrow({ where: { accountId: server.accountId, displayId: s.conversation.id } });
    const message = await db().message.findUniqueOrThrow({ where: { id: incoming.body.id } });
    expect(row.agentLastSeenAt?.getTime()).toBe(message.createdAt.getTime() - 1000);
    expect(row.assigneeLastSeenAt?.getTime()).toBe(message.createdAt.getTime() - 1000);
  });

  it('H-24 mute resolves and blocks the contact; unmute unblocks', async () => {
    const s = await scene();
    const mute = await s.memberApi.post(s.conversationPath('/mute'));
    expect(mute.status).toBe(200);
    let shown = (await adminApi(server).get(s.conversationPath())).body;
    expect(shown.status).toBe('resolved');
    expect(shown.muted).toBe(true);
    expect((await s.memberApi.post(s.conversationPath('/unmute'))).status).toBe(200);
    shown = (await adminApi(server).get(s.conversationPath())).body;
    expect(shown.muted).toBe(false);
  });
});

describe('custom attributes and labels', () => {
  it('H-26 custom_attributes by a member or a bot replace the hash', async () => {
    const s = await scene();
    const attributes = { a: 1, b: 'two', c: true };
    const reply = await s.memberApi.post(s.conversationPath('/custom_attributes'), { custom_attributes: attributes });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ custom_attributes: attributes });
    const bot = await createBot(s.inbox.id);
    const byBot = await bot.api.post(s.conversationPath('/custom_attributes'), { custom_attributes: { x: 1, y: 2, z: 3 } });
    expect(byBot.status).toBe(200);
    expect(Object.keys((await adminApi(server).get(s.conversationPath())).body.custom_attributes)).toEqual(['x', 'y', 'z']);
  });

  it('GET and POST labels replace and list the labels', async () => {
    const s = await scene();
    const set = await s.memberApi.post(s.conversationPath('/labels'), { labels: ['billing', 'vip'] });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ payload: ['billing', 'vip'] });
    const shown = await s.memberApi.get(s.conversationPath('/labels'));
    expect(shown.body).toEqual({ payload: ['billing', 'vip'] });
    const filtered = await adminApi(server).get(path(`/conversations?labels[]=vip&inbox_id=${s.inbox.id}`));
    expect(filtered.body.data.payload.map((c: { id: number }) => c.id)).toEqual([s.conversation.id]);
    expect((await s.outsiderApi.get(s.conversationPath('/labels'))).status).toBe(401);
    expect((await adminApi(server).get(path('/conversations/999999/labels'))).status).toBe(404);
  });

  it('refuses a bot on labels (not on the allow-list)', async () => {
    const s = await scene();
    const bot = await createBot(s.inbox.id);
    expect((await bot.api.post(s.conversationPath('/labels'), { labels: ['x'] })).status).toBe(401);
  });
});

describe('POST /conversations/{id}/assignments', () => {
  it('H-29 a bot connected to neither the inbox nor the account → 401', async () => {
    const s = await scene();
    const token = `rest-conv-global-bot-${process.pid}-${++botCounter}-0000`;
    await db().agentBot.create({ data: { name: 'Global bot', accessToken: { create: { token } } } });
    const reply = await client(server.url, token).post(s.conversationPath('/assignments'), { assignee_id: s.member.id });
    expect(reply.status).toBe(401);
  });

  it('H-30 a member assigns a user, an agent bot and a team', async () => {
    const s = await scene();
    const agent = await s.memberApi.post(s.conversationPath('/assignments'), { assignee_id: s.member.id });
    expect(agent.status).toBe(200);
    expect(agent.body).toMatchObject({ id: s.member.id, email: s.member.email });
    const bot = await createBot();
    const byBot = await s.memberApi.post(s.conversationPath('/assignments'), { assignee_id: bot.id, assignee_type: 'AgentBot' });
    expect(byBot.status).toBe(200);
    expect(byBot.body).toMatchObject({ id: bot.id, name: expect.any(String) });
    const team = await db().team.create({ data: { accountId: server.accountId, name: `team-${process.pid}-${botCounter}` } });
    const byTeam = await s.memberApi.post(s.conversationPath('/assignments'), { team_id: team.id });
    expect(byTeam.status).toBe(200);
    expect(byTeam.body).toMatchObject({ id: team.id, name: team.name, account_id: server.accountId });
  });

  it('H-31 a connected bot assigns an agent', async () => {
    const s = await scene();
    const bot = await createBot(s.inbox.id);
    const reply = await bot.api.post(s.conversationPath('/assignments'), { assignee_id: s.member.id });
    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(s.member.id);
  });

  it('H-32 assignee_id null unassigns and team_id null removes the team', async () => {
    const s = await scene();
    await adminApi(server).post(s.conversationPath('/assignments'), { assignee_id: s.member.id });
    const unassigned = await adminApi(server).post(s.conversationPath('/assignments'), { assignee_id: null });
    expect(unassigned.status).toBe(200);
    expect((await adminApi(server).get(s.conversationPath())).body.meta.assignee).toBeUndefined();
    const team = await db().team.create({ data: { accountId: server.accountId, name: `team-null-${process.pid}-${botCounter}` } });
    await adminApi(server).post(s.conversationPath('/assignments'), { team_id: team.id });
    expect((await adminApi(server).post(s.conversationPath('/assignments'), { team_id: null })).status).toBe(200);
    expect((await adminApi(server).get(s.conversationPath())).body.meta.team).toBeUndefined();
  });

  it('answers 404 for an unknown agent and 401 for an outsider', async () => {
    const s = await scene();
    expect((await adminApi(server).post(s.conversationPath('/assignments'), { assignee_id: 99999999 })).status).toBe(404);
    expect((await s.outsiderApi.post(s.conversationPath('/assignments'), { assignee_id: s.member.id })).status).toBe(401);
  });
});
