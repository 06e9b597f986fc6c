/**
 * Messages through GraphQL over HTTP and graphql-ws: the mutations of agents,
 * bots and contacts with their typed failures (nothing written), the message
 * windows of Conversation.messages, the sender union, and what a contact may
 * never see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MessagesAreaContactPageDocument,
  MessagesAreaCreateDocument,
  MessagesAreaCreatedDocument,
  MessagesAreaDeleteDocument,
  MessagesAreaNodeDocument,
  MessagesAreaPageDocument,
  MessagesAreaSendDocument,
  MessagesAreaUpdateStatusDocument,
  MessagesAreaUpdatedDocument,
  type CreateMessageInput,
  type SendMessageInput,
  type UpdateMessageStatusInput,
} from '../generated/graphql.ts';
import { connectGraphqlWs, untilLive } from '../support/graphql-ws.ts';
import { contactCaller, globalId, graphql, success, type Caller } from '../support/graphql.ts';
import { client } from '../support/http.ts';
import { accountPath, adminApi, addInboxMember, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let admin: string;
beforeAll(async () => {
  server = await startServer();
  admin = server.adminToken;
});
afterAll(async () => {
  await server?.stop();
});

const db = () => server.app.database.prisma;
let serial = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++serial}`;

/** An inbox with a contact and an open conversation, with the ids GraphQL needs. */
async function seed() {
  const seeded = await seedConversation(server);
  const row = await db().conversation.findUniqueOrThrow({ where: { uuid: seeded.conversation.uuid } });
  return {
    ...seeded,
    dbId: row.id,
    conversationId: globalId('Conversation', row.id),
    contact: contactCaller(seeded.inbox.inbox_identifier, seeded.sourceId),
  };
}

const create = (caller: Caller, input: CreateMessageInput) =>
  graphql(server, caller, MessagesAreaCreateDocument, { input }).then((r) => r.data?.createMessage);
const updateStatus = (caller: Caller, input: UpdateMessageStatusInput) =>
  graphql(server, caller, MessagesAreaUpdateStatusDocument, { input }).then((r) => r.data?.updateMessageStatus);
const remove = (caller: Caller, messageId: string) =>
  graphql(server, caller, MessagesAreaDeleteDocument, { input: { messageId } }).then((r) => r.data?.deleteMessage);
const send = (caller: Caller, input: SendMessageInput) =>
  graphql(server, caller, MessagesAreaSendDocument, { input }).then((r) => r.data?.sendMessage);
const countIn = (conversationId: number) => db().message.count({ where: { conversationId } });

async function createBot() {
  const token = unique('bot-token');
  const bot = await db().agentBot.create({
    data: { name: 'Helper bot', accountId: server.accountId, accessToken: { create: { token } } },
  });
  return { id: bot.id, token };
}

/** A conversation (and a message in it) in another account, with an administrator of its own. */
async function otherAccount() {
  const account = await db().account.create({ data: { name: 'Other' } });
  const token = unique('other-admin-token');
  await db().user.create({
    data: {
      name: 'Other admin',
      email: `${unique('other')}@example.com`,
      pubsubToken: unique('other-pubsub'),
      accessToken: { create: { token } },
      accountUsers: { create: { accountId: account.id, role: 'administrator' } },
    },
  });
  const api = client(server.url, token);
  const base = `/api/v1/accounts/${account.id}`;
  const inbox = await api.post(`${base}/inboxes`, { name: 'Other inbox', channel: { type: 'api' } });
  const sourceId = unique('other-source');
  await api.post(`${base}/contacts`, { name: 'Other', inbox_id: inbox.body.id, source_id: sourceId });
  const conversation = await api.post(`${base}/conversations`, { source_id: sourceId });
  const message = await api.post(`${base}/conversations/${conversation.body.id}/messages`, { content: 'theirs' });
  expect(message.status).toBe(200);
  const row = await db().conversation.findUniqueOrThrow({ where: { uuid: conversation.body.uuid } });
  return {
    dbId: row.id,
    conversationId: globalId('Conversation', row.id),
    messageId: globalId('Message', message.body.id),
    contact: contactCaller(inbox.body.inbox_identifier, sourceId),
  };
}

