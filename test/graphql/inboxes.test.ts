/**
 * Inboxes, inbox members and agent bots over GraphQL (spec/API.md §3.1,
 * §3.2, §1.2): each mutation's success and failures (typed errors with
 * nothing changed), what agents and contacts may see, and that changes made
 * here are what REST shows.
 *
 * Decisions: `hmacToken` and `webhookSecret` resolve to null for anyone but
 * an administrator of the account (REST omits `hmac_token` the same way);
 * settings are staff-only fields, so a contact asking for one gets an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountInboxesDocument,
  AddInboxMembersDocument,
  CreateInboxDocument,
  DeleteInboxDocument,
  InboxNodeDocument,
  InboxPublicFaceDocument,
  InboxStaffSettingsDocument,
  RemoveInboxMembersDocument,
  SetInboxAgentBotDocument,
  SetInboxMembersDocument,
  UpdateInboxDocument,
} from '../generated/graphql.ts';
import { contactCaller, globalId, graphql, success } from '../support/graphql.ts';
import { client } from '../support/http.ts';
import { accountPath, adminApi, createAgent, createInbox, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';
import { InboxService } from '../../src/domain/inboxes/service.ts';
import { Outbox } from '../../src/events/outbox.ts';

let server: TestServer;
let account: string;
let agent: Awaited<ReturnType<typeof createAgent>>;
let other: Awaited<ReturnType<typeof seedOtherAccount>>;
let bot: { id: number; token: string };
let counter = 0;

const db = () => server.app.database.prisma;
const BOT_REFUSAL = { __typename: 'ForbiddenError', code: 'FORBIDDEN', message: 'Access to this endpoint is not authorized for bots' };
const FORBIDDEN = { __typename: 'ForbiddenError', code: 'FORBIDDEN' };

beforeAll(async () => {
  // Statement counts measure execution, so the read cache (which would answer repeats with none) is off.
  server = await startServer({ SNYPTO_READ_CACHE_ENTRIES: '0' });
  account = globalId('Account', server.accountId);
  agent = await createAgent(server);
  other = await seedOtherAccount();
  const created = await db().agentBot.create({ data: { accountId: server.accountId, name: 'Helper bot' } });
  bot = { id: created.id, token: `inbox-bot-token-${created.id}-abcdefgh` };
  await db().accessToken.create({ data: { token: bot.token, agentBotId: bot.id } });
});
afterAll(async () => {
  await server?.stop();
});

/** Another tenant, with its inbox, an agent (its administrator) and a bot. */
async function seedOtherAccount() {
  const tenant = await seedForeignTenant(server);
  return { inbox: tenant.inbox, agentGid: globalId('Agent', tenant.agent.id), bot: tenant.bot };
}

const inboxGid = (id: number) => globalId('Inbox', id);
const agentGid = async (userId: number) =>
  globalId(
    'Agent',
    (await db().accountUser.findUniqueOrThrow({ where: { accountId_userId: { accountId: server.accountId, userId } } })).id,
  );
const adminUserId = async () => (await db().accessToken.findUniqueOrThrow({ where: { token: server.adminToken } })).userId!;
const inboxRow = (id: number) => db().inbox.findUnique({ where: { id }, include: { channel: true, members: true } });
const restInbox = (id: number, token = server.adminToken) =>
  client(server.url, token).get(accountPath(server, `/inboxes/${id}`));

