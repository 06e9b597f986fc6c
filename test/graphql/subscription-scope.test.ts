/**
 * Subscriptions without a `scope` (issue 16, item 5): a user or agent bot
 * who belongs to exactly one account listens to that account, and hears only
 * what they may hear there; a caller of several accounts (or of none) is told
 * that `scope` is required; an anonymous caller is told to sign in. The cases
 * are generated from the Subscription type of the printed schema, over every
 * transport: graphql-ws, Yoga's GraphQL over SSE (POST /graphql with
 * `Accept: text/event-stream`) and graphql-sse at /graphql/stream (distinct
 * connections mode; the single connection mode reaches the same server path
 * but for its reservation, which test/graphql/transports.test.ts covers).
 */
import { readFileSync } from 'node:fs';
import { buildSchema, getNamedType, parse, type ExecutionResult } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientPaths } from '../support/client-api.ts';
import { connectGraphqlSse } from '../support/graphql-sse.ts';
import { connectGraphqlWs, untilLive } from '../support/graphql-ws.ts';
import { globalId } from '../support/graphql.ts';
import { client } from '../support/http.ts';
import { addInboxMember, createAgent, createContactInInbox, createInbox } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import type { Subscription } from '../support/subscription-queue.ts';
import { seedForeignTenant } from '../support/tenant.ts';

const SUBSCRIPTION_FIELDS = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'))
  .getSubscriptionType()!
  .getFields();

/** Where an event happens: an account, one of its API inboxes with a contact's session, and who may write there. */
interface Place {
  api: ReturnType<typeof client>;
  accountId: number;
  inboxIdentifier: string;
  sourceId: string;
}

/** What a subscription result is about: the global id of its subject. */
type Marker = string;

const prisma = () => server.app.database.prisma;
const path = (place: Place, suffix: string) => `/api/v1/accounts/${place.accountId}${suffix}`;

async function ok(reply: Promise<{ status: number; body: any; text: string }>) {
  const answered = await reply;
  expect(answered.status, answered.text).toBe(200);
  return answered.body;
}

async function newConversation(place: Place): Promise<{ displayId: number; marker: Marker }> {
  const body = await ok(place.api.post(path(place, '/conversations'), { source_id: place.sourceId }));
  const row = await prisma().conversation.findFirstOrThrow({ where: { accountId: place.accountId, displayId: body.id } });
  return { displayId: body.id, marker: globalId('Conversation', row.id) };
}

async function newMessage(place: Place): Promise<number> {
  const { displayId } = await newConversation(place);
  const body = await ok(place.api.post(path(place, `/conversations/${displayId}/messages`), { content: 'hello', message_type: 'outgoing' }));
  return body.id as number;
}

async function newContact(place: Place): Promise<number> {
  const body = await ok(place.api.post(path(place, '/contacts'), { name: 'Someone' }));
  return body.payload.contact.id as number;
}

/**
 * How to make each subscription field fire once in a place, with a new
 * subject each time, so that every result can be told apart. `inboxScoped`:
 * the event belongs to an inbox, so an agent hears it only from their inboxes.
 */
const TRIGGERS: Record<string, { inboxScoped: boolean; fire(place: Place): Promise<Marker> }> = {
  messageCreated: { inboxScoped: true, fire: async (place) => globalId('Message', await newMessage(place)) },
  messageUpdated: {
    inboxScoped: true,
    async fire(place) {
      const { displayId } = await newConversation(place);
      const message = await ok(place.api.post(path(place, `/conversations/${displayId}/messages`), { content: 'to delete' }));
      await ok(place.api.delete(path(place, `/conversations/${displayId}/messages/${message.id}`)));
      return globalId('Message', message.id);
    },
  },
  conversationCreated: { inboxScoped: true, fire: async (place) => (await newConversation(place)).marker },
  conversationUpdated: {
    inboxScoped: true,
    async fire(place) {
      const { displayId, marker } = await newConversation(place);
      await ok(place.api.post(path(place, `/conversations/${displayId}/toggle_status`), { status: 'resolved' }));
      return marker;
    },
  },
  conversationTyping: {
    inboxScoped: true,
    async fire(place) {
      // The contact types: nobody hears their own typing, and the subscribers here are staff.
      const { displayId, marker } = await newConversation(place);
      const typing = clientPaths(place.inboxIdentifier).conversation(place.sourceId, displayId, '/toggle_typing');
      await ok(client(server.url, null).post(typing, { typing_status: 'on' }));
      return marker;
    },
  },
  contactCreated: { inboxScoped: false, fire: async (place) => globalId('Contact', await newContact(place)) },
  contactUpdated: {
    inboxScoped: false,
    async fire(place) {
      const id = await newContact(place);
      await ok(place.api.patch(path(place, `/contacts/${id}`), { name: 'Someone else' }));
      return globalId('Contact', id);
    },
  },
  roomEvents: { inboxScoped: true, fire: async (place) => globalId('Message', await newMessage(place)) },
};

