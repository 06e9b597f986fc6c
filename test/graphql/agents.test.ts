/**
 * Agents and agent bots over GraphQL (spec/API.md §3.3, §1.2): the agent
 * list ordered by lower(name), each mutation's success and failures (typed
 * errors with nothing changed), and what removing an agent takes with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountAgentsDocument,
  AddInboxMembersDocument,
  CreateAgentDocument,
  RemoveAgentDocument,
  UpdateAgentDocument,
} from '../generated/graphql.ts';
import { globalId, graphql, success } from '../support/graphql.ts';
import { client } from '../support/http.ts';
import { accountPath, adminApi, createAgent, createInbox, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let account: string;
let agent: Awaited<ReturnType<typeof createAgent>>;
let bot: { id: number; token: string };
let counter = 0;

const db = () => server.app.database.prisma;
const BOT_REFUSAL = { __typename: 'ForbiddenError', code: 'FORBIDDEN', message: 'Access to this endpoint is not authorized for bots' };
const FORBIDDEN = { __typename: 'ForbiddenError', code: 'FORBIDDEN' };

beforeAll(async () => {
  server = await startServer();
  account = globalId('Account', server.accountId);
  agent = await createAgent(server);
  const created = await db().agentBot.create({ data: { accountId: server.accountId, name: 'Helper bot' } });
  bot = { id: created.id, token: `agent-bot-token-${created.id}-abcdefgh` };
  await db().accessToken.create({ data: { token: bot.token, agentBotId: bot.id } });
});
afterAll(async () => {
  await server?.stop();
});

const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;
const membership = (userId: number, accountId = server.accountId) =>
  db().accountUser.findUnique({ where: { accountId_userId: { accountId, userId } } });
const agentGid = async (userId: number, accountId = server.accountId) => globalId('Agent', (await membership(userId, accountId))!.id);

/** An account of its own with one administrator who has a token. */
async function seedLoneAccount() {
  const prisma = db();
  const other = await prisma.account.create({ data: { name: unique('Lone') } });
  const token = `${unique('lone-admin-token')}-abcdefgh`;
  const user = await prisma.user.create({
    data: {
      name: 'Lone admin',
      email: `${unique('lone')}@example.com`,
      pubsubToken: unique('pubsub'),
      accessToken: { create: { token } },
      accountUsers: { create: { accountId: other.id, role: 'administrator' } },
    },
  });
  return { account: other, user, token, gid: await agentGid(user.id, other.id) };
}

async function createAgentNamed(name: string, role: 'AGENT' | 'ADMINISTRATOR' = 'AGENT') {
  const reply = await graphql(server, server.adminToken, CreateAgentDocument, {
    input: { accountId: account, name, email: `${unique('mail')}@Example.com`, role },
  });
  return success(reply.data?.createAgent);
}

