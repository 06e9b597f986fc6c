/**
 * Generated bad input on GraphQL (issue 16, item 3): every mutation of the
 * built schema, and every query argument that reaches the database, called
 * over HTTP with variables generated from its input type — hostile but
 * type-correct values (lone surrogates, NUL, very long strings, boundary
 * numbers, 10,000-level JSON, prototype keys, foreign and malformed global
 * ids) and wrong-typed values that coercion must refuse — as an
 * administrator, an agent, a contact and nobody. Properties: never a 5xx,
 * never Yoga's masked `Unexpected error.` nor an unexpected error logged, a
 * refused call writes nothing, no prototype is polluted, and the server stays
 * healthy.
 */
import fc from 'fast-check';
import { isNonNullType, type GraphQLField, type GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { schema } from '../../src/graphql/schema.ts';
import { writeFingerprint } from '../support/bad-input.ts';
import { contactCaller, globalId, type Caller } from '../support/graphql.ts';
import { accountPath, addInboxMember, adminApi, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';
import { selectionOf, valueFor, variablesJson, type IdPool } from './graphql-hostile.ts';
import type { Value } from './rest-hostile.ts';
import { FUZZ_SECONDS, fuzzParameters, fuzzTimeout } from './settings.ts';

let server: TestServer;
let ids: IdPool;
let callers: { name: string; caller: Caller }[];
/** Errors the server logged (unexpected failures are logged; nothing else logs at `error` here). */
const logged: unknown[] = [];

beforeAll(async () => {
  server = await startServer();
  const db = server.app.database.prisma;
  // Deliveries are not under test here, and the worker writes a failed delivery onto its message in the
  // background: a refused call could not be shown to write nothing while it runs.
  await server.app.webhooks.stop();
  vi.spyOn(server.app.http.log, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));

  const main = await seedConversation(server, 'https://example.com/inbox-hook');
  const victim = await seedConversation(server);
  const agent = await createAgent(server);
  await addInboxMember(server, main.inbox.id, agent.id);
  const victimAgent = await createAgent(server);
  for (const content of ['hello', 'again'])
    expect((await adminApi(server).post(accountPath(server, `/conversations/${main.conversation.id}/messages`), { content })).status).toBe(200);
  const interactive = await adminApi(server).post(accountPath(server, `/conversations/${main.conversation.id}/messages`), {
    content: 'Pick one',
    content_type: 'input_select',
    content_attributes: { items: [{ title: 'A', value: 'a' }] },
  });
  expect(interactive.status).toBe(200);
  const webhook = await adminApi(server).post(accountPath(server, '/webhooks'), { url: 'https://example.com/hook', subscriptions: ['message_created'] });
  expect(webhook.status).toBe(200);
  const victimWebhook = await adminApi(server).post(accountPath(server, '/webhooks'), { url: 'https://example.com/victim' });
  const bot = await db.agentBot.create({ data: { accountId: server.accountId, name: 'Fuzz bot' } });
  const team = await db.team.create({ data: { accountId: server.accountId, name: 'Fuzz team' } });
  const conversations = await db.conversation.findMany({ where: { accountId: server.accountId }, select: { id: true } });
  const messages = await db.message.findMany({ where: { accountId: server.accountId }, select: { id: true } });
  const agents = await db.accountUser.findMany({ where: { accountId: server.accountId }, select: { id: true, userId: true } });
  const agentIdOf = (userId: number) => agents.find((a) => a.userId === userId)!.id;
  const foreign = await seedForeignTenant(server);
  const g = globalId;
  ids = {
    valid: {
      Account: [g('Account', server.accountId)],
      // Deleting the seeded records would leave later cases nothing to reach: delete* and remove* name the victims.
      Inbox: [g('Inbox', main.inbox.id), g('Inbox', victim.inbox.id)],
      Contact: [g('Contact', main.contactId), g('Contact', victim.contactId)],
      Conversation: conversations.map((c) => g('Conversation', c.id)),
      Message: messages.map((m) => g('Message', m.id)),
      Agent: [g('Agent', agentIdOf(victimAgent.id))],
      AgentBot: [g('AgentBot', bot.id)],
      Team: [g('Team', team.id)],
      Webhook: [g('Webhook', webhook.body.id), g('Webhook', victimWebhook.body.id)],
    },
    foreign: [
      g('Account', foreign.account.id),
      g('Inbox', foreign.inbox.id),
      g('Contact', foreign.contact.id),
      g('Conversation', foreign.conversation.id),
      g('Message', foreign.message.id),
      g('Agent', foreign.agent.id),
      g('AgentBot', foreign.bot.id),
      g('Team', foreign.team.id),
      g('Webhook', foreign.webhook.id),
      g('Conversation', 2 ** 31),
      g('Contact', 999_999_999_999_999),
      g('Inbox', -1),
      g('Inbox', '1.5'),
      g('Inbox', '0x10'),
      g('Message', ''),
      g('__proto__', 1),
      g('Profile', 1),
      g('WebhookDelivery', 'not-a-uuid'),
      Buffer.from('Inbox:1\u0000').toString('base64'),
      'Inbox:1',
      '!!!not base64!!!',
      '',
      '00000000-0000-0000-0000-000000000000',
    ],
  };
  callers = [
    { name: 'administrator', caller: server.adminToken },
    { name: 'agent', caller: agent.token },
    { name: 'contact', caller: contactCaller(main.inbox.inbox_identifier, main.sourceId) },
    { name: 'nobody', caller: null },
    { name: 'unknown token', caller: 'not-a-token\u0000' },
  ];
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

/** Callers, administrators most often: their calls pass authorisation and reach the rules. */
const callerIndex = fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) });