/** The selection and the marker of a result, by the field's type. */
const SHAPES: Record<string, { selection: string; marker(value: any): Marker | undefined }> = {
  Message: { selection: 'id', marker: (value) => value.id },
  Conversation: { selection: 'id', marker: (value) => value.id },
  Contact: { selection: 'id', marker: (value) => value.id },
  ConversationTyping: { selection: 'conversation { id }', marker: (value) => value.conversation.id },
  RoomEvent: {
    selection: 'event data',
    marker: (value) => (value.event === 'message.created' ? globalId('Message', value.data.id) : undefined),
  },
};

const typeName = (field: string): string => getNamedType(SUBSCRIPTION_FIELDS[field]!.type).name;
const documentOf = (field: string) =>
  parse(`subscription { ${field} { ${SHAPES[typeName(field)]!.selection} } }`) as TypedDocumentNode<Record<string, unknown>, Record<string, never>>;
const markerOf = (field: string, result: ExecutionResult<Record<string, unknown>>) =>
  result.data?.[field] ? SHAPES[typeName(field)]!.marker(result.data[field]) : undefined;

/** Every transport, each with its official client; `token` null is an anonymous caller. */
const TRANSPORTS: { name: string; open(token: string | null): { subscribe: typeof subscribeWith; dispose(): unknown } }[] = [
  {
    name: 'graphql-ws',
    open(token) {
      const ws = connectGraphqlWs(server.wsUrl, token ? { api_access_token: token } : {});
      return { subscribe: (document) => ws.subscribe(document, {}), dispose: () => ws.dispose() };
    },
  },
  ...[
    { name: "Yoga's GraphQL over SSE, /graphql", url: '/graphql', singleConnection: false },
    { name: 'graphql-sse, distinct connections, /graphql/stream', url: '/graphql/stream', singleConnection: false },
  ].map(({ name, url, singleConnection }) => ({
    name,
    open(token: string | null) {
      const sse = connectGraphqlSse(`${server.url}${url}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, singleConnection });
      return { subscribe: ((document) => sse.subscribe(document, {})) as typeof subscribeWith, dispose: () => sse.dispose() };
    },
  })),
];
declare function subscribeWith(document: ReturnType<typeof documentOf>): Subscription<Record<string, unknown>>;

let server: TestServer;
let home: Place;
let unseen: Place;
let foreign: Place;
const callers = {} as Record<'admin' | 'agent' | 'bot' | 'twoAccounts' | 'noAccount', string>;

beforeAll(async () => {
  server = await startServer();
  const adminApi = client(server.url, server.adminToken);
  const place = async (): Promise<Place> => {
    const inbox = await createInbox(server);
    const { sourceId } = await createContactInInbox(server, inbox.id);
    return { api: adminApi, accountId: server.accountId, inboxIdentifier: inbox.inbox_identifier, sourceId };
  };
  home = await place();
  unseen = await place();
  const tenant = await seedForeignTenant(server);
  // The tenant's conversation was written with display id 1 without counting it.
  await prisma().account.update({ where: { id: tenant.account.id }, data: { lastConversationDisplayId: 1 } });
  foreign = {
    api: client(server.url, tenant.adminToken),
    accountId: tenant.account.id,
    inboxIdentifier: (await prisma().channelApi.findFirstOrThrow({ where: { accountId: tenant.account.id } })).identifier,
    sourceId: tenant.contactInbox.sourceId,
  };

  callers.admin = server.adminToken;
  const agent = await createAgent(server, 'agent');
  const homeInbox = await prisma().channelApi.findFirstOrThrow({ where: { identifier: home.inboxIdentifier }, include: { inbox: true } });
  await addInboxMember(server, homeInbox.inbox!.id, agent.id);
  callers.agent = agent.token;
  callers.bot = 'scope-test-bot-token-0123456789';
  await prisma().agentBot.create({ data: { accountId: server.accountId, name: 'Bot', accessToken: { create: { token: callers.bot } } } });
  const twoAccounts = await createAgent(server, 'agent');
  await prisma().accountUser.create({ data: { accountId: tenant.account.id, userId: twoAccounts.id, role: 'agent' } });
  callers.twoAccounts = twoAccounts.token;
  callers.noAccount = 'scope-test-no-account-token-0123456789';
  await prisma().user.create({
    data: { name: 'Nobody', email: 'nobody@scope.test', pubsubToken: 'scope-test-nobody', accessToken: { create: { token: callers.noAccount } } },
  });
});
afterAll(async () => {
  await server?.stop();
});

it('has a trigger and a result shape for every subscription field of the schema', () => {
  expect(Object.keys(TRIGGERS).sort()).toEqual(Object.keys(SUBSCRIPTION_FIELDS).sort());
  for (const field of Object.keys(SUBSCRIPTION_FIELDS)) expect(SHAPES[typeName(field)], field).toBeDefined();
});

/** Who listens with no scope, and the places whose events they must not hear. */
const LISTENERS = [
  { caller: 'admin', who: 'an administrator of one account', unheard: () => [foreign] },
  { caller: 'agent', who: 'an agent of one account', unheard: (inboxScoped: boolean) => (inboxScoped ? [foreign, unseen] : [foreign]) },
  { caller: 'bot', who: 'an agent bot of one account', unheard: () => [foreign] },
] as const;

/** Fields agent bots may not subscribe to at all (Chatwoot refuses bots there). */
const NOT_FOR_BOTS = new Set(['roomEvents']);

const cases = TRANSPORTS.flatMap((transport) => Object.keys(SUBSCRIPTION_FIELDS).map((field) => ({ transport, field })));

describe.each(cases)('$field without a scope over $transport.name', ({ transport, field }) => {
  for (const { caller, who, unheard } of LISTENERS) {
    if (caller === 'bot' && NOT_FOR_BOTS.has(field)) continue;
    it(`lets ${who} hear their account, and only what they may hear there`, async () => {
      const connection = transport.open(callers[caller]);
      try {
        const subscription = connection.subscribe(documentOf(field));
        const probes = new Set<Marker>();
        let refusal: unknown;
        await untilLive(
          subscription,
          async () => probes.add(await TRIGGERS[field]!.fire(home)),
          // A refused subscription answers once, with errors: stop probing and show them.
          (result) => ((refusal = result.errors), result.errors !== undefined || probes.has(markerOf(field, result) ?? '')),
        );
        expect(refusal).toBeUndefined();
        const hidden = new Set<Marker>();
        for (const place of unheard(TRIGGERS[field]!.inboxScoped)) hidden.add(await TRIGGERS[field]!.fire(place));
        const heard = await TRIGGERS[field]!.fire(home);
        // Events reach a subscriber in commit order: had a hidden one been heard, it would come first.
        const result = await subscription.nextMatching((r) => {
          const marker = markerOf(field, r) ?? '';
          return marker === heard || hidden.has(marker) || r.errors !== undefined;
        });
        expect(result.errors).toBeUndefined();
        expect(markerOf(field, result)).toBe(heard);
      } finally {
        await connection.dispose();
      }
    });
  }

  if (NOT_FOR_BOTS.has(field))
    it('still refuses an agent bot', async () => {
      const connection = transport.open(callers.bot);
      try {
        const result = await connection.subscribe(documentOf(field)).next();
        expect(JSON.stringify(result.errors)).toMatch(/not authorized for bots/);
      } finally {
        await connection.dispose();
      }
    });

  it.each([
    ['a user of two accounts', 'twoAccounts', /scope is required: you belong to several accounts; pass scope: \{ accountId: \.\.\. \}.*VALIDATION_FAILED/],
    ['a user of no account', 'noAccount', /scope is required: you belong to no account.*VALIDATION_FAILED/],
    ['an anonymous caller', null, /You need to sign in or sign up before continuing.*UNAUTHENTICATED/],
  ] as const)('tells %s what is missing', async (_who, caller, expected) => {
    const connection = transport.open(caller === null ? null : callers[caller]);
    try {
      const result = await connection.subscribe(documentOf(field)).next();
      expect(result.data ?? undefined).toBeUndefined();
      expect(JSON.stringify(result.errors)).toMatch(expected);
    } finally {
      await connection.dispose();
    }
  });
});

describe('an agent bot of no account of its own', () => {
  it('listens, without a scope, to the one account whose inbox it is connected to', async () => {
    const token = 'scope-test-global-bot-token-0123456789';
    const inbox = await prisma().inbox.findFirstOrThrow({ where: { channel: { identifier: home.inboxIdentifier } } });
    await prisma().agentBot.create({
      data: {
        name: 'Global bot',
        accessToken: { create: { token } },
        inboxes: { create: { inboxId: inbox.id, accountId: server.accountId } },
      },
    });
    const connection = TRANSPORTS[0]!.open(token);
    try {
      const subscription = connection.subscribe(documentOf('messageCreated'));
      const probes = new Set<Marker>();
      let refusal: unknown;
      await untilLive(
        subscription,
        async () => probes.add(await TRIGGERS.messageCreated!.fire(home)),
        (result) => ((refusal = result.errors), result.errors !== undefined || probes.has(markerOf('messageCreated', result) ?? '')),
      );
      expect(refusal).toBeUndefined();
      const heard = await TRIGGERS.messageCreated!.fire(home);
      const result = await subscription.nextMatching((r) => r.errors !== undefined || markerOf('messageCreated', r) === heard);
      expect(result.errors).toBeUndefined();
    } finally {
      await connection.dispose();
    }
  });
});