describe('createInbox', () => {
  it('creates an API inbox with the given settings and fresh secrets', async () => {
    const reply = await graphql(server, server.adminToken, CreateInboxDocument, {
      input: {
        accountId: account,
        name: 'Support',
        webhookUrl: 'https://hooks.example.invalid/hook',
        greetingEnabled: true,
        greetingMessage: 'Hi!',
        senderNameType: 'PROFESSIONAL',
        businessName: 'Acme',
        timezone: 'Europe/Berlin',
      },
    });
    const inbox = success(reply.data?.createInbox);
    expect(inbox).toMatchObject({
      name: 'Support',
      channelType: 'Channel::Api',
      webhookUrl: 'https://hooks.example.invalid/hook',
      hmacMandatory: false,
      greetingEnabled: true,
      greetingMessage: 'Hi!',
      senderNameType: 'PROFESSIONAL',
      businessName: 'Acme',
      timezone: 'Europe/Berlin',
      allowMessagesAfterResolved: true,
      lockToSingleConversation: false,
    });
    expect(inbox.inboxIdentifier).toMatch(/^[1-9A-HJ-NP-Za-km-z]{24}$/);
    expect(inbox.hmacToken).toMatch(/^[1-9A-HJ-NP-Za-km-z]{24}$/);
    expect(inbox.webhookSecret).toMatch(/^whsec_/);
    expect(inbox.workingHours).toHaveLength(7);
    expect(inbox.workingHours[1]).toMatchObject({ dayOfWeek: 1, openHour: 9, closeHour: 17, closedAllDay: false });
    const rest = await restInbox(inbox.databaseId);
    expect(rest.body).toMatchObject({ name: 'Support', business_name: 'Acme', inbox_identifier: inbox.inboxIdentifier });
  });

  it('answers validation problems with field paths and creates nothing', async () => {
    const before = await db().inbox.count();
    const reply = await graphql(server, server.adminToken, CreateInboxDocument, {
      input: { accountId: account, name: '', timezone: 'Mars/Olympus', webhookUrl: `https://x.example/${'a'.repeat(2050)}` },
    });
    expect(reply.data?.createInbox).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    const problems = reply.data?.createInbox.__typename === 'ValidationError' ? reply.data.createInbox.problems : [];
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: ['name'], message: "Name can't be blank" },
        { path: ['timezone'], message: 'Timezone is not included in the list' },
        { path: ['webhookUrl'], message: 'Webhook url is too long (maximum is 2048 characters)' },
      ]),
    );
    expect(await db().inbox.count()).toBe(before);
  });

  it('refuses agents, agent bots and other accounts', async () => {
    const before = await db().inbox.count();
    const asAgent = await graphql(server, agent.token, CreateInboxDocument, { input: { accountId: account, name: 'Nope' } });
    expect(asAgent.data?.createInbox).toMatchObject(FORBIDDEN);
    const asBot = await graphql(server, bot.token, CreateInboxDocument, { input: { accountId: account, name: 'Nope' } });
    expect(asBot.data?.createInbox).toMatchObject(BOT_REFUSAL);
    const elsewhere = await graphql(server, server.adminToken, CreateInboxDocument, {
      input: { accountId: globalId('Account', other.inbox.accountId), name: 'Nope' },
    });
    expect(elsewhere.data?.createInbox).toMatchObject({ __typename: 'NotFoundError', message: 'Account not found' });
    expect(await db().inbox.count()).toBe(before);
  });
});