describe('Account.agents and agentBots', () => {
  it('lists the agents ordered by lower(name), with the inboxes the caller may see', async () => {
    const names = ['zed', 'Amy', 'bob'].map((n) => unique(n));
    const created = [];
    for (const name of names) created.push(await createAgentNamed(name));
    const [shared, hidden] = [await createInbox(server), await createInbox(server)];
    for (const inbox of [shared, hidden])
      await graphql(server, server.adminToken, AddInboxMembersDocument, {
        input: { inboxId: globalId('Inbox', inbox.id), agentIds: [created[0]!.id] },
      });
    await graphql(server, server.adminToken, AddInboxMembersDocument, {
      input: { inboxId: globalId('Inbox', shared.id), agentIds: [await agentGid(agent.id)] },
    });

    const all = success((await graphql(server, server.adminToken, AccountAgentsDocument, { id: account, first: 100 })).data?.account)
      .agents;
    expect(all.totalCount).toBe(await db().accountUser.count({ where: { accountId: server.accountId } }));
    const lower = all.edges.map((e) => e.node.name.toLowerCase());
    expect(lower).toEqual([...lower].sort());
    const mine = all.edges.filter((e) => names.includes(e.node.name)).map((e) => e.node.name);
    expect(mine).toEqual([names[1], names[2], names[0]]);
    const zed = all.edges.find((e) => e.node.name === names[0])!.node;
    expect(zed.inboxes.map((i) => i.databaseId).sort()).toEqual([shared.id, hidden.id].sort());

    const asAgent = success((await graphql(server, agent.token, AccountAgentsDocument, { id: account, first: 100 })).data?.account);
    expect(asAgent.agents.edges.find((e) => e.node.name === names[0])!.node.inboxes).toEqual([{ databaseId: shared.id }]);

    const page = success((await graphql(server, server.adminToken, AccountAgentsDocument, { id: account, first: 2 })).data?.account)
      .agents;
    expect(page.edges).toHaveLength(2);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = success(
      (await graphql(server, server.adminToken, AccountAgentsDocument, { id: account, first: 2, after: page.pageInfo.endCursor })).data
        ?.account,
    ).agents;
    expect(next.edges[0]?.node.id).toBe(all.edges[2]?.node.id);
  });

  it('lists the account\'s bots and the global bots connected to its inboxes', async () => {
    const prisma = db();
    const connected = await prisma.agentBot.create({ data: { name: unique('Global connected') } });
    const unconnected = await prisma.agentBot.create({ data: { name: unique('Global elsewhere') } });
    const { id: inboxId } = await createInbox(server);
    await prisma.agentBotInbox.create({ data: { inboxId, agentBotId: connected.id, accountId: server.accountId } });
    const foreignAccount = await prisma.account.create({ data: { name: 'Foreign' } });
    const foreign = await prisma.agentBot.create({ data: { accountId: foreignAccount.id, name: 'Foreign bot' } });
    const bots = success((await graphql(server, agent.token, AccountAgentsDocument, { id: account, first: 1 })).data?.account).agentBots;
    const ids = bots.map((b) => b.databaseId);
    expect(ids).toEqual(expect.arrayContaining([bot.id, connected.id]));
    expect(ids).not.toContain(unconnected.id);
    expect(ids).not.toContain(foreign.id);
    expect(bots.find((b) => b.databaseId === connected.id)?.systemBot).toBe(true);
  });
});

describe('createAgent', () => {
  it('adds an agent, and links an existing user by email', async () => {
    const created = await createAgentNamed('Casey', 'ADMINISTRATOR');
    expect(created).toMatchObject({ name: 'Casey', role: 'ADMINISTRATOR', availability: 'OFFLINE', autoOffline: false });
    expect(created.email).toMatch(/@example\.com$/);
    const lone = await seedLoneAccount();
    const linked = await graphql(server, server.adminToken, CreateAgentDocument, {
      input: { accountId: account, name: 'Ignored', email: lone.user.email.toUpperCase() },
    });
    expect(success(linked.data?.createAgent)).toMatchObject({ userDatabaseId: lone.user.id, name: 'Lone admin', role: 'AGENT' });
  });

  it('answers bad input with field paths and refuses agents and bots, creating nothing', async () => {
    const before = await db().accountUser.count();
    const invalid = await graphql(server, server.adminToken, CreateAgentDocument, {
      input: { accountId: account, name: '', email: 'not-an-email' },
    });
    expect(invalid.data?.createAgent).toMatchObject({ __typename: 'ValidationError' });
    expect(invalid.data?.createAgent.__typename === 'ValidationError' && invalid.data.createAgent.problems).toEqual(
      expect.arrayContaining([
        { path: ['name'], message: "Name can't be blank" },
        { path: ['email'], message: 'Email is invalid' },
      ]),
    );
    const unknownRole = await graphql(server, server.adminToken, CreateAgentDocument, {
      input: { accountId: account, name: 'Boss', email: `${unique('boss')}@example.com`, role: 'BOSS' as never },
    });
    expect(unknownRole.data).toBeUndefined();
    expect(unknownRole.errors?.[0]?.message).toMatch(/Value "BOSS" does not exist in "AgentRole" enum/);
    const input = { accountId: account, name: 'Nope', email: `${unique('nope')}@example.com` };
    expect((await graphql(server, agent.token, CreateAgentDocument, { input })).data?.createAgent).toMatchObject(FORBIDDEN);
    expect((await graphql(server, bot.token, CreateAgentDocument, { input })).data?.createAgent).toMatchObject(BOT_REFUSAL);
    expect(await db().accountUser.count()).toBe(before);
    expect(await db().user.findUnique({ where: { email: input.email } })).toBeNull();
  });
});

