/**
 * Conversations over GraphQL (spec/API.md §3.5, §1.2, §5.2; spec/EVENTS.md):
 * every mutation's success and failures (typed errors, nothing changed),
 * the filtered lists, and the conversation subscriptions live over graphql-ws.
 *
 * Access decisions: an agent who is not a member of the conversation's inbox
 * gets a ForbiddenError (Chatwoot answers 401 "not authorized", not 404);
 * objects of another account, unknown ids, are NotFoundError.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountConversationCountsDocument,
  AccountConversationDocument,
  AccountConversationsDocument,
  AssignConversationDocument,
  ContactConversationsDocument,
  ConversationCreatedDocument,
  ConversationTypingDocument,
  ConversationUpdatedDocument,
  CreateConversationDocument,
  MarkConversationSeenDocument,
  MarkConversationUnreadDocument,
  MuteConversationDocument,
  SessionConversationsDocument,
  SetConversationCustomAttributesDocument,
  SetConversationLabelsDocument,
  SetConversationTypingDocument,
  StartConversationDocument,
  ToggleConversationStatusDocument,
  UnmuteConversationDocument,
  UpdateConversationPriorityDocument,
} from '../generated/graphql.ts';
import { publicApi } from '../support/client-api.ts';
import { connectGraphqlWs, untilLive } from '../support/graphql-ws.ts';
import { contactCaller, globalId, graphql, success } from '../support/graphql.ts';
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

let server: TestServer;
let account: string;
let adminUserId: number;
let other: Awaited<ReturnType<typeof seedOtherAccount>>;
let bot: { id: number; token: string };

const db = () => server.app.database.prisma;

beforeAll(async () => {
  server = await startServer();
  account = globalId('Account', server.accountId);
  adminUserId = (await db().accessToken.findUniqueOrThrow({ where: { token: server.adminToken } })).userId!;
  other = await seedOtherAccount();
  bot = await seedBot(server.accountId);
});
afterAll(async () => {
  await server?.stop();
});

let counter = 0;

/** Another tenant with an inbox, contact, conversation, team and bot, written directly. */
async function seedOtherAccount() {
  const prisma = db();
  const otherAccount = await prisma.account.create({ data: { name: 'Other' } });
  const channel = await prisma.channelApi.create({
    data: { accountId: otherAccount.id, identifier: `other-${Date.now()}`, hmacToken: `h-${Date.now()}`, secret: 's' },
  });
  const inbox = await prisma.inbox.create({
    data: { accountId: otherAccount.id, channelId: channel.id, name: 'Other inbox', workingHours: [] },
  });
  const contact = await prisma.contact.create({ data: { accountId: otherAccount.id, name: 'Other contact' } });
  const contactInbox = await prisma.contactInbox.create({
    data: { accountId: otherAccount.id, contactId: contact.id, inboxId: inbox.id, sourceId: 'other-src', pubsubToken: `p-${Date.now()}` },
  });
  const conversation = await prisma.conversation.create({
    data: { accountId: otherAccount.id, displayId: 1, inboxId: inbox.id, contactId: contact.id, contactInboxId: contactInbox.id },
  });
  const team = await prisma.team.create({ data: { accountId: otherAccount.id, name: 'Other team' } });
  const otherBot = await prisma.agentBot.create({ data: { accountId: otherAccount.id, name: 'Other bot' } });
  return { inbox, contact, conversation, team, bot: otherBot };
}

async function seedBot(accountId: number) {
  const created = await db().agentBot.create({ data: { accountId, name: 'Helper bot' } });
  const token = `bot-token-${accountId}-${++counter}-abcdefghij`;
  await db().accessToken.create({ data: { token, agentBotId: created.id } });
  return { id: created.id, token };
}

async function seedTeam(memberUserIds: number[]) {
  return db().team.create({
    data: {
      accountId: server.accountId,
      name: `Team ${++counter}`,
      members: { create: memberUserIds.map((userId) => ({ userId })) },
    },
  });
}

/** A conversation of the main account by display id: its row and global id. */
async function conversationRow(displayId: number) {
  const row = await db().conversation.findUniqueOrThrow({
    where: { accountId_displayId: { accountId: server.accountId, displayId } },
    include: { contact: true },
  });
  return { row, gid: globalId('Conversation', row.id) };
}

const agentGid = async (userId: number, accountId = server.accountId) =>
  globalId('Agent', (await db().accountUser.findUniqueOrThrow({ where: { accountId_userId: { accountId, userId } } })).id);

async function seeded() {
  const seed = await seedConversation(server);
  const { row, gid } = await conversationRow(seed.conversation.id);
  return { ...seed, row, gid, displayId: seed.conversation.id };
}

/** Names of the events recorded after `sinceId` about this conversation. */
async function eventsSince(sinceId: bigint, conversationId: number) {
  const rows = await db().event.findMany({ where: { id: { gt: sinceId } }, orderBy: { id: 'asc' } });
  return rows.filter((r) => (r.data as { conversationId?: number }).conversationId === conversationId);
}
const lastEventId = async () => (await db().event.findFirst({ orderBy: { id: 'desc' } }))?.id ?? 0n;

const postMessage = (displayId: number, body: Record<string, unknown>) =>
  adminApi(server).post(accountPath(server, `/conversations/${displayId}/messages`), body);

