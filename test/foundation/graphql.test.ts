/**
 * GraphQL at /graphql: queries over HTTP and `messageCreated` live over
 * graphql-ws, with the token in the connection_init payload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountNameDocument, MessageCreatedDocument } from '../generated/graphql.ts';
import { connectGraphqlWs, untilLive } from '../support/graphql-ws.ts';
import { accountPath, adminApi, createAgent, addInboxMember, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { globalId, graphql, success } from '../support/graphql.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('GraphQL over HTTP', () => {
  it('serves GraphiQL to a browser', async () => {
    const reply = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(reply.status).toBe(200);
    expect(await reply.text()).toContain('GraphiQL');
  });

  it('answers an account query for a member', async () => {
    const reply = await graphql(server, server.adminToken, AccountNameDocument, { id: globalId('Account', server.accountId) });
    expect(reply.status).toBe(200);
    expect(success(reply.data?.account)).toMatchObject({ databaseId: server.accountId, name: 'Snypto' });
  });

  it('refuses an anonymous caller with UNAUTHENTICATED', async () => {
    const reply = await graphql(server, null, AccountNameDocument, { id: globalId('Account', server.accountId) });
    expect(reply.data).toBeNull();
    expect(reply.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers another account with a typed NotFoundError', async () => {
    const reply = await graphql(server, server.adminToken, AccountNameDocument, { id: globalId('Account', 999_999) });
    expect(reply.data?.account).toEqual({ __typename: 'NotFoundError', message: 'Account not found', code: 'NOT_FOUND' });
  });

  it('answers a malformed id with a typed ValidationError', async () => {
    const reply = await graphql(server, server.adminToken, AccountNameDocument, { id: 'not-a-global-id' });
    expect(reply.data?.account).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
  });

  it('refuses an unknown token', async () => {
    const reply = await graphql(server, 'not-a-real-token-123', AccountNameDocument, { id: globalId('Account', server.accountId) });
    expect(reply.errors?.[0]).toMatchObject({ message: 'Invalid Access Token', extensions: { code: 'INVALID_TOKEN' } });
  });
});

const postIncoming = (displayId: number, content: string) =>
  adminApi(server).post(accountPath(server, `/conversations/${displayId}/messages`), { content, message_type: 'incoming' });
const isProbe = (result: { data?: { messageCreated?: { content?: string | null } } | null }) =>
  result.data?.messageCreated?.content === 'probe';

describe('messageCreated over graphql-ws', () => {
  it('delivers a message created through REST to a subscribed administrator', async () => {
    const { conversation } = await seedConversation(server);
    const ws = connectGraphqlWs(server.wsUrl, { api_access_token: server.adminToken });
    try {
      await ws.connected;
      const row = await server.app.database.prisma.conversation.findUniqueOrThrow({ where: { uuid: conversation.uuid } });
      const subscription = ws.subscribe(MessageCreatedDocument, {
        scope: { conversationId: globalId('Conversation', row.id) },
      });
      await untilLive(subscription, () => postIncoming(conversation.id, 'probe'), isProbe);
      const created = await adminApi(server).post(accountPath(server, `/conversations/${conversation.id}/messages`), {
        content: 'live hello',
        message_type: 'incoming',
      });
      const result = await subscription.nextMatching((r) => !isProbe(r));
      expect(result.errors).toBeUndefined();
      expect(result.data?.messageCreated).toMatchObject({
        databaseId: created.body.id,
        content: 'live hello',
        messageType: 'INCOMING',
        private: false,
        conversation: { displayId: conversation.id },
      });
    } finally {
      await ws.dispose();
    }
  });

  it('sends an agent only the messages of inboxes they are a member of', async () => {
    const agent = await createAgent(server);
    const visible = await seedConversation(server);
    const hidden = await seedConversation(server);
    await addInboxMember(server, visible.inbox.id, agent.id);
    const ws = connectGraphqlWs(server.wsUrl, { api_access_token: agent.token });
    try {
      await ws.connected;
      const subscription = ws.subscribe(MessageCreatedDocument, { scope: { accountId: globalId('Account', server.accountId) } });
      await untilLive(subscription, () => postIncoming(visible.conversation.id, 'probe'), isProbe);
      await adminApi(server).post(accountPath(server, `/conversations/${hidden.conversation.id}/messages`), {
        content: 'not for the agent',
        message_type: 'incoming',
      });
      await adminApi(server).post(accountPath(server, `/conversations/${visible.conversation.id}/messages`), {
        content: 'for the agent',
        message_type: 'incoming',
      });
      const result = await subscription.nextMatching((r) => !isProbe(r));
      expect(result.data?.messageCreated.content).toBe('for the agent');
      await subscription.expectNothing(300, (r) => !isProbe(r));
    } finally {
      await ws.dispose();
    }
  });

  it('closes the socket with 4403 for an unknown token in connection_init', async () => {
    const ws = connectGraphqlWs(server.wsUrl, { api_access_token: 'unknown-token-0000000' });
    await expect(ws.connected).rejects.toThrow();
    expect(await ws.closed).toBe(4403);
    await ws.dispose();
  });

  it('rejects a subscription to an account the caller is not a member of', async () => {
    const ws = connectGraphqlWs(server.wsUrl, { api_access_token: server.adminToken });
    try {
      await ws.connected;
      const subscription = ws.subscribe(MessageCreatedDocument, { scope: { accountId: globalId('Account', 424242) } });
      const result = await subscription.next();
      expect(result.errors?.[0]?.message).toBe('Account not found');
    } finally {
      await ws.dispose();
    }
  });
});