describe('updateAgent', () => {
  it('changes name, role, availability and auto-offline, as REST then shows them', async () => {
    const target = await createAgent(server);
    const { id: inboxId } = await createInbox(server);
    await graphql(server, server.adminToken, AddInboxMembersDocument, {
      input: { inboxId: globalId('Inbox', inboxId), agentIds: [await agentGid(target.id)] },
    });
    const reply = await graphql(server, server.adminToken, UpdateAgentDocument, {
      input: { id: await agentGid(target.id), name: 'Renamed', role: 'ADMINISTRATOR', availability: 'BUSY', autoOffline: true },
    });
    expect(success(reply.data?.updateAgent)).toMatchObject({
      userDatabaseId: target.id,
      name: 'Renamed',
      role: 'ADMINISTRATOR',
      availability: 'BUSY',
      autoOffline: true,
    });
    const rest = await adminApi(server).get(accountPath(server, `/inbox_members/${inboxId}`));
    expect(rest.body.payload[0]).toMatchObject({ id: target.id, name: 'Renamed', role: 'administrator', availability_status: 'busy' });
    const event = await db().event.findFirstOrThrow({ where: { name: 'agent.updated' }, orderBy: { id: 'desc' } });
    expect(event.data).toMatchObject({ userId: target.id });
  });

  it('answers bad input, other accounts and malformed ids with typed errors, changing nothing', async () => {
    const target = await createAgent(server);
    const gid = await agentGid(target.id);
    const before = await membership(target.id);
    const invalid = await graphql(server, server.adminToken, UpdateAgentDocument, { input: { id: gid, name: '' } });
    expect(invalid.data?.updateAgent).toMatchObject({
      __typename: 'ValidationError',
      problems: [
        { path: ['name'], message: "Name can't be blank" },
      ],
    });
    const lone = await seedLoneAccount();
    const foreign = await graphql(server, server.adminToken, UpdateAgentDocument, { input: { id: lone.gid, name: 'Taken over' } });
    expect(foreign.data?.updateAgent).toMatchObject({ __typename: 'NotFoundError', message: 'Agent not found' });
    const malformed = await graphql(server, server.adminToken, UpdateAgentDocument, { input: { id: globalId('Inbox', 1) } });
    expect(malformed.data?.updateAgent).toMatchObject({ __typename: 'ValidationError', problems: [{ path: ['id'] }] });
    expect((await graphql(server, agent.token, UpdateAgentDocument, { input: { id: gid, role: 'ADMINISTRATOR' } })).data?.updateAgent).toMatchObject(
      FORBIDDEN,
    );
    expect((await graphql(server, bot.token, UpdateAgentDocument, { input: { id: gid, name: 'x' } })).data?.updateAgent).toMatchObject(
      BOT_REFUSAL,
    );
    expect(await membership(target.id)).toEqual(before);
    expect((await db().user.findUniqueOrThrow({ where: { id: target.id } })).name).toBe('Agent');
    expect((await db().user.findUniqueOrThrow({ where: { id: lone.user.id } })).name).toBe('Lone admin');
  });
});