describe('createConversation', () => {
  it('opens a conversation from inboxId + contactId with status, assignee, team, attributes and a first message', async () => {
    const inbox = await createInbox(server);
    const { contactId } = await createContactInInbox(server, inbox.id);
    const team = await seedTeam([adminUserId]);
    const reply = await graphql(server, server.adminToken, CreateConversationDocument, {
      input: {
        accountId: account,
        inboxId: globalId('Inbox', inbox.id),
        contactId: globalId('Contact', contactId),
        status: 'PENDING',
        assigneeId: await agentGid(adminUserId),
        teamId: globalId('Team', team.id),
        customAttributes: { plan: 'pro' },
        additionalAttributes: { source: 'gql' },
        messageContent: 'Hello from the agent',
      },
    });
    const data = success(reply.data?.createConversation);
    expect(data).toMatchObject({
      status: 'PENDING',
      customAttributes: { plan: 'pro' },
      additionalAttributes: { source: 'gql' },
      inbox: { databaseId: inbox.id },
      contact: { databaseId: contactId },
      team: { databaseId: team.id },
      assignee: { __typename: 'Agent', userDatabaseId: adminUserId },
      lastMessage: { content: 'Hello from the agent', messageType: 'OUTGOING' },
    });
    const events = await db().event.findMany({ where: { name: 'conversation.created' } });
    expect(events.some((e) => (e.data as { conversationId: number }).conversationId === Number(Buffer.from(data.id, 'base64').toString().split(':')[1]))).toBe(true);
  });

  it('finds the contact inbox by sourceId alone, and lets an agent bot create', async () => {
    const inbox = await createInbox(server);
    const { sourceId } = await createContactInInbox(server, inbox.id);
    const reply = await graphql(server, bot.token, CreateConversationDocument, { input: { accountId: account, sourceId } });
    expect(success(reply.data?.createConversation)).toMatchObject({ status: 'OPEN', inbox: { databaseId: inbox.id } });
  });

  it('refuses unknown, foreign and malformed ids, a missing contact, and agents without inbox access, creating nothing', async () => {
    const inbox = await createInbox(server);
    const { contactId } = await createContactInInbox(server, inbox.id);
    const agent = await createAgent(server);
    const before = await db().conversation.count();
    const base = { accountId: account, inboxId: globalId('Inbox', inbox.id), contactId: globalId('Contact', contactId) };
    const cases = [
      [server.adminToken, { ...base, inboxId: globalId('Inbox', other.inbox.id) }, 'NotFoundError', 'Inbox not found'],
      [server.adminToken, { ...base, contactId: globalId('Contact', other.contact.id) }, 'NotFoundError', 'Contact not found'],
      [server.adminToken, { ...base, teamId: globalId('Team', other.team.id) }, 'NotFoundError', 'Team not found'],
      [server.adminToken, { ...base, assigneeId: globalId('Agent', 999_999) }, 'NotFoundError', 'Agent not found'],
      [server.adminToken, { ...base, inboxId: 'not-an-id' }, 'ValidationError', 'inboxId is not a valid Inbox id'],
      [server.adminToken, { ...base, inboxId: globalId('Contact', contactId) }, 'ValidationError', 'inboxId is not a valid Inbox id'],
      [server.adminToken, { accountId: account, inboxId: base.inboxId }, 'ValidationError', 'Source id needs either source_id, or inbox_id and contact_id'],
      [server.adminToken, { ...base, accountId: globalId('Account', 424_242) }, 'NotFoundError', 'Account not found'],
      [agent.token, base, 'ForbiddenError', 'You are not authorized to do this action'],
    ] as const;
    for (const [token, input, typename, message] of cases) {
      const reply = await graphql(server, token, CreateConversationDocument, { input });
      expect(reply.data?.createConversation, JSON.stringify(input)).toMatchObject({ __typename: typename, message });
    }
    expect(await db().conversation.count()).toBe(before);
  });

  it('answers a wrong enum value with a GraphQL validation error and no stack trace', async () => {
    const reply = await graphql(server, server.adminToken, CreateConversationDocument, {
      input: { accountId: account, sourceId: 'x', status: 'BOGUS' as never },
    });
    expect(reply.data ?? null).toBeNull();
    expect(reply.errors?.[0]?.message).toContain('BOGUS');
    expect(JSON.stringify(reply)).not.toMatch(/stack|\.ts:\d+/);
  });
});

describe('startConversation (contact)', () => {
  it('opens a conversation in the contact\'s own session with custom attributes', async () => {
    const inbox = await createInbox(server);
    const { sourceId } = await createContactInInbox(server, inbox.id);
    const reply = await graphql(server, contactCaller(inbox.inbox_identifier, sourceId), StartConversationDocument, {
      input: { customAttributes: { order: 42 } },
    });
    expect(success(reply.data?.startConversation)).toMatchObject({ status: 'OPEN', customAttributes: { order: 42 } });
    const session = await db().contactInbox.findFirstOrThrow({ where: { sourceId, inboxId: inbox.id } });
    expect(await db().conversation.count({ where: { contactInboxId: session.id } })).toBe(1);
  });

  it('is for contacts only', async () => {
    const reply = await graphql(server, server.adminToken, StartConversationDocument, { input: {} });
    expect(reply.data?.startConversation).toMatchObject({ __typename: 'ForbiddenError' });
  });
});

