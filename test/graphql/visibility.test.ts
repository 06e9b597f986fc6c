/**
 * Nobody sees another account: every kind of object of a second tenant,
 * asked for by global id through `nodes`, comes back null to the first
 * tenant's administrator, one of its agents and one of its contacts, while
 * the second tenant's own administrator sees all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VisibilityNodesDocument } from '../generated/graphql.ts';
import { contactCaller, globalId, graphql } from '../support/graphql.ts';
import { createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let foreignIds: string[];
let foreignAdminToken: string;
beforeAll(async () => {
  server = await startServer();
  foreignIds = await seedForeignTenant();
});
afterAll(async () => {
  await server?.stop();
});

/** A second account with one object of every kind, written directly (there is no API to create accounts yet). */
async function seedForeignTenant(): Promise<string[]> {
  const db = server.app.database.prisma;
  const account = await db.account.create({ data: { name: 'Foreign' } });
  const admin = await db.user.create({
    data: {
      name: 'Foreign admin',
      email: 'admin@foreign.test',
      pubsubToken: 'foreign-pubsub-token-000000',
      accessToken: { create: { token: 'foreign-admin-token-0000000' } },
      accountUsers: { create: { accountId: account.id, role: 'administrator' } },
    },
    include: { accountUsers: true },
  });
  foreignAdminToken = 'foreign-admin-token-0000000';
  const channel = await db.channelApi.create({
    data: { accountId: account.id, identifier: 'foreign-inbox-identifier', hmacToken: 'foreign-hmac-token', secret: 'whsec_x' },
  });
  const inbox = await db.inbox.create({ data: { accountId: account.id, channelId: channel.id, name: 'Foreign inbox', workingHours: [] } });
  const contact = await db.contact.create({ data: { accountId: account.id, name: 'Foreign contact' } });
  const session = await db.contactInbox.create({
    data: { accountId: account.id, contactId: contact.id, inboxId: inbox.id, sourceId: 'foreign-source', pubsubToken: 'foreign-session-token' },
  });
  const conversation = await db.conversation.create({
    data: { accountId: account.id, displayId: 1, inboxId: inbox.id, contactId: contact.id, contactInboxId: session.id },
  });
  const message = await db.message.create({
    data: {
      accountId: account.id,
      inboxId: inbox.id,
      conversationId: conversation.id,
      messageType: 'incoming',
      content: 'foreign secret',
      senderType: 'Contact',
      senderContactId: contact.id,
    },
  });
  const bot = await db.agentBot.create({ data: { accountId: account.id, name: 'Foreign bot' } });
  const team = await db.team.create({ data: { accountId: account.id, name: 'Foreign team' } });
  const webhook = await db.webhook.create({ data: { accountId: account.id, url: 'https://foreign.test/hook', secret: 'whsec_y' } });
  return [
    globalId('Account', account.id),
    globalId('Agent', admin.accountUsers[0]!.id),
    globalId('Inbox', inbox.id),
    globalId('Contact', contact.id),
    globalId('ContactInbox', session.id),
    globalId('Conversation', conversation.id),
    globalId('Message', message.id),
    globalId('AgentBot', bot.id),
    globalId('Team', team.id),
    globalId('Webhook', webhook.id),
  ];
}

describe('another account by global id', () => {
  it('is visible to its own administrator (the ids are real)', async () => {
    const reply = await graphql(server, foreignAdminToken, VisibilityNodesDocument, { ids: foreignIds });
    expect(reply.data?.nodes.map((node) => node?.id)).toEqual(foreignIds);
  });

  it('is null for the first account administrator, an agent and a contact', async () => {
    const agent = await createAgent(server);
    const { inbox, sourceId } = await seedConversation(server);
    for (const caller of [server.adminToken, agent.token, contactCaller(inbox.inbox_identifier, sourceId)]) {
      const reply = await graphql(server, caller, VisibilityNodesDocument, { ids: foreignIds });
      expect(reply.data?.nodes).toEqual(foreignIds.map(() => null));
      expect(JSON.stringify(reply)).not.toContain('foreign');
    }
  });
});
