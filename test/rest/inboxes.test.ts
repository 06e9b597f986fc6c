/**
 * Inboxes and inbox members over REST (spec/API.md §3.1–3.2), with the
 * behaviours of spec/CONFORMANCE.md §D and §E.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, request } from '../support/http.ts';
import { accountPath, adminApi, addInboxMember, createAgent, createInbox } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';

let server: TestServer;
let foreign: Awaited<ReturnType<typeof seedForeignTenant>>;
beforeAll(async () => {
  server = await startServer();
  foreign = await seedForeignTenant(server);
});
afterAll(async () => {
  await server?.stop();
});

const path = (p: string) => accountPath(server, p);
const put = (token: string, p: string, body: unknown) => request(server.url, 'PUT', p, { token, body });
const del = (token: string, p: string, body?: unknown) => request(server.url, 'DELETE', p, { token, body });
const memberIds = async (inboxId: number) =>
  (await server.app.database.prisma.inboxMember.findMany({ where: { inboxId }, orderBy: { id: 'asc' } })).map((m) => m.userId);

describe('inboxes (CONFORMANCE §D)', () => {
  it('D-1 admin lists every inbox of the account, ordered by lower(name)', async () => {
    const a = await createInbox(server);
    const b = await createInbox(server);
    const reply = await adminApi(server).get(path('/inboxes'));
    expect(reply.status).toBe(200);
    const ids = reply.body.payload.map((i: { id: number }) => i.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(ids).not.toContain(foreign.inbox.id);
    const names = reply.body.payload.map((i: { name: string }) => i.name.toLowerCase());
    expect(names).toEqual([...names].sort());
    expect(reply.body.payload[0].hmac_token).toEqual(expect.any(String));
  });

  it('D-2 an agent lists only the inboxes they are a member of', async () => {
    const mine = await createInbox(server);
    await createInbox(server);
    const agent = await createAgent(server);
    await addInboxMember(server, mine.id, agent.id);
    const reply = await client(server.url, agent.token).get(path('/inboxes'));
    expect(reply.status).toBe(200);
    expect(reply.body.payload.map((i: { id: number }) => i.id)).toEqual([mine.id]);
    expect(reply.body.payload[0]).not.toHaveProperty('hmac_token');
  });

  it('D-4 csat_survey_enabled and csat_config.display_type appear in list items after configuration', async () => {
    const inbox = await createInbox(server);
    const update = await adminApi(server).patch(path(`/inboxes/${inbox.id}`), {
      csat_survey_enabled: true,
      csat_config: { display_type: 'star', message: 'Rate us' },
    });
    expect(update.status).toBe(200);
    const reply = await adminApi(server).get(path('/inboxes'));
    const item = reply.body.payload.find((i: { id: number }) => i.id === inbox.id);
    expect(item.csat_survey_enabled).toBe(true);
    expect(item.csat_config.display_type).toBe('star');
  });

  it('D-5 an agent who is not a member gets 401 for the inbox', async () => {
    const inbox = await createInbox(server);
    const agent = await createAgent(server);
    const reply = await client(server.url, agent.token).get(path(`/inboxes/${inbox.id}`));
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: 'You are not authorized to do this action' });
  });

  it('D-6 admin gets the inbox; unknown and foreign ids are 404', async () => {
    const inbox = await createInbox(server);
    const reply = await adminApi(server).get(path(`/inboxes/${inbox.id}`));
    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(inbox.id);
    expect(reply.body.hmac_token).toEqual(expect.any(String));
    for (const id of [foreign.inbox.id, 99999999, 'abc']) {
      const missing = await adminApi(server).get(path(`/inboxes/${id}`));
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: 'Resource could not be found' });
    }
  });

  it('D-7 a member agent gets the inbox without hmac_token', async () => {
    const inbox = await createInbox(server);
    const agent = await createAgent(server);
    await addInboxMember(server, inbox.id, agent.id);
    const reply = await client(server.url, agent.token).get(path(`/inboxes/${inbox.id}`));
    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(inbox.id);
    expect(reply.body.hmac_token ?? null).toBeNull();
  });

  it('D-10 an API inbox fetched by a member agent has a null hmac_token', async () => {
    const inbox = await createInbox(server);
    const agent = await createAgent(server);
    await addInboxMember(server, inbox.id, agent.id);
    const reply = await client(server.url, agent.token).get(path(`/inboxes/${inbox.id}`));
    expect(reply.status).toBe(200);
    expect(reply.body.channel_type).toBe('Channel::Api');
    expect(reply.body.hmac_token ?? null).toBeNull();
  });

  it('D-11 assignable_agents returns members plus administrators', async () => {
    const inbox = await createInbox(server);
    const agent = await createAgent(server);
    await addInboxMember(server, inbox.id, agent.id);
    const reply = await client(server.url, agent.token).get(path(`/inboxes/${inbox.id}/assignable_agents`));
    expect(reply.status).toBe(200);
    const roles = reply.body.payload.map((a: { role: string }) => a.role);
    expect(roles).toContain('agent');
    expect(roles).toContain('administrator');
    expect(reply.body.payload.map((a: { id: number }) => a.id)).toContain(agent.id);
    const outsider = await createAgent(server);
    expect((await client(server.url, outsider.token).get(path(`/inboxes/${inbox.id}/assignable_agents`))).status).toBe(401);
    expect((await adminApi(server).get(path(`/inboxes/${foreign.inbox.id}/assignable_agents`))).status).toBe(404);
  });

  it('D-14 admin deletes an inbox with the deletion message', async () => {
    const inbox = await createInbox(server);
    const reply = await adminApi(server).delete(path(`/inboxes/${inbox.id}`));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ message: 'Your inbox deletion request will be processed in some time.' });
    expect((await adminApi(server).get(path(`/inboxes/${inbox.id}`))).status).toBe(404);
  });

  it('D-15 deleting an inbox of another account is 404', async () => {
    const reply = await adminApi(server).delete(path(`/inboxes/${foreign.inbox.id}`));
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: 'Resource could not be found' });
    expect(await server.app.database.prisma.inbox.findUnique({ where: { id: foreign.inbox.id } })).not.toBeNull();
  });

  it('D-16 an agent cannot delete an inbox (401)', async () => {
    const inbox = await createInbox(server);
    const agent = await createAgent(server);
    await addInboxMember(server, inbox.id, agent.id);
    const reply = await client(server.url, agent.token).delete(path(`/inboxes/${inbox.id}`));
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: 'You are not authorized to do this action' });
  });

  it('D-17 an agent cannot create an inbox (401)', async () => {
    const agent = await createAgent(server);
    const reply = await client(server.url, agent.token).post(path('/inboxes'), { name: 'Nope', channel: { type: 'api' } });
    expect(reply.status).toBe(401);
  });

  it('D-18 admin creates an API inbox', async () => {
    const reply = await adminApi(server).post(path('/inboxes'), {
      name: 'API Inbox',
      channel: { type: 'api', webhook_url: 'http://hooks.example.invalid' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.name).toBe('API Inbox');
    expect(reply.body.webhook_url).toBe('http://hooks.example.invalid');
    expect(reply.body.inbox_identifier).toEqual(expect.any(String));
    expect(reply.body.hmac_token).toEqual(expect.any(String));
  });

  it('D-19 allow_messages_after_resolved defaults to true', async () => {
    const reply = await adminApi(server).post(path('/inboxes'), { name: 'Defaults', channel: { type: 'api' } });
    expect(reply.status).toBe(200);
    expect(reply.body.allow_messages_after_resolved).toBe(true);
  });

  it('D-20 an agent cannot update an inbox (401)', async () => {
    const inbox = await createInbox(server);
    const agent = await createAgent(server);
    await addInboxMember(server, inbox.id, agent.id);
    const reply = await client(server.url, agent.token).patch(path(`/inboxes/${inbox.id}`), { name: 'x' });
    expect(reply.status).toBe(401);
  });

  it('D-21 admin updates an inbox with PATCH and PUT; unknown is 404; invalid is 422', async () => {
    const inbox = await createInbox(server);
    const reply = await adminApi(server).patch(path(`/inboxes/${inbox.id}`), { enable_auto_assignment: false, name: 'Renamed' });
    expect(reply.status).toBe(200);
    expect(reply.body.enable_auto_assignment).toBe(false);
    expect(reply.body.name).toBe('Renamed');
    const wrapped = await put(server.adminToken, path(`/inboxes/${inbox.id}`), { inbox: { greeting_message: 'Hi' } });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body.greeting_message).toBe('Hi');
    expect(wrapped.body.name).toBe('Renamed');
    const nulled = await adminApi(server).patch(path(`/inboxes/${inbox.id}`), { greeting_message: 'null' });
    expect(nulled.body.greeting_message).toBeNull();
    expect((await adminApi(server).patch(path(`/inboxes/${foreign.inbox.id}`), { name: 'x' })).status).toBe(404);
    const invalid = await adminApi(server).patch(path(`/inboxes/${inbox.id}`), { timezone: 'Mars/Base' });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toHaveProperty('message');
  });

  it('D-22 API inbox channel webhook_url is updated without URL validation; unknown channel keys ignored', async () => {
    const inbox = await createInbox(server);
    const reply = await adminApi(server).patch(path(`/inboxes/${inbox.id}`), {
      enable_auto_assignment: false,
      channel: { webhook_url: 'webhook.test', selected_feature_flags: [] },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.enable_auto_assignment).toBe(false);
    expect(reply.body.webhook_url).toBe('webhook.test');
  });

  it('D-25 working_hours updates the weekly schedule', async () => {
    const inbox = await createInbox(server);
    const reply = await adminApi(server).patch(path(`/inboxes/${inbox.id}`), {
      working_hours: [{ day_of_week: 0, closed_all_day: false, open_hour: 9, open_minutes: 0, close_hour: 17, close_minutes: 0 }],
    });
    expect(reply.status).toBe(200);
    const sunday = reply.body.working_hours.find((d: { day_of_week: number }) => d.day_of_week === 0);
    expect(sunday.open_hour).toBe(9);
    expect(sunday.closed_all_day).toBe(false);
    expect(reply.body.working_hours).toHaveLength(7);
  });

  it('D-26 allow_messages_after_resolved false persists', async () => {
    const inbox = await createInbox(server);
    const reply = await adminApi(server).patch(path(`/inboxes/${inbox.id}`), { allow_messages_after_resolved: false });
    expect(reply.status).toBe(200);
    expect((await adminApi(server).get(path(`/inboxes/${inbox.id}`))).body.allow_messages_after_resolved).toBe(false);
  });

  it('D-27 csat_config is stored and returned', async () => {
    const inbox = await createInbox(server);
    const csat = { display_type: 'emoji', message: 'How did we do?', survey_rules: { operator: 'contains', values: ['billing'] } };
    const reply = await adminApi(server).patch(path(`/inboxes/${inbox.id}`), { csat_survey_enabled: true, csat_config: csat });
    expect(reply.status).toBe(200);
    expect(reply.body.csat_config).toEqual(csat);
  });

  it('D-28 agent_bot is {} without a bot and names the connected bot', async () => {
    const inbox = await createInbox(server);
    const none = await adminApi(server).get(path(`/inboxes/${inbox.id}/agent_bot`));
    expect(none.status).toBe(200);
    expect(none.body).toEqual({});
    const bot = await server.app.database.prisma.agentBot.create({ data: { accountId: server.accountId, name: 'Helper bot' } });
    expect((await adminApi(server).post(path(`/inboxes/${inbox.id}/set_agent_bot`), { agent_bot: bot.id })).status).toBe(200);
    const some = await adminApi(server).get(path(`/inboxes/${inbox.id}/agent_bot`));
    expect(some.status).toBe(200);
    expect(some.body.agent_bot).toMatchObject({ id: bot.id, name: 'Helper bot', account_id: server.accountId, system_bot: false });
    expect((await adminApi(server).get(path(`/inboxes/${foreign.inbox.id}/agent_bot`))).status).toBe(404);
  });

  it('D-29 set_agent_bot attaches, 404s on an unknown bot, detaches with null, 401 for agents', async () => {
    const inbox = await createInbox(server);
    const prisma = server.app.database.prisma;
    const bot = await prisma.agentBot.create({ data: { accountId: server.accountId, name: 'Attach bot' } });
    const set = await adminApi(server).post(path(`/inboxes/${inbox.id}/set_agent_bot`), { agent_bot: bot.id });
    expect(set.status).toBe(200);
    expect(set.text).toBe('');
    expect((await prisma.agentBotInbox.findUnique({ where: { inboxId: inbox.id } }))?.agentBotId).toBe(bot.id);
    const unknown = await adminApi(server).post(path(`/inboxes/${inbox.id}/set_agent_bot`), { agent_bot: 0 });
    expect(unknown.status).toBe(404);
    const foreignBot = await adminApi(server).post(path(`/inboxes/${inbox.id}/set_agent_bot`), { agent_bot: foreign.bot.id });
    expect(foreignBot.status).toBe(404);
    const detach = await adminApi(server).post(path(`/inboxes/${inbox.id}/set_agent_bot`), { agent_bot: null });
    expect(detach.status).toBe(200);
    expect(await prisma.agentBotInbox.findUnique({ where: { inboxId: inbox.id } })).toBeNull();
    const agent = await createAgent(server);
    await addInboxMember(server, inbox.id, agent.id);
    const denied = await client(server.url, agent.token).post(path(`/inboxes/${inbox.id}/set_agent_bot`), { agent_bot: bot.id });
    expect(denied.status).toBe(401);
  });
});

describe('inbox members (CONFORMANCE §E)', () => {
  it('E-1 an agent without access gets 401 for the member list', async () => {
    const inbox = await createInbox(server);
    const agent = await createAgent(server);
    const reply = await client(server.url, agent.token).get(path(`/inbox_members/${inbox.id}`));
    expect(reply.status).toBe(401);
    expect((await adminApi(server).get(path(`/inbox_members/${foreign.inbox.id}`))).status).toBe(404);
  });

  it('E-2 a member agent lists the members in membership order', async () => {
    const inbox = await createInbox(server);
    const first = await createAgent(server);
    const second = await createAgent(server);
    await addInboxMember(server, inbox.id, first.id);
    await addInboxMember(server, inbox.id, second.id);
    const reply = await client(server.url, first.token).get(path(`/inbox_members/${inbox.id}`));
    expect(reply.status).toBe(200);
    expect(reply.body.payload.map((a: { id: number }) => a.id)).toEqual([first.id, second.id]);
  });

  it('E-3 an agent cannot add members (401)', async () => {
    const inbox = await createInbox(server);
    const agent = await createAgent(server);
    await addInboxMember(server, inbox.id, agent.id);
    const reply = await client(server.url, agent.token).post(path('/inbox_members'), { inbox_id: inbox.id, user_ids: [agent.id] });
    expect(reply.status).toBe(401);
  });

  it('E-4 admin adds members without duplicating existing ones', async () => {
    const inbox = await createInbox(server);
    const existing = await createAgent(server);
    const added = await createAgent(server);
    await addInboxMember(server, inbox.id, existing.id);
    const reply = await adminApi(server).post(path('/inbox_members'), { inbox_id: inbox.id, user_ids: [existing.id, added.id] });
    expect(reply.status).toBe(200);
    expect(reply.body.payload.map((a: { id: number }) => a.id)).toEqual([existing.id, added.id]);
    expect(await memberIds(inbox.id)).toEqual([existing.id, added.id]);
  });

  it('E-5 inbox_id null is 404', async () => {
    const agent = await createAgent(server);
    const reply = await adminApi(server).post(path('/inbox_members'), { inbox_id: null, user_ids: [agent.id] });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: 'Resource could not be found' });
  });

  it('E-6 an invalid user id is 422 User must exist', async () => {
    const inbox = await createInbox(server);
    const reply = await adminApi(server).post(path('/inbox_members'), { inbox_id: inbox.id, user_ids: ['invalid'] });
    expect(reply.status).toBe(422);
    expect(reply.text).toContain('User must exist');
  });

  it('E-7 PATCH/PUT replaces the member set', async () => {
    const inbox = await createInbox(server);
    const keep = await createAgent(server);
    const drop = await createAgent(server);
    await addInboxMember(server, inbox.id, drop.id);
    const denied = await client(server.url, drop.token).patch(path('/inbox_members'), { inbox_id: inbox.id, user_ids: [drop.id] });
    expect(denied.status).toBe(401);
    const reply = await adminApi(server).patch(path('/inbox_members'), { inbox_id: inbox.id, user_ids: [keep.id] });
    expect(reply.status).toBe(200);
    expect(reply.body.payload.map((a: { id: number }) => a.id)).toEqual([keep.id]);
    expect(await memberIds(inbox.id)).toEqual([keep.id]);
    const viaPut = await put(server.adminToken, path('/inbox_members'), { inbox_member: { inbox_id: inbox.id, user_ids: [drop.id] } });
    expect(viaPut.status).toBe(200);
    expect(await memberIds(inbox.id)).toEqual([drop.id]);
    expect((await adminApi(server).patch(path('/inbox_members'), { inbox_id: null, user_ids: [keep.id] })).status).toBe(404);
    const invalid = await adminApi(server).patch(path('/inbox_members'), { inbox_id: inbox.id, user_ids: ['invalid'] });
    expect(invalid.status).toBe(422);
    expect(invalid.text).toContain('User must exist');
    expect(await memberIds(inbox.id)).toEqual([drop.id]);
  });

  it('E-8 DELETE removes listed members and ignores unknown ids', async () => {
    const inbox = await createInbox(server);
    const one = await createAgent(server);
    const two = await createAgent(server);
    const outsider = await createAgent(server);
    await addInboxMember(server, inbox.id, one.id);
    await addInboxMember(server, inbox.id, two.id);
    const denied = await del(one.token, path('/inbox_members'), { inbox_id: inbox.id, user_ids: [two.id] });
    expect(denied.status).toBe(401);
    const reply = await del(server.adminToken, path('/inbox_members'), { inbox_id: inbox.id, user_ids: [one.id] });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    expect(await memberIds(inbox.id)).toEqual([two.id]);
    expect((await del(server.adminToken, path('/inbox_members'), { inbox_id: null, user_ids: [two.id] })).status).toBe(404);
    expect((await del(server.adminToken, path('/inbox_members'), { inbox_id: inbox.id, user_ids: ['invalid'] })).status).toBe(200);
    expect((await del(server.adminToken, path('/inbox_members'), { inbox_id: inbox.id, user_ids: [outsider.id] })).status).toBe(200);
    expect(await memberIds(inbox.id)).toEqual([two.id]);
  });
});

describe('inbox parameters and other accounts (spec/API.md §3.1–3.2)', () => {
  it('answers wrong-typed working_hours and a closing time before opening with 422', async () => {
    const inbox = await createInbox(server);
    const notArray = await adminApi(server).patch(path(`/inboxes/${inbox.id}`), { working_hours: 'always' });
    expect(notArray.status).toBe(422);
    const backwards = await adminApi(server).patch(path(`/inboxes/${inbox.id}`), {
      working_hours: [{ day_of_week: 1, open_hour: 17, open_minutes: 0, close_hour: 9, close_minutes: 0 }],
    });
    expect(backwards.status).toBe(422);
    expect(backwards.text).toContain('Closing time cannot be before opening time');
  });

  it('answers member changes on another account’s inbox with 404 and another account’s user with 422', async () => {
    const inbox = await createInbox(server);
    const agent = await createAgent(server);
    for (const reply of [
      await adminApi(server).post(path('/inbox_members'), { inbox_id: foreign.inbox.id, user_ids: [agent.id] }),
      await adminApi(server).patch(path('/inbox_members'), { inbox_id: foreign.inbox.id, user_ids: [agent.id] }),
      await del(server.adminToken, path('/inbox_members'), { inbox_id: foreign.inbox.id, user_ids: [agent.id] }),
      await adminApi(server).post(path(`/inboxes/${foreign.inbox.id}/set_agent_bot`), { agent_bot: null }),
    ]) {
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ error: 'Resource could not be found' });
    }
    const stranger = await adminApi(server).post(path('/inbox_members'), { inbox_id: inbox.id, user_ids: [foreign.admin.id] });
    expect(stranger.status).toBe(422);
    expect(stranger.text).toContain('User must exist');
    expect(await memberIds(foreign.inbox.id)).toEqual([]);
  });
});
