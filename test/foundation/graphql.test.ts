/**
 * GraphQL at /graphql: queries over HTTP and `messageCreated` live over
 * graphql-ws, with the token in the connection_init payload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountNameDocument, MessageCreatedDocument } from '../generated/graphql.ts';
import { connectGraphqlWs, untilLive } from '../support/graphql-ws.ts';
import { client } from '../support/http.ts';
import { accountPath, adminApi, createAgent, addInboxMember, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { print } from 'graphql';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

async function graphqlPost(token: string | null, query: string, variables: Record<string, unknown>) {
  return client(server.url, null).post('/graphql', { query, variables }, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

describe('GraphQL over HTTP', () => {
  it('serves GraphiQL to a browser', async () => {
    const reply = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(reply.status).toBe(200);
    expect(await reply.text()).toContain('GraphiQL');
  });

  it('answers an account query for a member', async () => {
    const reply = await graphqlPost(server.adminToken, print(AccountNameDocument), { id: server.accountId });
    expect(reply.status).toBe(200);
    expect(reply.body.data.account).toMatchObject({ databaseId: server.accountId, name: 'Snypto' });
  });

  it('refuses an anonymous caller with a typed error', async () => {
    const reply = await graphqlPost(null, print(AccountNameDocument), { id: server.accountId });
    expect(reply.body.data).toBeNull();
    expect(reply.body.errors[0].message).toMatch(/not authorized/i);
  });

  it('refuses another account with the documented code', async () => {
    const reply = await graphqlPost(server.adminToken, print(AccountNameDocument), { id: 999_999 });
    expect(reply.body.errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('refuses an unknown token', async () => {
    const reply = await graphqlPost('not-a-real-token-123', print(AccountNameDocument), { id: server.accountId });
    expect(reply.body.errors[0]).toMatchObject({ message: 'Invalid Access Token', extensions: { code: 'INVALID_TOKEN' } });
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
      const subscription = ws.subscribe(MessageCreatedDocument, {
        accountId: server.accountId,
        conversationDisplayId: conversation.id,
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
      const subscription = ws.subscribe(MessageCreatedDocument, { accountId: server.accountId });
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
      const subscription = ws.subscribe(MessageCreatedDocument, { accountId: 424242 });
      const result = await subscription.next();
      expect(result.errors?.[0]?.message).toBe('Account not found');
    } finally {
      await ws.dispose();
    }
  });
});