describe('createMessage', () => {
  it('creates an outgoing message from the agent, with its echo id stored and shown back', async () => {
    const { conversationId, dbId, conversation } = await seed();
    const data = success(await create(admin, { conversationId, content: 'Hello there', echoId: 'client-42' }));
    expect(data).toMatchObject({
      content: 'Hello there',
      messageType: 'OUTGOING',
      contentType: 'TEXT',
      status: 'SENT',
      private: false,
      echoId: 'client-42',
      conversation: { id: conversationId },
      sender: { __typename: 'Agent', userDatabaseId: 1 },
    });
    expect((await db().message.findUniqueOrThrow({ where: { id: data.databaseId } })).echoId).toBe('client-42');
    const listed = await adminApi(server).get(accountPath(server, `/conversations/${conversation.id}/messages`));
    expect(listed.body.payload.find((m: { id: number }) => m.id === data.databaseId)).toMatchObject({ echo_id: 'client-42' });
    expect(await countIn(dbId)).toBe(1);
  });

  it('refuses content over 150 000 characters with a ValidationError on ["content"], writing nothing', async () => {
    const { conversationId, dbId } = await seed();
    const result = await create(admin, { conversationId, content: 'x'.repeat(150_001) });
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      code: 'VALIDATION_FAILED',
      problems: [{ path: ['content'], message: 'Content is too long (maximum is 150000 characters)' }],
    });
    expect(await countIn(dbId)).toBe(0);
  });

  it('checks the items of input_select and cards messages (§1.7)', async () => {
    const { conversationId, dbId } = await seed();
    const empty = await create(admin, { conversationId, contentType: 'INPUT_SELECT', contentAttributes: {} });
    expect(empty).toMatchObject({ __typename: 'ValidationError', problems: [{ path: ['contentAttributes'] }] });
    const badKeys = await create(admin, {
      conversationId,
      contentType: 'INPUT_SELECT',
      contentAttributes: { items: [{ title: 'A', value: 'a', colour: 'red' }] },
    });
    expect(badKeys).toMatchObject({ problems: [{ message: 'Content attributes items have invalid keys: colour' }] });
    const noActions = await create(admin, {
      conversationId,
      contentType: 'CARDS',
      contentAttributes: { items: [{ title: 'Card' }] },
    });
    expect(noActions).toMatchObject({ problems: [{ message: 'Content attributes every card item needs actions' }] });
    expect(await countIn(dbId)).toBe(0);
    const select = success(
      await create(admin, {
        conversationId,
        contentType: 'INPUT_SELECT',
        contentAttributes: { items: [{ title: 'Yes', value: 'yes' }] },
      }),
    );
    expect(select).toMatchObject({ content: null, contentType: 'INPUT_SELECT', contentAttributes: { items: [{ title: 'Yes' }] } });
    const card = success(
      await create(admin, {
        conversationId,
        contentType: 'CARDS',
        contentAttributes: { items: [{ title: 'Card', actions: [{ type: 'link', text: 'Open', uri: 'https://x.test' }] }] },
      }),
    );
    expect(card.contentType).toBe('CARDS');
  });

  it('allows incoming messages only in API inboxes', async () => {
    const { conversationId, dbId, inbox } = await seed();
    await db().inbox.update({ where: { id: inbox.id }, data: { channelType: 'Channel::WebWidget' } });
    const result = await create(admin, { conversationId, content: 'from outside', messageType: 'INCOMING' });
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      problems: [{ path: ['messageType'], message: 'Incoming messages are only allowed in Api inboxes' }],
    });
    expect(await countIn(dbId)).toBe(0);
  });

  it('sends incoming messages as the contact and reopens a resolved conversation', async () => {
    const { conversationId, dbId, contactId } = await seed();
    await db().conversation.update({ where: { id: dbId }, data: { status: 'resolved' } });
    const data = success(await create(admin, { conversationId, content: 'I am back', messageType: 'INCOMING' }));
    expect(data.sender).toEqual({ __typename: 'Contact', databaseId: contactId });
    expect((await db().conversation.findUniqueOrThrow({ where: { id: dbId } })).status).toBe('open');
    const activity = await db().message.findFirstOrThrow({ where: { conversationId: dbId, messageType: 'activity' } });
    expect(activity.content).toBe('System reopened the conversation due to a new incoming message.');
  });

  it('answers another account\'s conversation with NotFoundError and a malformed id with ValidationError', async () => {
    const other = await otherAccount();
    expect(await create(admin, { conversationId: other.conversationId, content: 'hi' })).toMatchObject({
      __typename: 'NotFoundError',
      code: 'NOT_FOUND',
    });
    expect(await create(admin, { conversationId: 'not-an-id', content: 'hi' })).toMatchObject({
      __typename: 'ValidationError',
      problems: [{ path: ['conversationId'] }],
    });
    expect(await countIn(other.dbId)).toBe(1);
  });

  it('refuses an agent who is not a member of the inbox with ForbiddenError', async () => {
    const { conversationId, dbId, inbox } = await seed();
    const agent = await createAgent(server);
    expect(await create(agent.token, { conversationId, content: 'hi' })).toMatchObject({
      __typename: 'ForbiddenError',
      code: 'FORBIDDEN',
    });
    expect(await countIn(dbId)).toBe(0);
    await addInboxMember(server, inbox.id, agent.id);
    expect(success(await create(agent.token, { conversationId, content: 'hi' })).sender).toEqual({
      __typename: 'Agent',
      userDatabaseId: agent.id,
    });
  });

  it('lets an agent bot write, and an agent attribute a message to a bot', async () => {
    const { conversationId } = await seed();
    const bot = await createBot();
    const byBot = success(await create(bot.token, { conversationId, content: 'beep' }));
    expect(byBot.sender).toEqual({ __typename: 'AgentBot', databaseId: bot.id });
    const attributed = success(
      await create(admin, { conversationId, content: 'as bot', senderAgentBotId: globalId('AgentBot', bot.id) }),
    );
    expect(attributed.sender).toEqual({ __typename: 'AgentBot', databaseId: bot.id });
  });

  it('is not a contact\'s mutation', async () => {
    const { conversationId, contact, dbId } = await seed();
    expect(await create(contact, { conversationId, content: 'hi' })).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await countIn(dbId)).toBe(0);
  });
});

