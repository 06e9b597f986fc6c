/**
 * graphql-armor's limits: an abusive operation is refused before it runs,
 * with one GraphQL error naming the limit, on HTTP as on graphql-ws; the
 * operations real clients send (the benchmark's conversation list, the
 * test operations, GraphiQL's introspection) pass. Introspection is inside
 * the limits too: its cost counts, and its depth has a limit of its own.
 */
import { getIntrospectionQuery, parse } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONVERSATION_LIST, CONVERSATION_LIST_WITH_MESSAGES } from '../../bench/graphql/conversation-list.ts';
import { QUERY_LIMITS } from '../../src/graphql/limits.ts';
import { connectGraphqlWs } from '../support/graphql-ws.ts';
import { globalId } from '../support/graphql.ts';
import { seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  await seedConversation(server);
});
afterAll(async () => {
  await server?.stop();
});

async function run(query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as { data?: any; errors?: { message: string }[] }) };
}

/** Message → conversation → messages → … nested `levels` times. */
function deepQuery(levels: number): string {
  let selection = 'id';
  for (let i = 0; i < levels; i++) selection = `conversation { messages(first: 1) { edges { node { ${selection} } } } }`;
  return `query Deep($id: ID!) { node(id: $id) { ... on Message { ${selection} } } }`;
}

/**
 * `__schema { types { fields { type { ofType { ofType … name } } } } }` with `levels` nested `ofType`s: a circular
 * introspection whose depth is levels + 5 (the standard query's `TypeRef` nests nine, plus its fields: 15).
 */
function circularIntrospection(levels: number): string {
  let selection = 'name';
  for (let i = 0; i < levels; i++) selection = `ofType { ${selection} }`;
  return `{ __schema { types { fields { type { ${selection} } } } } }`;
}

/**
 * The introspection query of graphql-js as tools send it: its defaults (graphql-codegen's URL loader, most
 * clients), GraphiQL's (graphql-yoga 5's GraphiQL passes `inputValueDeprecation` and `schemaDescription` when
 * enabled, descriptions on by default), and every option graphql 16 offers.
 */
const INTROSPECTION_QUERIES = [
  ['the default introspection query', getIntrospectionQuery()],
  ["GraphiQL's introspection query", getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, schemaDescription: true })],
  [
    'the introspection query with every option',
    getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    }),
  ],
] as const;

describe('query limits', () => {
  it.each([
    ['the benchmarked conversation list', CONVERSATION_LIST],
    ['the conversation list with each conversation\'s last 20 messages', CONVERSATION_LIST_WITH_MESSAGES],
  ])('lets %s through', async (_name, query) => {
    const reply = await run(query, { account: globalId('Account', server.accountId) });
    expect(reply.errors).toBeUndefined();
    expect(reply.data.account.data.conversations.totalCount).toBeGreaterThan(0);
  });

  it.each(INTROSPECTION_QUERIES)("lets %s through", async (_name, query) => {
    const reply = await run(query);
    expect(reply.errors).toBeUndefined();
    expect(reply.data.__schema.queryType.name).toBe('Query');
  });

  it.each(INTROSPECTION_QUERIES)('lets %s through over graphql-ws', async (_name, query) => {
    const ws = connectGraphqlWs(server.wsUrl, { api_access_token: server.adminToken });
    try {
      await ws.connected;
      const result = await ws.subscribe(parse(query) as TypedDocumentNode<any, Record<string, never>>, {}).next();
      expect(result.errors).toBeUndefined();
      expect(result.data.__schema.queryType.name).toBe('Query');
    } finally {
      await ws.dispose();
    }
  });

  it('refuses an introspection nested deeper than its own limit', async () => {
    const reply = await run(circularIntrospection(20));
    expect(reply.data).toBeUndefined();
    expect(reply.errors?.[0]?.message).toMatch(/Introspection depth limit of 15 exceeded/);
  });

  it('refuses an introspection one level deeper than the standard query', async () => {
    // __schema, types, fields, type, 11 ofType and name: 16 levels; with 10 ofType, 15 as the standard query.
    const reply = await run(circularIntrospection(11));
    expect(reply.errors?.[0]?.message).toMatch(/Introspection depth limit of 15 exceeded/);
    expect((await run(circularIntrospection(10))).errors).toBeUndefined();
  });

  it('counts the cost of introspection like any other selection', async () => {
    // Each fragment spreads the next twice: a short document whose estimated cost doubles 16 times.
    const fragments = Array.from({ length: 16 }, (_, i) => `fragment F${i} on __Type { name ...F${i + 1} ...F${i + 1} }`);
    const query = `{ __schema { types { ...F0 } } } ${fragments.join(' ')} fragment F16 on __Type { kind }`;
    const reply = await run(query);
    expect(reply.data).toBeUndefined();
    expect(reply.errors?.[0]?.message).toMatch(/Query Cost limit of 25000 exceeded/);
  });

  it('refuses introspection that nests the lists of a type (graphql-js MaxIntrospectionDepthRule)', async () => {
    const reply = await run('{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }');
    expect(reply.data).toBeUndefined();
    expect(reply.errors?.[0]?.message).toMatch(/Maximum introspection depth exceeded/);
  });

  it('refuses an operation nested deeper than the limit', async () => {
    const reply = await run(deepQuery(4), { id: globalId('Message', 1) });
    expect(reply.data).toBeUndefined();
    expect(reply.errors?.[0]?.message).toMatch(/Query depth limit of 12 exceeded/);
  });

  it('refuses more aliases than the limit', async () => {
    const aliases = Array.from({ length: QUERY_LIMITS.maxAliases + 1 }, (_, i) => `a${i}: me { id }`).join(' ');
    const reply = await run(`{ ${aliases} }`);
    expect(reply.errors?.[0]?.message).toMatch(/Aliases limit of 15 exceeded/);
  });

  it('refuses a document with more tokens than the limit', async () => {
    const fields = Array.from({ length: QUERY_LIMITS.maxTokens }, () => '__typename').join(' ');
    const reply = await run(`{ ${fields} }`);
    expect(reply.errors?.[0]?.message).toMatch(/Token limit of 3000 exceeded/);
  });

  it('refuses an operation whose answer could be too large', async () => {
    const page = 'edges { node { id content createdAt } }';
    const query = `query($a: ID!) { account(id: $a) { ... on AccountSuccess { data {
      conversations(first: 100) { edges { node { id messages(first: 100) { ${page} } } } } } } } }`;
    const reply = await run(query, { a: globalId('Account', server.accountId) });
    expect(reply.data).toBeUndefined();
    expect(reply.errors?.[0]?.message).toMatch(/Query Cost limit of 25000 exceeded/);
  });

  it('applies the same limits over graphql-ws', async () => {
    const ws = connectGraphqlWs(server.wsUrl, { api_access_token: server.adminToken });
    try {
      await ws.connected;
      const aliases = Array.from({ length: QUERY_LIMITS.maxAliases + 1 }, (_, i) => `a${i}: me { id }`).join(' ');
      const result = await ws.subscribe(
        parse(`query { ${aliases} }`) as never,
        {},
      ).next();
      expect(JSON.stringify(result.errors)).toMatch(/Aliases limit of 15 exceeded/);
    } finally {
      await ws.dispose();
    }
  });
});