describe('toggleConversationStatus', () => {
  it('toggles open → resolved → open, emitting status_changed and updated each time', async () => {
    const c = await seeded();
    const since = await lastEventId();
    const resolved = await graphql(server, server.adminToken, ToggleConversationStatusDocument, { input: { conversationId: c.gid } });
    expect(success(resolved.data?.toggleConversationStatus)).toMatchObject({ status: 'RESOLVED', assignee: null });
    const reopened = await graphql(server, server.adminToken, ToggleConversationStatusDocument, { input: { conversationId: c.gid } });
    expect(success(reopened.data?.toggleConversationStatus)).toMatchObject({ status: 'OPEN', assignee: null });
    const events = await eventsSince(since, c.row.id);
    expect(events.map((e) => e.name)).toEqual([
      'conversation.status_changed',
      'conversation.updated',
      'conversation.status_changed',
      'conversation.updated',
    ]);
    expect((events[1]!.data as { changedAttributes: unknown[] }).changedAttributes[0]).toEqual({
      status: { previous_value: 'open', current_value: 'resolved' },
    });
  });

  it('snoozes until a time, and clears it when reopened', async () => {
    const c = await seeded();
    const until = '2031-01-02T03:04:05.000Z';
    const snoozed = await graphql(server, server.adminToken, ToggleConversationStatusDocument, {
      input: { conversationId: c.gid, status: 'SNOOZED', snoozedUntil: until },
    });
    expect(success(snoozed.data?.toggleConversationStatus)).toMatchObject({ status: 'SNOOZED', snoozedUntil: until });
    const open = await graphql(server, server.adminToken, ToggleConversationStatusDocument, {
      input: { conversationId: c.gid, status: 'OPEN' },
    });
    expect(success(open.data?.toggleConversationStatus)).toMatchObject({ status: 'OPEN', snoozedUntil: null });
  });

  it('assigns a human agent who reopens an unassigned conversation, in a second update', async () => {
    const c = await seeded();
    const agent = await createAgent(server);
    await addInboxMember(server, c.inbox.id, agent.id);
    success((await graphql(server, server.adminToken, ToggleConversationStatusDocument, { input: { conversationId: c.gid } })).data?.toggleConversationStatus);
    const since = await lastEventId();
    const reply = await graphql(server, agent.token, ToggleConversationStatusDocument, { input: { conversationId: c.gid } });
    expect(success(reply.data?.toggleConversationStatus)).toMatchObject({
      status: 'OPEN',
      assignee: { __typename: 'Agent', userDatabaseId: agent.id },
    });
    expect((await eventsSince(since, c.row.id)).map((e) => e.name)).toEqual([
      'conversation.status_changed',
      'conversation.updated',
      'conversation.updated',
      'assignee.changed',
    ]);
  });

  it('lets an agent bot hand a pending conversation over (pending → open)', async () => {
    const c = await seeded();
    success(
      (await graphql(server, server.adminToken, ToggleConversationStatusDocument, { input: { conversationId: c.gid, status: 'PENDING' } }))
        .data?.toggleConversationStatus,
    );
    const reply = await graphql(server, bot.token, ToggleConversationStatusDocument, {
      input: { conversationId: c.gid, status: 'OPEN' },
    });
    expect(success(reply.data?.toggleConversationStatus)).toMatchObject({ status: 'OPEN', assignee: null });
  });

  it('refuses non-members, foreign and malformed ids, leaving the status alone', async () => {
    const c = await seeded();
    const outsider = await createAgent(server);
    const cases = [
      [outsider.token, c.gid, 'ForbiddenError'],
      [server.adminToken, globalId('Conversation', other.conversation.id), 'NotFoundError'],
      [server.adminToken, globalId('Conversation', 987_654), 'NotFoundError'],
      [server.adminToken, globalId('Inbox', c.row.id), 'ValidationError'],
      [server.adminToken, '%%%', 'ValidationError'],
    ] as const;
    for (const [token, conversationId, typename] of cases) {
      const reply = await graphql(server, token, ToggleConversationStatusDocument, { input: { conversationId } });
      expect(reply.data?.toggleConversationStatus).toMatchObject({ __typename: typename });
    }
    expect((await db().conversation.findUniqueOrThrow({ where: { id: c.row.id } })).status).toBe('open');
    expect((await db().conversation.findUniqueOrThrow({ where: { id: other.conversation.id } })).status).toBe('open');
  });
});

describe('updateConversationPriority', () => {
  it('sets and clears the priority (agent bots too), emitting conversation.updated only for a change', async () => {
    const c = await seeded();
    const since = await lastEventId();
    const high = await graphql(server, bot.token, UpdateConversationPriorityDocument, {
      input: { conversationId: c.gid, priority: 'HIGH' },
    });
    expect(success(high.data?.updateConversationPriority)).toMatchObject({ priority: 'HIGH' });
    await graphql(server, server.adminToken, UpdateConversationPriorityDocument, { input: { conversationId: c.gid, priority: 'HIGH' } });
    const cleared = await graphql(server, server.adminToken, UpdateConversationPriorityDocument, {
      input: { conversationId: c.gid, priority: null },
    });
    expect(success(cleared.data?.updateConversationPriority)).toMatchObject({ priority: null });
    const events = await eventsSince(since, c.row.id);
    expect(events.map((e) => e.name)).toEqual(['conversation.updated', 'conversation.updated']);
    expect((events[0]!.data as { changedAttributes: unknown[] }).changedAttributes[0]).toEqual({
      priority: { previous_value: null, current_value: 'high' },
    });
  });
});