describe('updateMessageStatus', () => {
  it('moves through the statuses, ignores read → delivered, keeps the external error only when failed', async () => {
    const { conversationId } = await seed();
    const { id: messageId } = success(await create(admin, { conversationId, content: 'deliver me' }));
    expect(success(await updateStatus(admin, { messageId, status: 'DELIVERED' })).status).toBe('DELIVERED');
    expect(success(await updateStatus(admin, { messageId, status: 'READ' })).status).toBe('READ');
    expect(success(await updateStatus(admin, { messageId, status: 'DELIVERED' })).status).toBe('READ');
    const failed = success(await updateStatus(admin, { messageId, status: 'FAILED', externalError: '500 Internal Server Error' }));
    expect(failed).toMatchObject({
      status: 'FAILED',
      externalError: '500 Internal Server Error',
      contentAttributes: { external_error: '500 Internal Server Error' },
    });
    const sent = success(await updateStatus(admin, { messageId, status: 'SENT', externalError: 'ignored' }));
    expect(sent).toMatchObject({ status: 'SENT', externalError: null, contentAttributes: { external_error: null } });
  });

  it('refuses bots, non-members, other accounts, malformed ids and non-API inboxes, changing nothing', async () => {
    const { conversationId, inbox } = await seed();
    const created = success(await create(admin, { conversationId, content: 'keep me' }));
    const before = await db().message.findUniqueOrThrow({ where: { id: created.databaseId } });
    const bot = await createBot();
    expect(await updateStatus(bot.token, { messageId: created.id, status: 'READ' })).toMatchObject({
      __typename: 'ForbiddenError',
      message: 'Access to this endpoint is not authorized for bots',
    });
    const agent = await createAgent(server);
    expect(await updateStatus(agent.token, { messageId: created.id, status: 'READ' })).toMatchObject({
      __typename: 'ForbiddenError',
    });
    const other = await otherAccount();
    expect(await updateStatus(admin, { messageId: other.messageId, status: 'READ' })).toMatchObject({
      __typename: 'NotFoundError',
    });
    expect(await updateStatus(admin, { messageId: 'bad', status: 'READ' })).toMatchObject({
      __typename: 'ValidationError',
      problems: [{ path: ['messageId'] }],
    });
    await db().inbox.update({ where: { id: inbox.id }, data: { channelType: 'Channel::WebWidget' } });
    expect(await updateStatus(admin, { messageId: created.id, status: 'READ' })).toMatchObject({
      __typename: 'ForbiddenError',
      message: 'Message status update is only allowed for API inboxes',
    });
    expect(await db().message.findUniqueOrThrow({ where: { id: created.databaseId } })).toEqual(before);
  });
});

