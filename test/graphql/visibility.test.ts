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
import { seedForeignTenant } from '../support/tenant.ts';

let server: TestServer;
let foreignIds: string[];
let foreignAdminToken: string;
beforeAll(async () => {
  server = await startServer();
  foreignIds = await seedForeignTenantIds();
});
afterAll(async () => {
  await server?.stop();
});

/** The global ids of one object of every kind in a second account. */
async function seedForeignTenantIds(): Promise<string[]> {
  const tenant = await seedForeignTenant(server);
  foreignAdminToken = tenant.adminToken;
  return [
    globalId('Account', tenant.account.id),
    globalId('Agent', tenant.agent.id),
    globalId('Inbox', tenant.inbox.id),
    globalId('Contact', tenant.contact.id),
    globalId('ContactInbox', tenant.contactInbox.id),
    globalId('Conversation', tenant.conversation.id),
    globalId('Message', tenant.message.id),
    globalId('AgentBot', tenant.bot.id),
    globalId('Team', tenant.team.id),
    globalId('Webhook', tenant.webhook.id),
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