interface Answer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: { message: string }[] } | undefined;
}

async function post(caller: Caller, query: string, variables: Record<string, Value>): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
  // A token with a NUL cannot be a header: such a caller sends it as `api_access_token` in the variables-free form.
  if (typeof caller === 'string') headers.authorization = `Bearer ${caller.replace(/\0/g, '%00')}`;
  else if (caller) Object.assign(headers, caller.headers);
  const json = variablesJson(variables);
  // A generated value too large to send (several strings of a million characters) is no case: skip it.
  fc.pre(json !== undefined);
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers,
    body: `{"query":${JSON.stringify(query)},"variables":${json}}`,
  });
  const text = await response.text();
  // Anything logged now was logged while serving this call (they run one at a time).
  await new Promise((resolve) => setImmediate(resolve));
  let body: Answer['body'];
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

/** The properties every answer holds; `refused` answers also wrote nothing. */
async function expectClean(answer: Answer, field: string, before: Record<string, string>) {
  expect(answer.status, JSON.stringify(answer.body)?.slice(0, 500)).toBeLessThan(500);
  expect(answer.body, 'the answer is JSON').toBeTypeOf('object');
  const messages = (answer.body?.errors ?? []).map((e) => e.message);
  // What was logged names the failure; the masked message alone would not.
  const errorText = (value: unknown) => (value instanceof Error ? `${value.name}: ${value.message}\n${value.stack?.split('\n').slice(1, 6).join('\n')}` : value);
  if (logged.length) throw new Error(`logged as unexpected: ${logged.map((args) => JSON.stringify(args, (_k, v) => errorText(v), 1).slice(0, 2500)).join('\n')}`);
  expect(messages).not.toContain('Unexpected error.');
  expect(Object.prototype).not.toHaveProperty('polluted');
  const result = answer.body?.data?.[field] as { __typename?: string } | null | undefined;
  const refused = messages.length > 0 || !result || /Error$/.test(result.__typename ?? '');
  if (refused) expect(await writeFingerprint(server), `refused ${field} wrote: ${JSON.stringify(answer.body).slice(0, 300)}`).toEqual(before);
}

/** Runs a property with fc.check, logging its case count in `npm run fuzz`. */
async function check<T>(name: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, runs: number, share: number) {
  const details = await fc.check(fc.asyncProperty(arbitrary, predicate), fuzzParameters<[T]>(runs, share));
  if (FUZZ_SECONDS !== undefined) console.log(`[fuzz] graphql ${name}: ${details.numRuns} cases`);
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? `${details.errorInstance.message}\n${details.errorInstance.stack?.split("\n").slice(1, 6).join("\n")}` : String(details.errorInstance);
    throw new Error(`${fc.defaultReportMessage(details) ?? 'property failed'}\n\nGot: ${cause}`);
  }
  const health = await fetch(`${server.url}/health`);
  expect(health.status).toBe(200);
}

const mutations = Object.values(schema.getMutationType()!.getFields());
/** Replaces the admin's own token; nothing to generate (no input) and every later case would lose its caller. */
const NOT_FUZZED = new Set(['resetAccessToken']);
const fuzzed = mutations.filter((m) => !NOT_FUZZED.has(m.name));
/** Of FUZZ_SECONDS in `npm run fuzz`: mutations get most, query arguments the rest. */
const MUTATION_SHARE = 0.75 / fuzzed.length;

function mutationDocument(field: GraphQLField<unknown, unknown>): string {
  const [input] = field.args;
  return `mutation Fuzz($input: ${input!.type}) { ${field.name}(input: $input) ${selectionOf(schema, field.type)} }`;
}