describe('deleteMessage', () => {
  it('soft-deletes: the message stays, saying it was deleted', async () => {
    const { conversationId, dbId } = await seed();
    const created = success(
      await create(admin, {
        conversationId,
        contentType: 'INPUT_SELECT',
        contentAttributes: { items: [{ title: 'A', value: 'a' }] },
      }),
    );
    const deleted = success(await remove(admin, created.id));
    expect(deleted).toMatchObject({
      id: created.id,
      content: 'This message was deleted',
      contentType: 'TEXT',
      contentAttributes: { deleted: true },
    });
    expect(Object.keys(deleted.contentAttributes)).toEqual(['deleted']);
    expect(await countIn(dbId)).toBe(1);
  });

  it('refuses bots and non-members, changing nothing', async () => {
    const { conversationId } = await seed();
    const created = success(await create(admin, { conversationId, content: 'stay' }));
    const bot = await createBot();
    expect(await remove(bot.token, created.id)).toMatchObject({ __typename: 'ForbiddenError' });
    const agent = await createAgent(server);
    expect(await remove(agent.token, created.id)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await remove(admin, 'bad')).toMatchObject({ __typename: 'ValidationError' });
    expect((await db().message.findUniqueOrThrow({ where: { id: created.databaseId } })).content).toBe('stay');
  });
});