describe('updateInbox', () => {
  it('changes attributes, channel settings and working hours, as REST then shows them', async () => {
    const { id } = await createInbox(server);
    const reply = await graphql(server, server.adminToken, UpdateInboxDocument, {
      input: {
        id: inboxGid(id),
        name: 'Renamed',
        webhookUrl: 'https://hooks.example.invalid/new-hook',
        hmacMandatory: true,
        additionalAttributes: { agent_reply_time_window: 24 },
        senderNameType: 'PROFESSIONAL',
        lockToSingleConversation: true,
        workingHoursEnabled: true,
        workingHours: [
          { dayOfWeek: 0, openHour: 10, openMinutes: 30, closeHour: 14, closeMinutes: 0 },
          { dayOfWeek: 1, openAllDay: true },
          { dayOfWeek: 5, closedAllDay: true },
        ],
      },
    });
    const inbox = success(reply.data?.updateInbox);
    expect(inbox).toMatchObject({
      name: 'Renamed',
      webhookUrl: 'https://hooks.example.invalid/new-hook',
      hmacMandatory: true,
      additionalAttributes: { agent_reply_time_window: 24 },
      senderNameType: 'PROFESSIONAL',
      lockToSingleConversation: true,
      workingHoursEnabled: true,
    });
    expect(inbox.workingHours.slice(0, 2)).toEqual([
      { dayOfWeek: 0, closedAllDay: false, openAllDay: false, openHour: 10, openMinutes: 30, closeHour: 14, closeMinutes: 0 },
      { dayOfWeek: 1, closedAllDay: false, openAllDay: true, openHour: 0, openMinutes: 0, closeHour: 23, closeMinutes: 59 },
    ]);
    expect(inbox.workingHours[2]).toMatchObject({ dayOfWeek: 2, openHour: 9, closeHour: 17 });
    expect(inbox.workingHours[5]).toMatchObject({ closedAllDay: true, openHour: null });

    const rest = await restInbox(id);
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({
      name: 'Renamed',
      webhook_url: 'https://hooks.example.invalid/new-hook',
      hmac_mandatory: true,
      additional_attributes: { agent_reply_time_window: 24 },
      sender_name_type: 'professional',
      lock_to_single_conversation: true,
      working_hours_enabled: true,
    });
    expect(rest.body.working_hours[0]).toMatchObject({ day_of_week: 0, open_hour: 10, open_minutes: 30, close_hour: 14 });
  });

  it('emits inbox.updated with the changed inbox columns in Chatwoot\'s shape', async () => {
    const { id, name } = await createInbox(server);
    const reply = await graphql(server, server.adminToken, UpdateInboxDocument, {
      input: { id: inboxGid(id), name: 'Events', webhookUrl: 'https://hooks.example.invalid/only-channel' },
    });
    success(reply.data?.updateInbox);
    const event = await db().event.findFirstOrThrow({ where: { name: 'inbox.updated' }, orderBy: { id: 'desc' } });
    const data = event.data as { inboxId: number; changedAttributes: Record<string, unknown>[] };
    expect(data.inboxId).toBe(id);
    expect(data.changedAttributes.map((change) => Object.keys(change)[0])).toEqual(['name', 'updated_at']);
    expect(data.changedAttributes[0]).toEqual({ name: { previous_value: name, current_value: 'Events' } });
  });

  it('answers bad input with field paths and changes nothing', async () => {
    const { id } = await createInbox(server);
    const before = await inboxRow(id);
    const reply = await graphql(server, server.adminToken, UpdateInboxDocument, {
      input: {
        id: inboxGid(id),
        name: '',
        greetingMessage: 'x'.repeat(10_001),
        workingHours: [{ dayOfWeek: 2, openHour: 18, openMinutes: 0, closeHour: 9, closeMinutes: 0 }],
      },
    });
    const result = reply.data?.updateInbox;
    expect(result?.__typename).toBe('ValidationError');
    expect(result?.__typename === 'ValidationError' && result.problems).toEqual(
      expect.arrayContaining([
        { path: ['name'], message: "Name can't be blank" },
        { path: ['greetingMessage'], message: 'Greeting message is too long (maximum is 10000 characters)' },
        { path: ['workingHours', '0', 'closeHour'], message: 'Close hour Closing time cannot be before opening time' },
      ]),
    );
    expect(await inboxRow(id)).toEqual(before);
  });

  it('refuses agents (even members) and bots, and hides other accounts\' inboxes', async () => {
    const { id } = await createInbox(server);
    await graphql(server, server.adminToken, AddInboxMembersDocument, {
      input: { inboxId: inboxGid(id), agentIds: [await agentGid(agent.id)] },
    });
    const before = await inboxRow(id);
    const asAgent = await graphql(server, agent.token, UpdateInboxDocument, { input: { id: inboxGid(id), name: 'Mine' } });
    expect(asAgent.data?.updateInbox).toMatchObject(FORBIDDEN);
    const asBot = await graphql(server, bot.token, UpdateInboxDocument, { input: { id: inboxGid(id), name: 'Mine' } });
    expect(asBot.data?.updateInbox).toMatchObject(BOT_REFUSAL);
    expect(await inboxRow(id)).toEqual(before);

    const elsewhere = await graphql(server, server.adminToken, UpdateInboxDocument, {
      input: { id: inboxGid(other.inbox.id), name: 'Mine' },
    });
    expect(elsewhere.data?.updateInbox).toMatchObject({ __typename: 'NotFoundError', message: 'Inbox not found' });
    expect((await inboxRow(other.inbox.id))?.name).toBe(other.inbox.name);
    const malformed = await graphql(server, server.adminToken, UpdateInboxDocument, { input: { id: 'nonsense', name: 'x' } });
    expect(malformed.data?.updateInbox).toMatchObject({
      __typename: 'ValidationError',
      problems: [{ path: ['id'], message: 'id is not a valid Inbox id' }],
    });
    const wrongType = await graphql(server, server.adminToken, UpdateInboxDocument, {
      input: { id: globalId('Contact', id), name: 'x' },
    });
    expect(wrongType.data?.updateInbox).toMatchObject({ __typename: 'ValidationError' });
  });
});