describe('every mutation refuses hostile input cleanly', () => {
  it('covers every mutation of the schema', () => {
    expect(fuzzed.length).toBeGreaterThanOrEqual(40);
    expect(fuzzed.every((m) => m.args.length === 1 && m.args[0]!.name === 'input')).toBe(true);
  });

  for (const field of fuzzed) {
    it(
      `${field.name}`,
      async () => {
        const input = field.args[0]!;
        const document = mutationDocument(field);
        const cases = fc.record({
          caller: callerIndex,
          // One case in five carries a wrong-typed value somewhere: coercion must refuse it before any resolver.
          input: fc.oneof({ weight: 4, arbitrary: valueFor(input.type, 'input', field.name, ids) }, { weight: 1, arbitrary: valueFor(input.type, 'input', field.name, ids, 3) }),
        });
        await check(
          field.name,
          cases,
          async ({ caller, input }) => {
            const before = await writeFingerprint(server);
            logged.length = 0;
            const answer = await post(callers[caller]!.caller, document, { input });
            await expectClean(answer, field.name, before);
          },
          6,
          MUTATION_SHARE,
        );
      },
      fuzzTimeout(20_000, MUTATION_SHARE),
    );
  }
});

/** Query fields with arguments, reached from the root: Account's through `account`, the others' through `node`. */
function queryTargets(): { name: string; owner: string; field: GraphQLField<unknown, unknown> }[] {
  const targets: { name: string; owner: string; field: GraphQLField<unknown, unknown> }[] = [];
  for (const field of Object.values(schema.getQueryType()!.getFields())) if (field.args.length) targets.push({ name: `Query.${field.name}`, owner: 'Query', field });
  for (const owner of ['Account', 'Conversation', 'Contact', 'ContactInbox', 'Inbox', 'Webhook']) {
    const type = schema.getType(owner) as GraphQLObjectType;
    for (const field of Object.values(type.getFields())) if (field.args.length) targets.push({ name: `${owner}.${field.name}`, owner, field });
  }
  return targets;
}

function queryDocument(owner: string, field: GraphQLField<unknown, unknown>): { document: string; root: string } {
  const definitions = field.args.map((arg) => `$${arg.name}: ${arg.type}`);
  const call = `${field.name}${field.args.length ? `(${field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ')})` : ''} ${selectionOf(schema, field.type, 1)}`;
  if (owner === 'Query') return { document: `query Fuzz(${definitions.join(', ')}) { ${call} }`, root: field.name };
  const parent = owner === 'Account' ? `account(id: $parentId) { ... on AccountSuccess { data { ${call} } } }` : `node(id: $parentId) { ... on ${owner} { ${call} } }`;
  return { document: `query Fuzz($parentId: ID!, ${definitions.join(', ')}) { ${parent} }`, root: owner === 'Account' ? 'account' : 'node' };
}

describe('every query argument refuses hostile input cleanly', () => {
  const targets = queryTargets();
  it('covers the arguments that reach the database as strings', () => {
    const names = targets.map((t) => t.name);
    for (const name of ['Query.publicInbox', 'Account.conversations', 'Account.contacts', 'Account.conversation', 'Account.filteredConversations', 'Conversation.messages'])
      expect(names).toContain(name);
  });

  it(
    'query arguments',
    async () => {
      const parentIds = (owner: string) => [...(ids.valid[owner] ?? []), ...ids.foreign.slice(0, 3)];
      const cases = fc
        .constantFrom(...targets)
        .chain((target) =>
          fc.record({
            target: fc.constant(target),
            caller: callerIndex,
            parentId: fc.constantFrom(...(target.owner === 'Query' ? [''] : parentIds(target.owner === 'ContactInbox' ? 'Contact' : target.owner))),
            args: fc.record(
              Object.fromEntries(
                target.field.args.map((arg) => [
                  arg.name,
                  fc.oneof({ weight: 5, arbitrary: valueFor(arg.type, arg.name, target.owner, ids) }, { weight: 1, arbitrary: valueFor(arg.type, arg.name, target.owner, ids, 3) }),
                ]),
              ),
              { requiredKeys: target.field.args.filter((arg) => isNonNullType(arg.type)).map((arg) => arg.name) as never[] },
            ),
          }),
        )
        .map((c) => ({ ...c, [fc.toStringMethod]: () => `${c.target.name} as ${callers[c.caller]!.name} ${JSON.stringify(c.args, (_k, v) => (typeof v === 'string' && v.length > 80 ? `<${v.length} chars>` : v)).slice(0, 2000)} on ${c.parentId}}` }));
      await check(
        'query arguments',
        cases,
        async ({ target, caller, parentId, args }) => {
          const { document, root } = queryDocument(target.owner, target.field);
          const variables = target.owner === 'Query' ? (args as Record<string, Value>) : { parentId, ...(args as Record<string, Value>) };
          const before = await writeFingerprint(server);
          logged.length = 0;
          const answer = await post(callers[caller]!.caller, document, variables);
          await expectClean(answer, root, before);
          // A query never writes, whatever it is given.
          expect(await writeFingerprint(server)).toEqual(before);
        },
        80,
        0.25,
      );
    },
    fuzzTimeout(40_000, 0.25),
  );
});