describe('sendMessage (contacts)', () => {
  it('writes an incoming message from the contact, with its echo id, and reopens a resolved conversation', async () => {
    const { conversationId, contact, contactId, dbId } = await seed();
    await db().conversation.update({ where: { id: dbId }, data: { status: 'resolved' } });
    const data = success(await send(contact, { conversationId, content: 'Hi from the widget', echoId: 'tmp-7' }));
    expect(data).toMatchObject({
      content: 'Hi from the widget',
      messageType: 'INCOMING',
      echoId: 'tmp-7',
      sender: { __typename: 'Contact', databaseId: contactId },
    });
    const row = await db().message.findUniqueOrThrow({ where: { id: data.databaseId } });
    expect(row).toMatchObject({ private: false, senderContactId: contactId });
    const conversation = await db().conversation.findUniqueOrThrow({ where: { id: dbId } });
    expect(conversation.status).toBe('open');
    expect(conversation.waitingSince).not.toBeNull();
  });

  it('answers another contact\'s conversation with NotFoundError and refuses oversize content, writing nothing', async () => {
    const mine = await seed();
    const theirs = await seed();
    expect(await send(mine.contact, { conversationId: theirs.conversationId, content: 'sneaky' })).toMatchObject({
      __typename: 'NotFoundError',
    });
    const other = await otherAccount();
    expect(await send(mine.contact, { conversationId: other.conversationId, content: 'sneaky' })).toMatchObject({
      __typename: 'NotFoundError',
    });
    expect(await send(mine.contact, { conversationId: mine.conversationId, content: 'y'.repeat(150_001) })).toMatchObject({
      __typename: 'ValidationError',
      problems: [{ path: ['content'] }],
    });
    expect(await send(mine.contact, { conversationId: 'garbage', content: 'x' })).toMatchObject({
      __typename: 'ValidationError',
      problems: [{ path: ['conversationId'] }],
    });
    expect(await countIn(theirs.dbId)).toBe(0);
    expect(await countIn(mine.dbId)).toBe(0);
    expect(await countIn(other.dbId)).toBe(1);
  });

  it('is not an agent\'s mutation', async () => {
    const { conversationId, dbId } = await seed();
    expect(await send(admin, { conversationId, content: 'hi' })).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await countIn(dbId)).toBe(0);
  });
});

