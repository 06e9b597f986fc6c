/**
 * The whole API-channel seed flow through GraphQL alone: an inbox, an agent
 * made its member, a contact with a session in the inbox, a conversation and
 * its messages, watched live at the same time over graphql-ws, graphql-sse
 * (single connection mode) and Yoga's GraphQL over SSE, by the agent (with
 * their own token, as a member of the inbox).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SeedFlowCreateAgentDocument,
  SeedFlowCreateContactDocument,
  SeedFlowCreateConversationDocument,
  SeedFlowCreateInboxDocument,
  SeedFlowCreateMessageDocument,
  SeedFlowSetInboxMembersDocument,
  SeedFlowWatchDocument,
} from '../generated/graphql.ts';
import { connectGraphqlSse } from '../support/graphql-sse.ts';
import { connectGraphqlWs } from '../support/graphql-ws.ts';
import { globalId, graphql, success } from '../support/graphql.ts';
import type { Subscription } from '../support/subscription-queue.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('the seed flow over GraphQL', () => {
  it('creates everything with mutations and delivers the messages live over all three transports', async () => {
    const admin = server.adminToken;
    const accountId = globalId('Account', server.accountId);
    const inbox = success(
      (await graphql(server, admin, SeedFlowCreateInboxDocument, { input: { accountId, name: 'Website chat' } })).data
        ?.createInbox,
    );
    const agent = success(
      (
        await graphql(server, admin, SeedFlowCreateAgentDocument, {
          input: { accountId, name: 'Ann Agent', email: 'ann.seedflow@example.com', role: 'AGENT' },
        })
      ).data?.createAgent,
    );
    const members = success(
      (await graphql(server, admin, SeedFlowSetInboxMembersDocument, { input: { inboxId: inbox.id, agentIds: [agent.id] } }))
        .data?.setInboxMembers,
    );
    expect(members.members.totalCount).toBe(1);
    const contact = success(
      (
        await graphql(server, admin, SeedFlowCreateContactDocument, {
          input: { accountId, name: 'Jane Doe', inboxId: inbox.id, sourceId: 'customer-42' },
        })
      ).data?.createContact,
    );
    expect(contact.contactInboxes).toEqual([{ sourceId: 'customer-42' }]);
    const conversation = success(
      (await graphql(server, admin, SeedFlowCreateConversationDocument, { input: { accountId, sourceId: 'customer-42' } }))
        .data?.createConversation,
    );
    expect(conversation.status).toBe('OPEN');

    // The agent watches with their own token, over each transport at once.
    const agentRow = await server.app.database.prisma.accessToken.findFirstOrThrow({ where: { userId: agent.userDatabaseId } });
    const headers = { authorization: `Bearer ${agentRow.token}` };
    const scope = { scope: { conversationId: conversation.id } };
    const ws = connectGraphqlWs(server.wsUrl, { api_access_token: agentRow.token });
    const sseSingle = connectGraphqlSse(`${server.url}/graphql/stream`, { headers, singleConnection: true });
    const yogaSse = connectGraphqlSse(`${server.url}/graphql`, { headers });
    try {
      await ws.connected;
      const watchers: [string, Subscription<{ messageCreated: { content?: string | null } }>][] = [
        ['graphql-ws', ws.subscribe(SeedFlowWatchDocument, scope)],
        ['graphql-sse', sseSingle.subscribe(SeedFlowWatchDocument, scope)],
        ['Yoga SSE', yogaSse.subscribe(SeedFlowWatchDocument, scope)],
      ];
      const send = (content: string, messageType: 'INCOMING' | 'OUTGOING') =>
        graphql(server, admin, SeedFlowCreateMessageDocument, { input: { conversationId: conversation.id, content, messageType } });

      // Probe until every transport hears, then the real messages.
      for (let attempt = 0; ; attempt++) {
        await send(`probe ${attempt}`, 'INCOMING');
        const heard = await Promise.all(
          watchers.map(([, watcher]) =>
            watcher.nextMatching((r) => r.data?.messageCreated.content === `probe ${attempt}`, 300).then(() => true, () => false),
          ),
        );
        if (heard.every(Boolean)) break;
        if (attempt > 40) throw new Error('not every transport became live');
      }
      const question = success((await send('Where is my order?', 'INCOMING')).data?.createMessage);
      const answer = success((await send('It ships today.', 'OUTGOING')).data?.createMessage);
      for (const [transport, watcher] of watchers) {
        const first = await watcher.nextMatching((r) => !r.data?.messageCreated.content?.startsWith('probe'));
        const second = await watcher.nextMatching((r) => !r.data?.messageCreated.content?.startsWith('probe'));
        expect([transport, first.data?.messageCreated]).toEqual([
          transport,
          { id: question.id, content: 'Where is my order?', messageType: 'INCOMING', conversation: { displayId: conversation.displayId }, sender: { __typename: 'Contact' } },
        ]);
        expect([transport, second.data?.messageCreated]).toEqual([
          transport,
          { id: answer.id, content: 'It ships today.', messageType: 'OUTGOING', conversation: { displayId: conversation.displayId }, sender: { __typename: 'Agent' } },
        ]);
      }
    } finally {
      await ws.dispose();
      sseSingle.dispose();
      yogaSse.dispose();
    }
  });
});