describe('deleteInbox', () => {
  it('deletes the inbox with its conversations at once and returns its id', async () => {
    const { inbox, conversation } = await seedConversation(server);
    const reply = await graphql(server, server.adminToken, DeleteInboxDocument, { input: { id: inboxGid(inbox.id) } });
    expect(success(reply.data?.deleteInbox)).toBe(inboxGid(inbox.id));
    expect(await inboxRow(inbox.id)).toBeNull();
    expect(await db().conversation.findUnique({ where: { uuid: conversation.uuid } })).toBeNull();
    expect((await restInbox(inbox.id)).status).toBe(404);
    const event = await db().event.findFirstOrThrow({ where: { name: 'inbox.deleted' }, orderBy: { id: 'desc' } });
    expect(event.data).toMatchObject({ inboxId: inbox.id });
  });

  it('refuses agents and bots, and answers unknown or foreign inboxes with NotFoundError', async () => {
    const { id } = await createInbox(server);
    expect((await graphql(server, agent.token, DeleteInboxDocument, { input: { id: inboxGid(id) } })).data?.deleteInbox).toMatchObject(
      FORBIDDEN,
    );
    expect((await graphql(server, bot.token, DeleteInboxDocument, { input: { id: inboxGid(id) } })).data?.deleteInbox).toMatchObject(
      BOT_REFUSAL,
    );
    expect(await inboxRow(id)).not.toBeNull();
    for (const missing of [other.inbox.id, 987_654]) {
      const reply = await graphql(server, server.adminToken, DeleteInboxDocument, { input: { id: inboxGid(missing) } });
      expect(reply.data?.deleteInbox).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    }
    expect(await inboxRow(other.inbox.id)).not.toBeNull();
  });
});