describe('assignConversation', () => {
  it('assigns a member agent, a bot, a team (dropping a non-member assignee), and unassigns', async () => {
    const c = await seeded();
    const agent = await createAgent(server);
    await addInboxMember(server, c.inbox.id, agent.id);
    const since = await lastEventId();
    const assign = (input: Record<string, unknown>, token = server.adminToken) =>
      graphql(server, token, AssignConversationDocument, { input: { conversationId: c.gid, ...input } });

    const toAgent = await assign({ assigneeId: await agentGid(agent.id) }, bot.token);
    expect(success(toAgent.data?.assignConversation)).toMatchObject({ assignee: { __typename: 'Agent', userDatabaseId: agent.id } });
    expect((await eventsSince(since, c.row.id)).map((e) => e.name)).toEqual(['conversation.updated', 'assignee.changed']);

    const toBot = await assign({ agentBotId: globalId('AgentBot', bot.id) });
    expect(success(toBot.data?.assignConversation)).toMatchObject({ assignee: { __typename: 'AgentBot', databaseId: bot.id } });

    await assign({ assigneeId: await agentGid(agent.id) });
    const team = await seedTeam([adminUserId]);
    const toTeam = await assign({ teamId: globalId('Team', team.id) });
    expect(success(toTeam.data?.assignConversation)).toMatchObject({ team: { databaseId: team.id }, assignee: null });

    const unassigned = await assign({ assigneeId: null });
    expect(success(unassigned.data?.assignConversation)).toMatchObject({ assignee: null, team: { databaseId: team.id } });
    const noTeam = await assign({ teamId: null });
    expect(success(noTeam.data?.assignConversation)).toMatchObject({ team: null });
  });

  it('refuses an agent outside the inbox, foreign ids, and several targets at once, changing nothing', async () => {
    const c = await seeded();
    const outsider = await createAgent(server);
    const cases = [
      [{ assigneeId: await agentGid(outsider.id) }, 'ValidationError', 'Assignee is not a member of the inbox'],
      [{ assigneeId: globalId('Agent', 999_999) }, 'NotFoundError', 'Agent not found'],
      [{ agentBotId: globalId('AgentBot', other.bot.id) }, 'NotFoundError', 'AgentBot not found'],
      [{ teamId: globalId('Team', other.team.id) }, 'NotFoundError', 'Team not found'],
      [{ teamId: 'bad' }, 'ValidationError', 'teamId is not a valid Team id'],
      [{}, 'ValidationError', 'Assignee id needs exactly one of assignee_id, agent_bot_id or team_id'],
      [{ assigneeId: null, teamId: null }, 'ValidationError', 'Assignee id needs exactly one of assignee_id, agent_bot_id or team_id'],
    ] as const;
    for (const [input, typename, message] of cases) {
      const reply = await graphql(server, server.adminToken, AssignConversationDocument, { input: { conversationId: c.gid, ...input } });
      expect(reply.data?.assignConversation, JSON.stringify(input)).toMatchObject({ __typename: typename, message });
    }
    const row = await db().conversation.findUniqueOrThrow({ where: { id: c.row.id } });
    expect([row.assigneeId, row.assigneeAgentBotId, row.teamId]).toEqual([null, null, null]);
  });
});

describe('labels and custom attributes', () => {
  it('replaces the labels (trimmed, deduplicated) and refuses agent bots', async () => {
    const c = await seeded();
    const reply = await graphql(server, server.adminToken, SetConversationLabelsDocument, {
      input: { conversationId: c.gid, labels: [' billing ', 'vip', 'billing', ''] },
    });
    expect(success(reply.data?.setConversationLabels)).toMatchObject({ labels: ['billing', 'vip'] });
    const byBot = await graphql(server, bot.token, SetConversationLabelsDocument, { input: { conversationId: c.gid, labels: [] } });
    expect(byBot.data?.setConversationLabels).toMatchObject({
      __typename: 'ForbiddenError',
      message: 'Access to this endpoint is not authorized for bots',
    });
    expect((await db().conversation.findUniqueOrThrow({ where: { id: c.row.id } })).labels).toEqual(['billing', 'vip']);
  });

  it('replaces the custom attributes hash (agent bots allowed)', async () => {
    const c = await seeded();
    await graphql(server, server.adminToken, SetConversationCustomAttributesDocument, {
      input: { conversationId: c.gid, customAttributes: { a: 1, b: 2 } },
    });
    const reply = await graphql(server, bot.token, SetConversationCustomAttributesDocument, {
      input: { conversationId: c.gid, customAttributes: { c: 3 } },
    });
    expect(success(reply.data?.setConversationCustomAttributes)).toMatchObject({ customAttributes: { c: 3 } });
  });
});

