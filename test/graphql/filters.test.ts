/**
 * Custom filters over GraphQL: the same service, checks and messages as
 * `POST /conversations/filter` and `POST /contacts/filter` (CONFORMANCE.md
 * G-10, H-6; test/rest/filters.test.ts covers the attributes in depth).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountFilteredContactsDocument, AccountFilteredConversationsDocument } from '../generated/graphql.ts';
import { globalId, graphql, success } from '../support/graphql.ts';
import { accountPath, addInboxMember, adminApi, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let account: string;

beforeAll(async () => {
  server = await startServer();
  account = globalId('Account', server.accountId);
});
afterAll(async () => {
  await server?.stop();
});

describe('Account.filteredConversations', () => {
  it('H-6 finds the conversations of an inbox, with the counts; an agent only those of their inboxes', async () => {
    const mine = await seedConversation(server);
    const other = await seedConversation(server);
    const agent = await createAgent(server);
    await addInboxMember(server, mine.inbox.id, agent.id);
    const conditions = [
      { attributeKey: 'inbox_id', filterOperator: 'equal_to', values: [String(mine.inbox.id), String(other.inbox.id)], queryOperator: 'and' },
      { attributeKey: 'status', filterOperator: 'equal_to', values: ['open'] },
    ];
    const asAdmin = success((await graphql(server, server.adminToken, AccountFilteredConversationsDocument, { id: account, conditions })).data?.account);
    expect(success(asAdmin.filteredConversations).map((c) => c.displayId).sort()).toEqual(
      [mine.conversation.id, other.conversation.id].sort(),
    );
    expect(success(asAdmin.filteredConversationCounts)).toEqual({ mine: 0, assigned: 0, unassigned: 2, all: 2 });
    const asAgent = success((await graphql(server, agent.token, AccountFilteredConversationsDocument, { id: account, conditions })).data?.account);
    expect(success(asAgent.filteredConversations).map((c) => c.displayId)).toEqual([mine.conversation.id]);
    expect(success(asAgent.filteredConversationCounts).all).toBe(1);
  });

  it('H-6 an invalid operator or attribute is a ValidationError with Chatwoot\'s message', async () => {
    const reply = await graphql(server, server.adminToken, AccountFilteredConversationsDocument, {
      id: account,
      conditions: [{ attributeKey: 'status', filterOperator: 'contains', values: ['open'] }],
    });
    const found = success(reply.data?.account).filteredConversations;
    expect(found).toMatchObject({
      __typename: 'ValidationError',
      message: 'Invalid operator. The allowed operators for status are [equal_to,not_equal_to].',
    });
    const unknown = await graphql(server, server.adminToken, AccountFilteredConversationsDocument, {
      id: account,
      conditions: [{ attributeKey: 'phone_number', filterOperator: 'equal_to', values: ['1'] }],
    });
    expect(success(unknown.data?.account).filteredConversationCounts).toMatchObject({ __typename: 'ValidationError' });
  });
});

describe('Account.filteredContacts', () => {
  it('G-10 country_code equal_to US finds the US contacts, with their count; empty values are invalid', async () => {
    const city = `GraphCity-${process.pid}`;
    const created: number[] = [];
    for (const country_code of ['US', 'us', 'CA']) {
      const reply = await adminApi(server).post(accountPath(server, '/contacts'), {
        name: `Contact ${country_code}`,
        email: `${country_code}-${created.length}-${process.pid}@example.com`,
        additional_attributes: { country_code, city },
      });
      created.push(reply.body.payload.contact.id);
    }
    const conditions = [
      { attributeKey: 'country_code', filterOperator: 'equal_to', values: ['US'], queryOperator: 'AND' },
      { attributeKey: 'city', filterOperator: 'equal_to', values: [city] },
    ];
    const data = success((await graphql(server, server.adminToken, AccountFilteredContactsDocument, { id: account, conditions })).data?.account);
    expect(success(data.filteredContacts).map((c) => c.databaseId).sort()).toEqual(created.slice(0, 2).sort());
    expect(success(data.filteredContactCount)).toBe(2);
    const empty = await graphql(server, server.adminToken, AccountFilteredContactsDocument, {
      id: account,
      conditions: [{ attributeKey: 'country_code', filterOperator: 'equal_to', values: [] }],
    });
    expect(success(empty.data?.account).filteredContacts).toMatchObject({
      __typename: 'ValidationError',
      message: 'Invalid value. The values provided for country_code are invalid',
    });
  });
});