describe('inbox members', () => {
  it('sets, adds and removes members, as REST then shows them', async () => {
    const { id } = await createInbox(server);
    const second = await createAgent(server);
    const [first, next] = [await agentGid(agent.id), await agentGid(second.id)];
    const set = success(
      (await graphql(server, server.adminToken, SetInboxMembersDocument, { input: { inboxId: inboxGid(id), agentIds: [first, next] }, first: 1 }))
        .data?.setInboxMembers,
    );
    expect(set.members.totalCount).toBe(2);
    expect(set.members.pageInfo.hasNextPage).toBe(true);
    expect(set.members.edges.map((e) => e.node.userDatabaseId)).toEqual([agent.id]);
    const members = await adminApi(server).get(accountPath(server, `/inbox_members/${id}`));
    expect(members.body.payload.map((a: { id: number }) => a.id)).toEqual([agent.id, second.id]);
    expect((await restInbox(id, agent.token)).status).toBe(200);

    const replaced = success(
      (await graphql(server, server.adminToken, SetInboxMembersDocument, { input: { inboxId: inboxGid(id), agentIds: [next] } }))
        .data?.setInboxMembers,
    );
    expect(replaced.members.edges.map((e) => e.node.userDatabaseId)).toEqual([second.id]);
    expect((await restInbox(id, agent.token)).status).toBe(401);

    const added = success(
      (await graphql(server, server.adminToken, AddInboxMembersDocument, { input: { inboxId: inboxGid(id), agentIds: [first, next] } }))
        .data?.addInboxMembers,
    );
    expect(added.members.edges.map((e) => e.node.userDatabaseId)).toEqual([second.id, agent.id]);

    const removed = success(
      (
        await graphql(server, server.adminToken, RemoveInboxMembersDocument, {
          input: { inboxId: inboxGid(id), agentIds: [first, other.agentGid, globalId('Agent', 999_999)] },
        })
      ).data?.removeInboxMembers,
    );
    expect(removed.members).toMatchObject({ totalCount: 1, edges: [{ node: { userDatabaseId: second.id } }] });
    const emptied = success(
      (await graphql(server, server.adminToken, SetInboxMembersDocument, { input: { inboxId: inboxGid(id), agentIds: [] } }))
        .data?.setInboxMembers,
    );
    expect(emptied.members.totalCount).toBe(0);
    const changes = await db().event.count({ where: { name: 'inbox.members_changed', data: { path: ['inboxId'], equals: id } } });
    expect(changes).toBe(5);
  });

  it('refuses agents of another account ("User must exist") and malformed ids, changing nothing', async () => {
    const { id } = await createInbox(server);
    await graphql(server, server.adminToken, AddInboxMembersDocument, { input: { inboxId: inboxGid(id), agentIds: [await agentGid(agent.id)] } });
    const input = { inboxId: inboxGid(id), agentIds: [other.agentGid] };
    const userMustExist = { __typename: 'ValidationError', problems: [{ path: ['agentIds'], message: 'User must exist' }] };
    expect((await graphql(server, server.adminToken, SetInboxMembersDocument, { input })).data?.setInboxMembers).toMatchObject(userMustExist);
    expect((await graphql(server, server.adminToken, AddInboxMembersDocument, { input })).data?.addInboxMembers).toMatchObject(userMustExist);
    const malformed = await graphql(server, server.adminToken, SetInboxMembersDocument, {
      input: { inboxId: inboxGid(id), agentIds: ['garbage'] },
    });
    expect(malformed.data?.setInboxMembers).toMatchObject({ __typename: 'ValidationError', problems: [{ path: ['agentIds'] }] });
    expect((await inboxRow(id))?.members.map((m) => m.userId)).toEqual([agent.id]);
  });

  it('refuses agents and bots, and hides foreign inboxes', async () => {
    const { id } = await createInbox(server);
    const input = { inboxId: inboxGid(id), agentIds: [await agentGid(agent.id)] };
    expect((await graphql(server, agent.token, AddInboxMembersDocument, { input })).data?.addInboxMembers).toMatchObject(FORBIDDEN);
    expect((await graphql(server, bot.token, SetInboxMembersDocument, { input })).data?.setInboxMembers).toMatchObject(BOT_REFUSAL);
    expect((await graphql(server, agent.token, RemoveInboxMembersDocument, { input })).data?.removeInboxMembers).toMatchObject(FORBIDDEN);
    expect((await inboxRow(id))?.members).toEqual([]);
    const foreign = await graphql(server, server.adminToken, AddInboxMembersDocument, {
      input: { inboxId: inboxGid(other.inbox.id), agentIds: [] },
    });
    expect(foreign.data?.addInboxMembers).toMatchObject({ __typename: 'NotFoundError' });
  });
});