describe('removeAgent', () => {
  it('removes the agent with their memberships and assignments; a user without accounts is deleted', async () => {
    const target = await createAgent(server);
    const gid = await agentGid(target.id);
    const { inbox, conversation } = await seedConversation(server);
    await graphql(server, server.adminToken, AddInboxMembersDocument, {
      input: { inboxId: globalId('Inbox', inbox.id), agentIds: [gid] },
    });
    await db().conversation.update({ where: { uuid: conversation.uuid }, data: { assigneeId: target.id } });

    const reply = await graphql(server, server.adminToken, RemoveAgentDocument, { input: { id: gid } });
    expect(success(reply.data?.removeAgent)).toBe(gid);
    expect(await membership(target.id)).toBeNull();
    expect(await db().inboxMember.count({ where: { userId: target.id } })).toBe(0);
    expect(await db().user.findUnique({ where: { id: target.id } })).toBeNull();
    expect((await db().conversation.findUniqueOrThrow({ where: { uuid: conversation.uuid } })).assigneeId).toBeNull();
    const members = await adminApi(server).get(accountPath(server, `/inbox_members/${inbox.id}`));
    expect(members.body.payload).toEqual([]);
    expect((await client(server.url, target.token).get(accountPath(server, '/inboxes/1'))).status).toBe(401);
    const event = await db().event.findFirstOrThrow({ where: { name: 'agent.removed' }, orderBy: { id: 'desc' } });
    expect(event.data).toMatchObject({ userId: target.id });
  });

  it('keeps a user who belongs to another account', async () => {
    const lone = await seedLoneAccount();
    await db().accountUser.create({ data: { accountId: server.accountId, userId: lone.user.id } });
    const reply = await graphql(server, server.adminToken, RemoveAgentDocument, { input: { id: await agentGid(lone.user.id) } });
    success(reply.data?.removeAgent);
    expect(await membership(lone.user.id)).toBeNull();
    expect(await membership(lone.user.id, lone.account.id)).not.toBeNull();
  });

  it('refuses the last administrator removing themselves, but not one of two', async () => {
    const lone = await seedLoneAccount();
    const refused = await graphql(server, lone.token, RemoveAgentDocument, { input: { id: lone.gid } });
    expect(refused.data?.removeAgent).toMatchObject({
      __typename: 'ValidationError',
      message: 'The last administrator of an account cannot be removed',
    });
    expect(await membership(lone.user.id, lone.account.id)).not.toBeNull();
    const second = await db().user.create({
      data: { name: 'Second', email: `${unique('second')}@example.com`, pubsubToken: unique('ps') },
    });
    await db().accountUser.create({ data: { accountId: lone.account.id, userId: second.id, role: 'administrator' } });
    success((await graphql(server, lone.token, RemoveAgentDocument, { input: { id: lone.gid } })).data?.removeAgent);
    expect(await db().user.findUnique({ where: { id: lone.user.id } })).toBeNull();
  });

  it('refuses agents and bots, and answers other accounts\' agents with NotFoundError', async () => {
    const target = await createAgent(server);
    const gid = await agentGid(target.id);
    expect((await graphql(server, agent.token, RemoveAgentDocument, { input: { id: gid } })).data?.removeAgent).toMatchObject(FORBIDDEN);
    expect((await graphql(server, bot.token, RemoveAgentDocument, { input: { id: gid } })).data?.removeAgent).toMatchObject(BOT_REFUSAL);
    expect(await membership(target.id)).not.toBeNull();
    const lone = await seedLoneAccount();
    const foreign = await graphql(server, server.adminToken, RemoveAgentDocument, { input: { id: lone.gid } });
    expect(foreign.data?.removeAgent).toMatchObject({ __typename: 'NotFoundError' });
    expect(await membership(lone.user.id, lone.account.id)).not.toBeNull();
    const malformed = await graphql(server, server.adminToken, RemoveAgentDocument, { input: { id: 'zzz' } });
    expect(malformed.data?.removeAgent).toMatchObject({ __typename: 'ValidationError' });
  });
});