describe('typing, read state, mute', () => {
  it('records typing for agents and contacts, never private for a contact, never for bots', async () => {
    const c = await seeded();
    const since = await lastEventId();
    const byAgent = await graphql(server, server.adminToken, SetConversationTypingDocument, {
      input: { conversationId: c.gid, typing: true, isPrivate: true },
    });
    expect(success(byAgent.data?.setConversationTyping)).toEqual({ displayId: c.displayId });
    const contact = contactCaller(c.inbox.inbox_identifier, c.sourceId);
    const byContact = await graphql(server, contact, SetConversationTypingDocument, { input: { conversationId: c.gid, typing: false } });
    expect(success(byContact.data?.setConversationTyping)).toEqual({ displayId: c.displayId });
    const privately = await graphql(server, contact, SetConversationTypingDocument, {
      input: { conversationId: c.gid, typing: true, isPrivate: true },
    });
    expect(privately.data?.setConversationTyping).toMatchObject({ __typename: 'ValidationError' });
    const byBot = await graphql(server, bot.token, SetConversationTypingDocument, { input: { conversationId: c.gid, typing: true } });
    expect(byBot.data?.setConversationTyping).toMatchObject({ __typename: 'ForbiddenError' });
    const events = await eventsSince(since, c.row.id);
    expect(events.map((e) => [e.name, (e.data as { isPrivate: boolean }).isPrivate, (e.data as { performer?: { type: string } }).performer?.type])).toEqual([
      ['conversation.typing_on', true, 'User'],
      ['conversation.typing_off', false, 'Contact'],
    ]);
  });

  it('keeps a contact out of conversations that are not theirs', async () => {
    const mine = await seeded();
    const theirs = await seeded();
    const contact = contactCaller(mine.inbox.inbox_identifier, mine.sourceId);
    for (const conversationId of [theirs.gid, globalId('Conversation', other.conversation.id)]) {
      const typing = await graphql(server, contact, SetConversationTypingDocument, { input: { conversationId, typing: true } });
      expect(typing.data?.setConversationTyping).toMatchObject({ __typename: 'NotFoundError' });
      const seen = await graphql(server, contact, MarkConversationSeenDocument, { input: { conversationId } });
      expect(seen.data?.markConversationSeen).toMatchObject({ __typename: 'NotFoundError' });
    }
    expect((await db().conversation.findUniqueOrThrow({ where: { id: theirs.row.id } })).contactLastSeenAt).toBeNull();
  });

  it('marks seen and unread for agents, and seen for the contact (their agent messages become read)', async () => {
    const c = await seeded();
    await postMessage(c.displayId, { content: 'one', message_type: 'incoming' });
    await postMessage(c.displayId, { content: 'two', message_type: 'incoming' });
    const reply = await postMessage(c.displayId, { content: 'answer', message_type: 'outgoing' });
    const before = await graphql(server, server.adminToken, AccountConversationDocument, { id: account, displayId: c.displayId });
    expect(success(success(before.data?.account).conversation)).toMatchObject({ unreadCount: 2, agentLastSeenAt: null });

    const seen = await graphql(server, server.adminToken, MarkConversationSeenDocument, { input: { conversationId: c.gid } });
    const seenData = success(seen.data?.markConversationSeen);
    expect(seenData.unreadCount).toBe(0);
    expect(seenData.agentLastSeenAt).not.toBeNull();

    const unread = await graphql(server, server.adminToken, MarkConversationUnreadDocument, { input: { conversationId: c.gid } });
    const lastIncoming = await db().message.findFirstOrThrow({
      where: { conversationId: c.row.id, messageType: 'incoming' },
      orderBy: { id: 'desc' },
    });
    expect(success(unread.data?.markConversationUnread)).toMatchObject({
      agentLastSeenAt: new Date(lastIncoming.createdAt.getTime() - 1000).toISOString(),
    });
    expect(success(unread.data?.markConversationUnread).unreadCount).toBeGreaterThanOrEqual(1);

    const since = await lastEventId();
    const contact = contactCaller(c.inbox.inbox_identifier, c.sourceId);
    const byContact = await graphql(server, contact, MarkConversationSeenDocument, { input: { conversationId: c.gid } });
    expect(success(byContact.data?.markConversationSeen).contactLastSeenAt).not.toBeNull();
    expect((await db().message.findUniqueOrThrow({ where: { id: reply.body.id } })).status).toBe('read');
    expect((await eventsSince(since, c.row.id)).map((e) => e.name)).toEqual(['conversation.read', 'message.updated']);

    const byBot = await graphql(server, bot.token, MarkConversationSeenDocument, { input: { conversationId: c.gid } });
    expect(byBot.data?.markConversationSeen).toMatchObject({ __typename: 'ForbiddenError' });
  });

  it('mutes (resolve + block the contact) and unmutes (unblock), users only', async () => {
    const c = await seeded();
    const muted = await graphql(server, server.adminToken, MuteConversationDocument, { input: { conversationId: c.gid } });
    expect(success(muted.data?.muteConversation)).toMatchObject({ status: 'RESOLVED', contact: { blocked: true } });
    const byBot = await graphql(server, bot.token, UnmuteConversationDocument, { input: { conversationId: c.gid } });
    expect(byBot.data?.unmuteConversation).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await db().contact.findUniqueOrThrow({ where: { id: c.contactId } })).blocked).toBe(true);
    const unmuted = await graphql(server, server.adminToken, UnmuteConversationDocument, { input: { conversationId: c.gid } });
    expect(success(unmuted.data?.unmuteConversation)).toMatchObject({ status: 'RESOLVED', contact: { blocked: false } });
  });
});