describe('assignable agents (service)', () => {
  it('are the inbox\'s members and every administrator, each once, for who may see the inbox', async () => {
    const inboxes = new InboxService(db(), new Outbox(server.app.database, { onListenerError: () => {} }));
    const { id } = await createInbox(server);
    const admin = await adminUserId();
    await graphql(server, server.adminToken, SetInboxMembersDocument, {
      input: { inboxId: inboxGid(id), agentIds: [await agentGid(agent.id), await agentGid(admin)] },
    });
    const asAdmin = { kind: 'user', accountId: server.accountId, userId: admin, role: 'administrator' } as const;
    const ids = (await inboxes.assignableAgents(asAdmin, id)).map((user) => user.id);
    expect(ids.slice(0, 2)).toEqual([agent.id, admin]);
    expect(new Set(ids).size).toBe(ids.length);
    const administrators = await db().accountUser.findMany({ where: { accountId: server.accountId, role: 'administrator' } });
    expect(ids.sort()).toEqual([...new Set([agent.id, ...administrators.map((a) => a.userId)])].sort());
    const outsider = await createAgent(server);
    await expect(
      inboxes.assignableAgents({ kind: 'user', accountId: server.accountId, userId: outsider.id, role: 'agent' }, id),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('setInboxAgentBot', () => {
  it('connects the account\'s bot or a global bot, and disconnects with null', async () => {
    const { id } = await createInbox(server);
    const own = await graphql(server, server.adminToken, SetInboxAgentBotDocument, {
      input: { inboxId: inboxGid(id), agentBotId: globalId('AgentBot', bot.id) },
    });
    expect(success(own.data?.setInboxAgentBot).agentBot).toMatchObject({ databaseId: bot.id, systemBot: false });
    const global = await db().agentBot.create({ data: { name: `Global ${++counter}` } });
    const replaced = await graphql(server, server.adminToken, SetInboxAgentBotDocument, {
      input: { inboxId: inboxGid(id), agentBotId: globalId('AgentBot', global.id) },
    });
    expect(success(replaced.data?.setInboxAgentBot).agentBot).toMatchObject({ databaseId: global.id, systemBot: true });
    expect(await db().agentBotInbox.count({ where: { inboxId: id } })).toBe(1);
    const none = await graphql(server, server.adminToken, SetInboxAgentBotDocument, { input: { inboxId: inboxGid(id), agentBotId: null } });
    expect(success(none.data?.setInboxAgentBot).agentBot).toBeNull();
    expect(await db().agentBotInbox.count({ where: { inboxId: id } })).toBe(0);
  });

  it('answers another account\'s bot with NotFoundError, and refuses agents and bots', async () => {
    const { id } = await createInbox(server);
    const foreign = await graphql(server, server.adminToken, SetInboxAgentBotDocument, {
      input: { inboxId: inboxGid(id), agentBotId: globalId('AgentBot', other.bot.id) },
    });
    expect(foreign.data?.setInboxAgentBot).toMatchObject({ __typename: 'NotFoundError', message: 'AgentBot not found' });
    const input = { inboxId: inboxGid(id), agentBotId: globalId('AgentBot', bot.id) };
    expect((await graphql(server, agent.token, SetInboxAgentBotDocument, { input })).data?.setInboxAgentBot).toMatchObject(FORBIDDEN);
    expect((await graphql(server, bot.token, SetInboxAgentBotDocument, { input })).data?.setInboxAgentBot).toMatchObject(BOT_REFUSAL);
    expect(await db().agentBotInbox.count({ where: { inboxId: id } })).toBe(0);
  });
});

describe('who sees which inbox', () => {
  it('lists an agent only their member inboxes, ordered by lower(name), without the HMAC token', async () => {
    const viewer = await createAgent(server);
    const names = ['beta', 'Alpha', 'gamma', 'Delta'].map((n) => `${n}-${++counter}`);
    const ids: number[] = [];
    for (const name of names) {
      const created = success(
        (await graphql(server, server.adminToken, CreateInboxDocument, { input: { accountId: account, name } })).data?.createInbox,
      );
      ids.push(created.databaseId);
    }
    const viewerGid = await agentGid(viewer.id);
    for (const id of ids.slice(0, 3))
      await graphql(server, server.adminToken, AddInboxMembersDocument, { input: { inboxId: inboxGid(id), agentIds: [viewerGid] } });

    const page = success((await graphql(server, viewer.token, AccountInboxesDocument, { id: account, first: 2 })).data?.account).inboxes;
    expect(page.totalCount).toBe(3);
    expect(page.edges.map((e) => e.node.name)).toEqual([names[1], names[0]]);
    expect(page.edges.every((e) => e.node.hmacToken === null)).toBe(true);
    const rest = success(
      (await graphql(server, viewer.token, AccountInboxesDocument, { id: account, first: 2, after: page.pageInfo.endCursor })).data?.account,
    ).inboxes;
    expect(rest.edges.map((e) => e.node.name)).toEqual([names[2]]);
    expect(rest.pageInfo.hasNextPage).toBe(false);

    const all = success((await graphql(server, server.adminToken, AccountInboxesDocument, { id: account, first: 100 })).data?.account).inboxes;
    const lower = all.edges.map((e) => e.node.name.toLowerCase());
    expect(lower).toEqual([...lower].sort());
    expect(all.edges.map((e) => e.node.databaseId)).toEqual(expect.arrayContaining(ids));
    expect(all.edges.find((e) => e.node.databaseId === ids[0])?.node.hmacToken).toMatch(/^[1-9A-HJ-NP-Za-km-z]{24}$/);
  });

  it('answers node(id) of an inbox the agent is not a member of with null and an error', async () => {
    const { id } = await createInbox(server);
    const reply = await graphql(server, agent.token, InboxNodeDocument, { id: inboxGid(id) });
    expect(reply.data?.node).toBeNull();
    expect(reply.errors?.length).toBeGreaterThan(0);
    const foreign = await graphql(server, server.adminToken, InboxNodeDocument, { id: inboxGid(other.inbox.id) });
    expect(foreign.data?.node).toBeNull();

    await graphql(server, server.adminToken, AddInboxMembersDocument, { input: { inboxId: inboxGid(id), agentIds: [await agentGid(agent.id)] } });
    const member = await graphql(server, agent.token, InboxNodeDocument, { id: inboxGid(id) });
    expect(member.errors).toBeUndefined();
    expect(member.data?.node).toMatchObject({ __typename: 'Inbox', databaseId: id, hmacToken: null });
    const admin = await graphql(server, server.adminToken, InboxNodeDocument, { id: inboxGid(id) });
    expect(admin.data?.node).toMatchObject({ hmacToken: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{24}$/) });
  });

  it('shows a contact only the public face of their own inbox', async () => {
    const { inbox, sourceId } = await seedConversation(server);
    const caller = contactCaller(inbox.inbox_identifier, sourceId);
    const face = await graphql(server, caller, InboxPublicFaceDocument, { id: inboxGid(inbox.id) });
    expect(face.errors).toBeUndefined();
    expect(face.data?.node).toEqual({
      __typename: 'Inbox',
      databaseId: inbox.id,
      name: inbox.name,
      avatarUrl: null,
      channelType: 'Channel::Api',
      inboxIdentifier: inbox.inbox_identifier,
      hmacToken: null,
    });
    const settings = await graphql(server, caller, InboxStaffSettingsDocument, { id: inboxGid(inbox.id) });
    expect(settings.data?.node ?? null).toBeNull();
    expect(settings.errors?.[0]).toMatchObject({ message: 'You are not authorized to do this action', extensions: { code: 'FORBIDDEN' } });
    const otherInbox = await createInbox(server);
    expect((await graphql(server, caller, InboxPublicFaceDocument, { id: inboxGid(otherInbox.id) })).data?.node).toBeNull();
  });

  it('loads a page of inboxes with members and bots in the same few statements, whatever its size', async () => {
    for (let i = 0; i < 6; i++) {
      const { id } = await createInbox(server);
      await graphql(server, server.adminToken, AddInboxMembersDocument, {
        input: { inboxId: inboxGid(id), agentIds: [await agentGid(agent.id), await agentGid(await adminUserId())] },
      });
    }
    const count = async (first: number) => {
      const statements: string[] = [];
      const stop = server.app.database.onStatement((sql) => {
        if (!sql.includes('webhook_deliveries')) statements.push(sql);
      });
      try {
        const reply = await graphql(server, server.adminToken, AccountInboxesDocument, { id: account, first });
        expect(reply.errors).toBeUndefined();
        expect(success(reply.data?.account).inboxes.edges).toHaveLength(first);
      } finally {
        stop();
      }
      return statements.length;
    };
    const [small, large] = [await count(2), await count(6)];
    expect(large).toBe(small);
  });
});