describe('Conversation.messages', () => {
  /** 24 public messages, one private note and one activity message, in id order. */
  async function seedMany() {
    const seeded = await seed();
    const base = { accountId: server.accountId, inboxId: seeded.inbox.id, conversationId: seeded.dbId };
    await db().message.createMany({
      data: [
        ...Array.from({ length: 12 }, (_, i) => ({ ...base, messageType: 'incoming' as const, content: `m${i + 1}` })),
        { ...base, messageType: 'outgoing' as const, content: 'secret note', private: true },
        { ...base, messageType: 'activity' as const, content: 'activity' },
        ...Array.from({ length: 12 }, (_, i) => ({ ...base, messageType: 'outgoing' as const, content: `m${i + 13}` })),
      ],
    });
    return seeded;
  }
  async function page(
    caller: Caller,
    variables: { id: string; first?: number; last?: number; after?: string; before?: string; includeInternal?: boolean },
  ) {
    const result = await graphql(server, caller, MessagesAreaPageDocument, variables);
    expect(result.errors).toBeUndefined();
    const node = result.data?.node;
    if (!node || !('messages' in node)) throw new Error(`no conversation: ${JSON.stringify(result)}`);
    return { ...node.messages, contents: node.messages.edges.map((e) => e.node.content) };
  }

  it('pages like Chatwoot: the latest 20, older before a cursor, newer after one, with totalCount', async () => {
    const { conversationId } = await seedMany();
    const latest = await page(admin, { id: conversationId });
    expect(latest.totalCount).toBe(26);
    expect(latest.contents).toEqual(['m7', 'm8', 'm9', 'm10', 'm11', 'm12', 'secret note', 'activity', ...range(13, 24)]);
    expect(latest.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const older = await page(admin, { id: conversationId, last: 3, before: latest.pageInfo.startCursor! });
    expect(older.contents).toEqual(['m4', 'm5', 'm6']);
    expect(older.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const oldest = await page(admin, { id: conversationId, last: 20, before: older.pageInfo.startCursor! });
    expect(oldest.contents).toEqual(['m1', 'm2', 'm3']);
    expect(oldest.pageInfo.hasPreviousPage).toBe(false);
    const newer = await page(admin, { id: conversationId, first: 2, after: older.pageInfo.endCursor! });
    expect(newer.contents).toEqual(['m7', 'm8']);
    expect(newer.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const first = await page(admin, { id: conversationId, first: 500 });
    expect(first.edges).toHaveLength(26);
    expect(first.pageInfo.hasNextPage).toBe(false);
  });

  it('caps a window at 100 messages', async () => {
    const seeded = await seed();
    const base = { accountId: server.accountId, inboxId: seeded.inbox.id, conversationId: seeded.dbId };
    await db().message.createMany({
      data: Array.from({ length: 105 }, (_, i) => ({ ...base, messageType: 'incoming' as const, content: `n${i}` })),
    });
    const capped = await page(admin, { id: seeded.conversationId, first: 1000 });
    expect(capped.edges).toHaveLength(100);
    expect(capped.pageInfo.hasNextPage).toBe(true);
    expect(capped.totalCount).toBe(105);
  });

  it('leaves out private notes and activity with includeInternal: false', async () => {
    const { conversationId } = await seedMany();
    const filtered = await page(admin, { id: conversationId, includeInternal: false, first: 100 });
    expect(filtered.totalCount).toBe(24);
    expect(filtered.contents).toEqual(range(1, 24));
  });

  it('never shows a contact private notes or activity, in the list or by node id', async () => {
    const { conversationId, contact, dbId } = await seedMany();
    const result = await graphql(server, contact, MessagesAreaContactPageDocument, { id: conversationId });
    expect(result.errors).toBeUndefined();
    const node = result.data?.node;
    if (!node || !('messages' in node)) throw new Error(JSON.stringify(result));
    expect(node.messages.totalCount).toBe(24);
    expect(node.messages.edges.map((e) => e.node.content)).toEqual(range(1, 24));
    const note = await db().message.findFirstOrThrow({ where: { conversationId: dbId, private: true } });
    const byNode = await graphql(server, contact, MessagesAreaNodeDocument, { id: globalId('Message', note.id) });
    expect(byNode.data?.node ?? null).toBeNull();
    const activity = await db().message.findFirstOrThrow({ where: { conversationId: dbId, messageType: 'activity' } });
    const activityByNode = await graphql(server, contact, MessagesAreaNodeDocument, { id: globalId('Message', activity.id) });
    expect(activityByNode.data?.node ?? null).toBeNull();
    const publicOne = await db().message.findFirstOrThrow({ where: { conversationId: dbId, content: 'm1' } });
    const visible = await graphql(server, contact, MessagesAreaNodeDocument, { id: globalId('Message', publicOne.id) });
    expect(visible.data?.node).toMatchObject({ __typename: 'Message', content: 'm1' });
  });

  it('refuses a malformed cursor', async () => {
    const { conversationId } = await seed();
    const result = await graphql(server, admin, MessagesAreaPageDocument, { id: conversationId, after: 'nope' });
    expect(result.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });
});

describe('Message.sender', () => {
  it('is the contact, the agent or the bot, and null once the agent has left the account', async () => {
    const { conversationId, contact, contactId, inbox } = await seed();
    const agent = await createAgent(server);
    await addInboxMember(server, inbox.id, agent.id);
    const bot = await createBot();
    const fromContact = success(await send(contact, { conversationId, content: 'c' }));
    const fromAgent = success(await create(agent.token, { conversationId, content: 'a' }));
    const fromBot = success(await create(bot.token, { conversationId, content: 'b' }));
    const sender = async (id: string) => {
      const result = await graphql(server, admin, MessagesAreaNodeDocument, { id });
      const node = result.data?.node;
      return node && 'sender' in node ? node.sender : undefined;
    };
    expect(await sender(fromContact.id)).toEqual({ __typename: 'Contact', databaseId: contactId, name: 'Jane Doe' });
    expect(await sender(fromAgent.id)).toEqual({ __typename: 'Agent', userDatabaseId: agent.id, name: 'Agent' });
    expect(await sender(fromBot.id)).toEqual({ __typename: 'AgentBot', databaseId: bot.id, name: 'Helper bot' });
    await db().accountUser.delete({ where: { accountId_userId: { accountId: server.accountId, userId: agent.id } } });
    expect(await sender(fromAgent.id)).toBeNull();
  });
});

describe('subscriptions', () => {
  const isProbe = (content: string | null | undefined) => content?.startsWith('probe') ?? false;

  it('sends a contact its own public messages over graphql-ws, never private notes or activity', async () => {
    const { conversationId, contact, inbox, sourceId, dbId } = await seed();
    const other = await seed();
    const ws = connectGraphqlWs(server.wsUrl, { inboxIdentifier: inbox.inbox_identifier, contactIdentifier: sourceId });
    try {
      await ws.connected;
      const subscription = ws.subscribe(MessagesAreaCreatedDocument, {});
      await untilLive(
        subscription,
        () => create(admin, { conversationId, content: 'probe' }),
        (r) => isProbe(r.data?.messageCreated.content),
      );
      await create(admin, { conversationId, content: 'secret note', private: true });
      await create(admin, { conversationId: other.conversationId, content: 'for someone else' });
      await db().conversation.update({ where: { id: dbId }, data: { status: 'resolved' } });
      await send(contact, { conversationId, content: 'reopen please', echoId: 'e-1' });
      await create(admin, { conversationId, content: 'public reply' });
      const mine = await subscription.nextMatching((r) => !isProbe(r.data?.messageCreated.content));
      expect(mine.data?.messageCreated).toMatchObject({ content: 'reopen please', messageType: 'INCOMING', echoId: 'e-1' });
      const reply = await subscription.nextMatching((r) => !isProbe(r.data?.messageCreated.content));
      expect(reply.errors).toBeUndefined();
      expect(reply.data?.messageCreated).toMatchObject({ content: 'public reply', messageType: 'OUTGOING' });
    } finally {
      await ws.dispose();
    }
  });

  it('delivers messageUpdated live, to agents and (for public messages) to the contact', async () => {
    const { conversationId, inbox, sourceId } = await seed();
    const target = success(await create(admin, { conversationId, content: 'to be read' }));
    const note = success(await create(admin, { conversationId, content: 'note', private: true }));
    const probe = success(await create(admin, { conversationId, content: 'probe target' }));
    let probes = 0;
    const sendProbe = () =>
      updateStatus(admin, { messageId: probe.id, status: 'FAILED', externalError: `probe-${++probes}` });
    const probed = (r: { data?: { messageUpdated: { externalError?: string | null } } | null }) =>
      isProbe(r.data?.messageUpdated.externalError);

    const agentWs = connectGraphqlWs(server.wsUrl, { api_access_token: admin });
    const contactWs = connectGraphqlWs(server.wsUrl, { inboxIdentifier: inbox.inbox_identifier, contactIdentifier: sourceId });
    try {
      await Promise.all([agentWs.connected, contactWs.connected]);
      const forAgent = agentWs.subscribe(MessagesAreaUpdatedDocument, { scope: { conversationId } });
      const forContact = contactWs.subscribe(MessagesAreaUpdatedDocument, {});
      await untilLive(forAgent, sendProbe, probed);
      await untilLive(forContact, sendProbe, probed);
      success(await remove(admin, note.id));
      success(await updateStatus(admin, { messageId: target.id, status: 'READ' }));

      const agentNote = await forAgent.nextMatching((r) => !probed(r));
      expect(agentNote.data?.messageUpdated).toMatchObject({ databaseId: note.databaseId, content: 'This message was deleted' });
      const agentRead = await forAgent.nextMatching((r) => !probed(r));
      expect(agentRead.data?.messageUpdated).toMatchObject({ databaseId: target.databaseId, status: 'READ' });
      const contactRead = await forContact.nextMatching((r) => !probed(r));
      expect(contactRead.data?.messageUpdated).toMatchObject({ databaseId: target.databaseId, status: 'READ' });
    } finally {
      await Promise.all([agentWs.dispose(), contactWs.dispose()]);
    }
  });
});

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `m${from + i}`);
}