describe('conversation lists', () => {
  let inbox: { id: number; inbox_identifier: string };
  let hidden: Awaited<ReturnType<typeof seeded>>;
  let agent: Awaited<ReturnType<typeof createAgent>>;
  const ids: Record<'a' | 'b' | 'c' | 'd', number> = { a: 0, b: 0, c: 0, d: 0 };
  let email = '';
  let teamId = 0;

  beforeAll(async () => {
    inbox = await createInbox(server);
    agent = await createAgent(server);
    await addInboxMember(server, inbox.id, agent.id);
    const team = await seedTeam([agent.id]);
    teamId = team.id;
    for (const key of ['a', 'b', 'c', 'd'] as const) {
      const { sourceId } = await createContactInInbox(server, inbox.id);
      ids[key] = (await createConversation(server, sourceId)).id;
    }
    const rowOf = async (key: keyof typeof ids) => (await conversationRow(ids[key])).row;
    email = (await rowOf('a')).contact.email!;
    const gidOf = async (key: keyof typeof ids) => (await conversationRow(ids[key])).gid;
    const run = async <T extends { __typename?: string }>(reply: Promise<{ data?: Record<string, T> | null }>) =>
      Object.values((await reply).data!).forEach((result) => success(result));
    const agentId = await agentGid(agent.id);
    const as = server.adminToken;
    await run(graphql(server, as, SetConversationLabelsDocument, { input: { conversationId: await gidOf('a'), labels: ['billing', 'vip'] } }));
    await run(graphql(server, as, AssignConversationDocument, { input: { conversationId: await gidOf('a'), assigneeId: agentId } }));
    await run(graphql(server, as, AssignConversationDocument, { input: { conversationId: await gidOf('a'), teamId: globalId('Team', teamId) } }));
    await run(graphql(server, as, SetConversationLabelsDocument, { input: { conversationId: await gidOf('b'), labels: ['billing'] } }));
    await run(graphql(server, as, ToggleConversationStatusDocument, { input: { conversationId: await gidOf('c'), status: 'RESOLVED' } }));
    await run(graphql(server, as, ToggleConversationStatusDocument, { input: { conversationId: await gidOf('d'), status: 'PENDING' } }));
    await run(graphql(server, as, AssignConversationDocument, { input: { conversationId: await gidOf('d'), assigneeId: agentId } }));
    await run(graphql(server, as, UpdateConversationPriorityDocument, { input: { conversationId: await gidOf('d'), priority: 'HIGH' } }));
    hidden = await seeded();
  });

  const list = async (variables: Record<string, unknown>, token = server.adminToken) => {
    const reply = await graphql(server, token, AccountConversationsDocument, {
      id: account,
      inboxId: globalId('Inbox', inbox.id),
      ...variables,
    });
    const connection = success(reply.data?.account).conversations;
    return { total: connection.totalCount, displayIds: connection.edges.map((e) => e.node.displayId), connection };
  };

  it('filters by status (open by default), assignee type, labels, team and contact text', async () => {
    expect(await list({})).toMatchObject({ total: 2, displayIds: [ids.b, ids.a] });
    expect((await list({ status: 'ALL' })).total).toBe(4);
    expect((await list({ status: 'RESOLVED' })).displayIds).toEqual([ids.c]);
    expect((await list({ status: 'ALL', assigneeType: 'UNASSIGNED' })).displayIds.sort()).toEqual([ids.b, ids.c].sort());
    expect((await list({ status: 'ALL', assigneeType: 'ASSIGNED' })).displayIds.sort()).toEqual([ids.a, ids.d].sort());
    expect((await list({ status: 'ALL', assigneeType: 'ME' }, agent.token)).displayIds.sort()).toEqual([ids.a, ids.d].sort());
    expect((await list({ status: 'ALL', assigneeType: 'ME' })).total).toBe(0);
    expect((await list({ labels: ['billing', 'vip'] })).displayIds).toEqual([ids.a]);
    expect((await list({ labels: ['billing'] })).total).toBe(2);
    expect((await list({ status: 'ALL', teamId: globalId('Team', teamId) })).displayIds).toEqual([ids.a]);
    expect((await list({ status: 'ALL', q: email.toUpperCase() })).displayIds).toEqual([ids.a]);
  });

  it('counts mine, assigned, unassigned and all under the same filters', async () => {
    const counts = async (variables: Record<string, unknown>, token = server.adminToken) =>
      success(
        (await graphql(server, token, AccountConversationCountsDocument, { id: account, inboxId: globalId('Inbox', inbox.id), ...variables }))
          .data?.account,
      ).conversationCounts;
    expect(await counts({ status: 'ALL' }, agent.token)).toEqual({ mine: 2, assigned: 2, unassigned: 2, all: 4 });
    expect(await counts({ status: 'ALL' })).toEqual({ mine: 0, assigned: 2, unassigned: 2, all: 4 });
    expect(await counts({})).toEqual({ mine: 0, assigned: 1, unassigned: 1, all: 2 });
    expect(await counts({ labels: ['billing'] }, agent.token)).toEqual({ mine: 1, assigned: 1, unassigned: 1, all: 2 });
  });

  it('sorts by the §3.5 keys and pages with cursors', async () => {
    const byPriority = await list({ status: 'ALL', sortBy: 'PRIORITY_DESC' });
    expect(byPriority.displayIds[0]).toBe(ids.d);
    expect((await list({ status: 'ALL', sortBy: 'CREATED_AT_ASC' })).displayIds).toEqual([ids.a, ids.b, ids.c, ids.d]);
    const first = await list({ status: 'ALL', sortBy: 'CREATED_AT_ASC', first: 3 });
    expect(first.connection.pageInfo.hasNextPage).toBe(true);
    const rest = await list({ status: 'ALL', sortBy: 'CREATED_AT_ASC', first: 3, after: first.connection.pageInfo.endCursor });
    expect(rest).toMatchObject({ total: 4, displayIds: [ids.d] });
  });

  it('shows an agent only the conversations of their inboxes', async () => {
    const everything = await list({ status: 'ALL', inboxId: null, first: 100 }, agent.token);
    expect(everything.total).toBe(4);
    expect(everything.displayIds).not.toContain(hidden.displayId);
    const admin = await list({ status: 'ALL', inboxId: null, first: 100 });
    expect(admin.displayIds).toContain(hidden.displayId);
    const single = await graphql(server, agent.token, AccountConversationDocument, { id: account, displayId: hidden.displayId });
    expect(success(single.data?.account).conversation).toMatchObject({ __typename: 'ForbiddenError' });
    const missing = await graphql(server, agent.token, AccountConversationDocument, { id: account, displayId: 999_999 });
    expect(success(missing.data?.account).conversation).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('refuses agent bots on lists, and malformed filter ids', async () => {
    const byBot = await graphql(server, bot.token, AccountConversationsDocument, { id: account });
    expect(byBot.errors?.[0]?.message).toBe('Access to this endpoint is not authorized for bots');
    const bad = await graphql(server, server.adminToken, AccountConversationsDocument, { id: account, inboxId: 'nope' });
    expect(bad.errors?.[0]).toMatchObject({ message: 'inboxId is not a valid Inbox id', extensions: { code: 'VALIDATION_FAILED' } });
  });

  it('lists a contact\'s conversations, and a contact\'s own session without private notes', async () => {
    const c = await seeded();
    await postMessage(c.displayId, { content: 'public reply', message_type: 'outgoing' });
    await postMessage(c.displayId, { content: 'internal note', message_type: 'outgoing', private: true });
    // An activity message is no chat message either: not the contact's last message.
    expect((await postMessage(c.displayId, { content: 'activity note', message_type: 'activity' })).status).toBe(200);
    const staff = await graphql(server, server.adminToken, ContactConversationsDocument, { id: globalId('Contact', c.contactId) });
    expect(staff.data?.node).toMatchObject({ conversations: { totalCount: 1, edges: [{ node: { displayId: c.displayId } }] } });
    const session = await graphql(server, contactCaller(c.inbox.inbox_identifier, c.sourceId), SessionConversationsDocument);
    expect(success(session.data?.contactSession).conversations).toEqual({
      totalCount: 1,
      edges: [{ node: { displayId: c.displayId, lastMessage: { content: 'public reply' } } }],
    });
    const asAgentView = await graphql(server, server.adminToken, AccountConversationDocument, { id: account, displayId: c.displayId });
    expect(success(success(asAgentView.data?.account).conversation)).toMatchObject({
      lastMessage: { content: 'activity note', private: false },
      contactInbox: { sourceId: c.sourceId },
    });
  });
});

describe('conversation subscriptions over graphql-ws', () => {
  const ws = (params: Record<string, unknown>) => connectGraphqlWs(server.wsUrl, params);

  /** The admin's conversationUpdated subscription, once live (`probe`'s priority flips until it is heard). */
  async function liveConversationUpdates(client: ReturnType<typeof ws>, probe: { gid: string; displayId: number }) {
    await client.connected;
    const subscription = client.subscribe(ConversationUpdatedDocument, { scope: { accountId: account } });
    let flip = false;
    const sendProbe = () =>
      graphql(server, server.adminToken, UpdateConversationPriorityDocument, {
        input: { conversationId: probe.gid, priority: (flip = !flip) ? 'LOW' : 'URGENT' },
      });
    const isProbe = (r: { data?: { conversationUpdated?: { displayId: number } } | null }) =>
      r.data?.conversationUpdated?.displayId === probe.displayId;
    await untilLive(subscription, sendProbe, isProbe);
    return { subscription, isProbe };
  }

  it('sends conversationUpdated once per change, with the re-loaded conversation', async () => {
    const probe = await seeded();
    const target = await seeded();
    const client = ws({ api_access_token: server.adminToken });
    try {
      const { subscription, isProbe } = await liveConversationUpdates(client, probe);

      await graphql(server, server.adminToken, ToggleConversationStatusDocument, { input: { conversationId: target.gid } });
      const statusChange = await subscription.nextMatching((r) => !isProbe(r));
      expect(statusChange.data?.conversationUpdated).toMatchObject({ displayId: target.displayId, status: 'RESOLVED' });

      const agent = await createAgent(server);
      await addInboxMember(server, target.inbox.id, agent.id);
      await graphql(server, server.adminToken, AssignConversationDocument, {
        input: { conversationId: target.gid, assigneeId: await agentGid(agent.id) },
      });
      const assigned = await subscription.nextMatching((r) => !isProbe(r));
      expect(assigned.data?.conversationUpdated).toMatchObject({
        displayId: target.displayId,
        assignee: { __typename: 'Agent', userDatabaseId: agent.id },
      });
      await graphql(server, server.adminToken, SetConversationLabelsDocument, { input: { conversationId: target.gid, labels: ['x'] } });
      const labelled = await subscription.nextMatching((r) => !isProbe(r));
      expect(labelled.data?.conversationUpdated).toMatchObject({ labels: ['x'] });
      await subscription.expectNothing(300, (r) => !isProbe(r));
    } finally {
      await client.dispose();
    }
  });

  it('sends conversationUpdated when a message starts or ends the waiting time, and when the contact changes in a merge', async () => {
    const probe = await seeded();
    const target = await seeded();
    const client = ws({ api_access_token: server.adminToken });
    try {
      const { subscription, isProbe } = await liveConversationUpdates(client, probe);

      expect((await postMessage(target.displayId, { content: 'Help', message_type: 'incoming' })).status).toBe(200);
      const waiting = await subscription.nextMatching((r) => !isProbe(r));
      expect(waiting.data?.conversationUpdated).toMatchObject({ displayId: target.displayId, firstReplyCreatedAt: null });
      expect(waiting.data?.conversationUpdated?.waitingSince).toEqual(expect.any(String));
      expect((await postMessage(target.displayId, { content: 'Help!', message_type: 'incoming' })).status).toBe(200);
      expect((await postMessage(target.displayId, { content: 'On it' })).status).toBe(200);
      const answered = await subscription.nextMatching((r) => !isProbe(r));
      expect(answered.data?.conversationUpdated).toMatchObject({ displayId: target.displayId, waitingSince: null });
      expect(answered.data?.conversationUpdated?.firstReplyCreatedAt).toEqual(expect.any(String));

      // The target's contact gives the email of another contact through the Client API: it is merged into that one.
      const email = `merge-${Date.now()}@graphql.test`;
      const other = await adminApi(server).post(accountPath(server, '/contacts'), { name: 'Other', email });
      expect(other.status).toBe(200);
      const inbox = await adminApi(server).get(accountPath(server, `/inboxes/${target.inbox.id}`));
      const { sourceId } = await db().contactInbox.findUniqueOrThrow({ where: { id: target.row.contactInboxId } });
      const identified = await publicApi(server).patch(`/public/api/v1/inboxes/${inbox.body.inbox_identifier}/contacts/${sourceId}`, {
        email,
      });
      expect(identified.status).toBe(200);
      const moved = await subscription.nextMatching((r) => !isProbe(r));
      expect(moved.data?.conversationUpdated).toMatchObject({ displayId: target.displayId, contact: { databaseId: other.body.payload.contact.id } });
      await subscription.expectNothing(300, (r) => !isProbe(r));
    } finally {
      await client.dispose();
    }
  });

  it('tells an agent of new conversations in their inboxes only', async () => {
    const agent = await createAgent(server);
    const mine = await createInbox(server);
    const notMine = await createInbox(server);
    await addInboxMember(server, mine.id, agent.id);
    const client = ws({ api_access_token: agent.token });
    try {
      await client.connected;
      const subscription = client.subscribe(ConversationCreatedDocument, { scope: { accountId: account } });
      const open = async (inboxId: number, marker: string) => {
        const { sourceId } = await createContactInInbox(server, inboxId);
        await adminApi(server).post(accountPath(server, '/conversations'), { source_id: sourceId, custom_attributes: { marker } });
      };
      const isProbe = (r: { data?: { conversationCreated?: { customAttributes: Record<string, unknown> } } | null }) =>
        r.data?.conversationCreated?.customAttributes.marker === 'probe';
      await untilLive(subscription, () => open(mine.id, 'probe'), isProbe);
      await open(notMine.id, 'hidden');
      await open(mine.id, 'visible');
      const next = await subscription.nextMatching((r) => !isProbe(r));
      expect(next.data?.conversationCreated.customAttributes).toEqual({ marker: 'visible' });
      await subscription.expectNothing(300, (r) => !isProbe(r));
    } finally {
      await client.dispose();
    }
  });

  it('sends typing to staff (private too, never their own) and to the contact (own conversation, never private)', async () => {
    const c = await seeded();
    const elsewhere = await seeded();
    const agent = await createAgent(server);
    await addInboxMember(server, c.inbox.id, agent.id);
    await addInboxMember(server, elsewhere.inbox.id, agent.id);
    const type = (token: string, conversationId: string, typing: boolean, isPrivate = false) =>
      graphql(server, token, SetConversationTypingDocument, { input: { conversationId, typing, isPrivate } });
    type ProbeResult = {
      data?: { conversationTyping?: { typing: boolean; isPrivate: boolean; conversation: { displayId: number } } } | null;
    };
    const isProbe = (r: ProbeResult) =>
      r.data?.conversationTyping?.typing === true &&
      r.data.conversationTyping.isPrivate === false &&
      r.data.conversationTyping.conversation.displayId === c.displayId;

    const admin = ws({ api_access_token: server.adminToken });
    const contact = ws({ inboxIdentifier: c.inbox.inbox_identifier, contactIdentifier: c.sourceId });
    try {
      await Promise.all([admin.connected, contact.connected]);
      const staffSide = admin.subscribe(ConversationTypingDocument, { scope: { accountId: account } });
      const contactSide = contact.subscribe(ConversationTypingDocument, {});
      await untilLive(staffSide, () => type(agent.token, c.gid, true), isProbe);
      await untilLive(contactSide, () => type(agent.token, c.gid, true), isProbe);

      await type(server.adminToken, c.gid, false);
      await type(agent.token, c.gid, true, true);
      await type(agent.token, elsewhere.gid, false);
      await type(agent.token, c.gid, false);

      const privateForStaff = await staffSide.nextMatching((r) => !isProbe(r));
      expect(privateForStaff.data?.conversationTyping).toMatchObject({
        typing: true,
        isPrivate: true,
        participant: { __typename: 'Agent', userDatabaseId: agent.id },
      });
      const fromAdmin = await contactSide.nextMatching((r) => !isProbe(r));
      expect(fromAdmin.data?.conversationTyping).toMatchObject({
        typing: false,
        participant: { __typename: 'Agent', userDatabaseId: adminUserId },
      });
      const forContact = await contactSide.nextMatching((r) => !isProbe(r));
      expect(forContact.data?.conversationTyping).toEqual({
        typing: false,
        isPrivate: false,
        conversation: { displayId: c.displayId },
        participant: { __typename: 'Agent', userDatabaseId: agent.id },
      });

      const contactCaller_ = contactCaller(c.inbox.inbox_identifier, c.sourceId);
      await graphql(server, contactCaller_, SetConversationTypingDocument, { input: { conversationId: c.gid, typing: true } });
      const fromContact = await staffSide.nextMatching(
        (r) => r.data?.conversationTyping?.participant?.__typename === 'Contact',
      );
      expect(fromContact.data?.conversationTyping).toMatchObject({ typing: true, participant: { databaseId: c.contactId } });
      await contactSide.expectNothing(300, (r) => !isProbe(r));
    } finally {
      await Promise.all([admin.dispose(), contact.dispose()]);
    }
  });

  it('gives an agent who is not a member nothing, and a contact only their own conversation\'s updates', async () => {
    const c = await seeded();
    const elsewhere = await seeded();
    const outsider = await createAgent(server);
    const outsiderClient = ws({ api_access_token: outsider.token });
    const contact = ws({ inboxIdentifier: c.inbox.inbox_identifier, contactIdentifier: c.sourceId });
    try {
      await Promise.all([outsiderClient.connected, contact.connected]);
      const outsiderSide = outsiderClient.subscribe(ConversationUpdatedDocument, { scope: { accountId: account } });
      const contactSide = contact.subscribe(ConversationUpdatedDocument, {});
      let flip = false;
      const probe = () =>
        graphql(server, server.adminToken, UpdateConversationPriorityDocument, {
          input: { conversationId: c.gid, priority: (flip = !flip) ? 'LOW' : 'URGENT' },
        });
      const isProbe = (r: { data?: { conversationUpdated?: { status: string } } | null }) =>
        r.data?.conversationUpdated?.status === 'OPEN';
      await untilLive(contactSide, probe, isProbe);
      await graphql(server, server.adminToken, ToggleConversationStatusDocument, { input: { conversationId: elsewhere.gid } });
      await graphql(server, server.adminToken, ToggleConversationStatusDocument, { input: { conversationId: c.gid } });
      const own = await contactSide.nextMatching((r) => !isProbe(r));
      expect(own.data?.conversationUpdated).toMatchObject({ displayId: c.displayId, status: 'RESOLVED' });
      await outsiderSide.expectNothing(300);
    } finally {
      await Promise.all([outsiderClient.dispose(), contact.dispose()]);
    }
  });
});
