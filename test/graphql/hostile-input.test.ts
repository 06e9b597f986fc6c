/**
 * Defects the generated GraphQL inputs found (test/fuzz/graphql.test.ts),
 * each pinned by one case: ids that name no record are answered as
 * documented (`node`/`nodes`: null; a mutation: a typed error), never as an
 * unexpected error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globalId } from '../support/graphql.ts';
import { seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let conversationId: number;

beforeAll(async () => {
  server = await startServer();
  await seedConversation(server);
  conversationId = (await server.app.database.prisma.conversation.findFirstOrThrow({})).id;
});
afterAll(async () => {
  await server?.stop();
});

async function post(query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: unknown[] } };
}

const NODE = 'query($id: ID!) { node(id: $id) { id ... on Conversation { displayId } } }';

describe('node and nodes with ids that name no record', () => {
  it.each([
    ['an unknown id', globalId('Conversation', 99_999)],
    ['an id beyond the integer column', globalId('Conversation', 2 ** 31)],
    ['an id beyond 64 bits', globalId('Inbox', '99999999999999999999999')],
    ['an id that is not a number', globalId('Contact', 'abc')],
    ['a fractional id', globalId('Conversation', '1.5')],
    ['a delivery id that is not a UUID', globalId('WebhookDelivery', 'abc')],
  ])('answers null for %s', async (_title, id) => {
    expect(await post(NODE, { id })).toEqual({ status: 200, body: { data: { node: null } } });
  });

  it('answers each id of nodes on its own: the record, then null for the others', async () => {
    const ids = [globalId('Conversation', conversationId), globalId('Conversation', 99_999), globalId('Inbox', 2 ** 31)];
    const reply = await post('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids });
    expect(reply).toEqual({ status: 200, body: { data: { nodes: [{ id: ids[0] }, null, null] } } });
  });

  it('answers null for a record deleted since its id was handed out', async () => {
    const { conversation } = await seedConversation(server);
    const id = (await server.app.database.prisma.conversation.findFirstOrThrow({ where: { displayId: conversation.id } })).id;
    await server.app.database.prisma.conversation.delete({ where: { id } });
    const reply = await post('query($id: ID!) { node(id: $id) { ... on Conversation { messages { edges { node { id } } } } } }', { id: globalId('Conversation', id) });
    expect(reply).toEqual({ status: 200, body: { data: { node: null } } });
  });
});

describe('mutation ids beyond the integer column', () => {
  it('are a NotFoundError, as an id no record has (REST answers 404), not a database failure', async () => {
    const reply = await post('mutation($input: MarkConversationSeenInput!) { markConversationSeen(input: $input) { __typename ... on Error { message } } }', {
      input: { conversationId: globalId('Conversation', 2 ** 31) },
    });
    expect(reply).toEqual({
      status: 200,
      body: { data: { markConversationSeen: { __typename: 'NotFoundError', message: 'Conversation not found' } } },
    });
  });
});
