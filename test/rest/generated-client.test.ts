/**
 * Every operation of Chatwoot's swagger.json, called through a client
 * generated from it (openapi-typescript types, openapi-fetch requests; see
 * test/support/generated-client.ts) with the documented path (trailing
 * slashes as written), method, parameters and body shape.
 *
 * Each operation is one test, generated from swagger's paths: either Snypto
 * serves it, and it answers 2xx with a body matching the operation's
 * response schema (test/support/swagger.ts, with the [docs≠code] exceptions
 * of test/support/swagger-exceptions.ts), or it stands in
 * test/support/unserved-operations.ts and answers Chatwoot's
 * `404 {"status":404,"error":"Not Found"}`. An operation that is neither, or
 * both, fails; so does a listed one that starts being served.
 *
 * test/rest/swagger.test.ts goes further on the served routes (errors,
 * undocumented endpoints, route coverage); this suite is about the generated
 * client and the whole document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentMessage, clientInbox, openSession, startConversation, type ClientInbox, type ClientSession } from '../support/client-api.ts';
import {
  exampleOf,
  generatedClient,
  pathFollowsTemplate,
  swaggerOperations,
  type ChatwootApi,
  type OperationKey,
  type SentRequest,
  type SwaggerOperation,
} from '../support/generated-client.ts';
import { request } from '../support/http.ts';
import { addInboxMember, createAgent, createContactInInbox, createConversation } from '../support/seed.ts';
import { PLATFORM_TOKEN, startServer, type TestServer } from '../support/server.ts';
import { swagger } from '../support/swagger.ts';
import { UNSERVED_OPERATIONS } from '../support/unserved-operations.ts';

/** Rails' default body for an unknown route, which every unserved operation answers with its 404. */
const NOT_FOUND = { status: 404, error: 'Not Found' };

let server: TestServer;
/** What the generated clients sent during the current test. */
const sent: SentRequest[] = [];
/** The generated client with the administrator's token (Application API), the platform app's, and none (Client API). */
let admin: ChatwootApi;
let platform: ChatwootApi;
let visitor: ChatwootApi;

beforeAll(async () => {
  server = await startServer();
  admin = generatedClient(server.url, server.adminToken, sent);
  platform = generatedClient(server.url, PLATFORM_TOKEN, sent);
  visitor = generatedClient(server.url, null, sent);
});
afterAll(async () => {
  await server?.stop();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

/** A fixture made on first use and shared by the cases after it. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/** A Platform API call made to set a case up (not through the generated client: only the case's own call is). */
async function platformSetup(method: string, path: string, body?: unknown) {
  const reply = await request(server.url, method, `/platform/api/v1${path}`, { token: PLATFORM_TOKEN, body });
  expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(200);
  return reply.body as { id: number };
}

interface Fixtures {
  accountId(): number;
  inbox(): Promise<ClientInbox>;
  spareInbox(): Promise<ClientInbox>;
  agent(): ReturnType<typeof createAgent>;
  contact(): ReturnType<typeof createContactInInbox>;
  freshContact(): ReturnType<typeof createContactInInbox>;
  conversation(): ReturnType<typeof createConversation>;
  freshMessage(): Promise<number>;
  bot(): Promise<number>;
  freshWebhook(): Promise<number>;
  session(): Promise<ClientSession>;
  sessionConversation(): Promise<number>;
  selectMessage(): Promise<number>;
  platformAccount(): Promise<number>;
  platformUser(): Promise<number>;
  platformBot(): Promise<number>;
}

/**
 * What the cases need, made through the seed helpers as a client would: an
 * API inbox with an agent member, a contact in it and a conversation with a
 * message, an agent bot, a webhook, a contact's Client API session with a
 * conversation, and the platform app's account, user and bot.
 */
const fixtures: Fixtures = {
  accountId: () => server.accountId,
  inbox: once<ClientInbox>(async () => {
    const inbox = await clientInbox(server);
    await addInboxMember(server, inbox.id, (await fixtures.agent()).id);
    return inbox;
  }),
  spareInbox: once(() => clientInbox(server)),
  agent: once(() => createAgent(server)),
  contact: once(async () => createContactInInbox(server, (await fixtures.inbox()).id)),
  /** A contact no other case uses (for delete). */
  freshContact: async () => createContactInInbox(server, (await fixtures.inbox()).id),
  conversation: once(async () => createConversation(server, (await fixtures.contact()).sourceId)),
  /** A message no other case uses, in the shared conversation. */
  freshMessage: async () => agentMessage(server, (await fixtures.conversation()).id, { content: unique('To be deleted') }),
  bot: once(async () => {
    // Account agent bots have no Application API route (see unserved-operations.ts); the seed writes one, as swagger.test.ts does.
    const bot = await server.app.database.prisma.agentBot.create({
      data: { accountId: server.accountId, name: 'Generated-client bot', outgoingUrl: 'https://hooks.example.invalid/bot' },
    });
    return bot.id;
  }),
  freshWebhook: async () => {
    const reply = await request(server.url, 'POST', `/api/v1/accounts/${server.accountId}/webhooks`, {
      token: server.adminToken,
      body: { url: `https://hooks.example.invalid/${unique('hook')}`, subscriptions: ['message_created'] },
    });
    expect(reply.status, reply.text).toBe(200);
    return reply.body.payload.webhook.id as number;
  },
  session: once<ClientSession>(async () =>
    openSession(server, await fixtures.inbox(), { name: 'Clara Client', email: `${unique('clara')}@example.com` }),
  ),
  sessionConversation: once(async () => startConversation(server, await fixtures.session())),
  /** An `input_select` message of an agent in the session's conversation, for the contact to answer. */
  selectMessage: once(async () =>
    agentMessage(server, await fixtures.sessionConversation(), {
      content: 'Pick one',
      content_type: 'input_select',
      content_attributes: { items: [{ title: 'Yes', value: 'yes' }, { title: 'No', value: 'no' }] },
    }),
  ),
  platformAccount: once(async () => (await platformSetup('POST', '/accounts', { name: unique('Platform account') })).id),
  platformUser: once(async () => (await platformSetup('POST', '/users', platformUserBody())).id),
  platformBot: once(async () => (await platformSetup('POST', '/agent_bots', { name: unique('Platform bot') })).id),
};

const platformUserBody = () => ({ name: 'Pat Platform', email: `${unique('pat')}@example.com`, password: 'Password1!' });

/** The session's path parameters on the Client API. */
async function sessionPath() {
  const session = await fixtures.session();
  return { inbox_identifier: session.inbox.identifier, contact_identifier: session.source_id };
}
async function sessionConversationPath() {
  return { ...(await sessionPath()), conversation_id: await fixtures.sessionConversation() };
}

/** The result of one call through the generated client. */
interface Result {
  response: Response;
  data?: unknown;
  error?: unknown;
}

/**
 * How each operation Snypto serves is called through the generated client:
 * one typed call, with what it needs from `fixtures`. Where Chatwoot's code
 * differs from swagger (spec/API.md [docs≠code]), the comment says how.
 */
const SERVED = {
  // Platform API (platform app token).
  'POST /platform/api/v1/accounts': () =>
    platform.POST('/platform/api/v1/accounts', { body: { name: unique('Acme'), locale: 'en', support_email: 'help@acme.example' } }),
  'GET /platform/api/v1/accounts/{account_id}': async () =>
    platform.GET('/platform/api/v1/accounts/{account_id}', { params: { path: { account_id: await fixtures.platformAccount() } } }),
  'PATCH /platform/api/v1/accounts/{account_id}': async () =>
    platform.PATCH('/platform/api/v1/accounts/{account_id}', {
      params: { path: { account_id: await fixtures.platformAccount() } },
      body: { name: unique('Acme GmbH') },
    }),
  'DELETE /platform/api/v1/accounts/{account_id}': async () => {
    const { id } = await platformSetup('POST', '/accounts', { name: unique('Doomed account') });
    return platform.DELETE('/platform/api/v1/accounts/{account_id}', { params: { path: { account_id: id } } });
  },
  'GET /platform/api/v1/accounts/{account_id}/account_users': async () =>
    platform.GET('/platform/api/v1/accounts/{account_id}/account_users', { params: { path: { account_id: await fixtures.platformAccount() } } }),
  'POST /platform/api/v1/accounts/{account_id}/account_users': async () =>
    platform.POST('/platform/api/v1/accounts/{account_id}/account_users', {
      params: { path: { account_id: await fixtures.platformAccount() } },
      body: { user_id: await fixtures.platformUser(), role: 'administrator' },
    }),
  'DELETE /platform/api/v1/accounts/{account_id}/account_users': async () => {
    const account = await fixtures.platformAccount();
    const user = await platformSetup('POST', '/users', platformUserBody());
    await platformSetup('POST', `/accounts/${account}/account_users`, { user_id: user.id, role: 'agent' });
    // Swagger documents no parameter for the user to remove; Chatwoot reads `params[:user_id]`, which Rails
    // takes from the query string as well as the body: a generated client can only send it as an extra query key.
    return platform.DELETE('/platform/api/v1/accounts/{account_id}/account_users', {
      params: { path: { account_id: account }, query: { user_id: user.id } as never },
    });
  },
  'GET /platform/api/v1/agent_bots': () => platform.GET('/platform/api/v1/agent_bots'),
  'POST /platform/api/v1/agent_bots': () =>
    platform.POST('/platform/api/v1/agent_bots', {
      body: { name: unique('Triage bot'), description: 'Sorts', outgoing_url: 'https://hooks.example.invalid/platform-bot' },
    }),
  'GET /platform/api/v1/agent_bots/{id}': async () =>
    platform.GET('/platform/api/v1/agent_bots/{id}', { params: { path: { id: await fixtures.platformBot() } } }),
  'PATCH /platform/api/v1/agent_bots/{id}': async () =>
    platform.PATCH('/platform/api/v1/agent_bots/{id}', {
      params: { path: { id: await fixtures.platformBot() } },
      body: { description: 'Sorts faster' },
    }),
  'DELETE /platform/api/v1/agent_bots/{id}': async () => {
    const { id } = await platformSetup('POST', '/agent_bots', { name: unique('Doomed bot') });
    return platform.DELETE('/platform/api/v1/agent_bots/{id}', { params: { path: { id } } });
  },
  'POST /platform/api/v1/users': () =>
    platform.POST('/platform/api/v1/users', { body: { ...platformUserBody(), display_name: 'Pat', custom_attributes: { crm: 7 } } }),
  'GET /platform/api/v1/users/{id}': async () =>
    platform.GET('/platform/api/v1/users/{id}', { params: { path: { id: await fixtures.platformUser() } } }),
  'PATCH /platform/api/v1/users/{id}': async () =>
    platform.PATCH('/platform/api/v1/users/{id}', { params: { path: { id: await fixtures.platformUser() } }, body: { display_name: 'P.' } }),
  'DELETE /platform/api/v1/users/{id}': async () => {
    const { id } = await platformSetup('POST', '/users', platformUserBody());
    return platform.DELETE('/platform/api/v1/users/{id}', { params: { path: { id } } });
  },
  'GET /platform/api/v1/users/{id}/login': async () =>
    platform.GET('/platform/api/v1/users/{id}/login', { params: { path: { id: await fixtures.platformUser() } } }),

  // Client API (no token; the inbox identifier and the contact's source_id are in the path).
  'GET /public/api/v1/inboxes/{inbox_identifier}': async () =>
    visitor.GET('/public/api/v1/inboxes/{inbox_identifier}', {
      params: { path: { inbox_identifier: (await fixtures.inbox()).identifier } },
    }),
  'POST /public/api/v1/inboxes/{inbox_identifier}/contacts': async () =>
    visitor.POST('/public/api/v1/inboxes/{inbox_identifier}/contacts', {
      params: { path: { inbox_identifier: (await fixtures.inbox()).identifier } },
      body: { name: 'Walk-in', email: `${unique('walk-in')}@example.com`, phone_number: '+4915100000001', custom_attributes: { plan: 'free' } },
    }),
  'GET /public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}': async () =>
    visitor.GET('/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}', { params: { path: await sessionPath() } }),
  'PATCH /public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}': async () =>
    // Swagger promises public_contact; Chatwoot answers the raw contact row (spec/API.md §5.2 [docs≠code]).
    // Snypto answers that row with the session's source_id and pubsub_token, which public_contact also describes.
    visitor.PATCH('/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}', {
      params: { path: await sessionPath() },
      body: { name: 'Clara C.' },
    }),
  'GET /public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations': async () =>
    visitor.GET('/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations', {
      params: { path: await sessionPath() },
    }),
  'POST /public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations': async () =>
    visitor.POST('/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations', {
      params: { path: await sessionPath() },
      body: { custom_attributes: { order: 'C-1' } },
    }),
  'GET /public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}': async () =>
    visitor.GET('/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}', {
      params: { path: await sessionConversationPath() },
    }),
  'POST /public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/toggle_status': async () => {
    // Resolves: a conversation of its own, so that the others stay open.
    const conversationId = await startConversation(server, await fixtures.session());
    return visitor.POST(
      '/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/toggle_status',
      { params: { path: { ...(await sessionPath()), conversation_id: conversationId } } },
    );
  },
  'POST /public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/toggle_typing': async () =>
    visitor.POST('/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/toggle_typing', {
      params: { path: await sessionConversationPath(), query: { typing_status: 'on' } },
      body: { typing_status: 'on' },
    }),
  'POST /public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/update_last_seen': async () =>
    visitor.POST('/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/update_last_seen', {
      params: { path: await sessionConversationPath() },
    }),
  'GET /public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/messages': async () =>
    visitor.GET('/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/messages', {
      params: { path: await sessionConversationPath() },
    }),
  'POST /public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/messages': async () =>
    visitor.POST('/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/messages', {
      params: { path: await sessionConversationPath() },
      body: { content: 'Hello from the widget', echo_id: 'widget-1' },
    }),
  'PATCH /public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/messages/{message_id}': async () => {
    const messageId = await fixtures.selectMessage();
    return visitor.PATCH(
      '/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/messages/{message_id}',
      { params: { path: { ...(await sessionConversationPath()), message_id: messageId } }, body: { submitted_values: { title: 'Yes', value: 'yes' } } },
    );
  },

  // Application API (administrator token).
  'GET /api/v1/profile': () => admin.GET('/api/v1/profile'),

  'GET /api/v1/accounts/{account_id}/agents': () =>
    admin.GET('/api/v1/accounts/{account_id}/agents', { params: { path: { account_id: fixtures.accountId() } } }),
  'POST /api/v1/accounts/{account_id}/agents': () =>
    admin.POST('/api/v1/accounts/{account_id}/agents', {
      params: { path: { account_id: fixtures.accountId() } },
      body: { name: 'Otto Other', email: `${unique('otto')}@example.com`, role: 'agent', auto_offline: true },
    }),
  'PATCH /api/v1/accounts/{account_id}/agents/{id}': async () =>
    admin.PATCH('/api/v1/accounts/{account_id}/agents/{id}', {
      params: { path: { account_id: fixtures.accountId(), id: (await fixtures.agent()).id } },
      body: { role: 'agent', auto_offline: false },
    }),
  'DELETE /api/v1/accounts/{account_id}/agents/{id}': async () => {
    const doomed = await createAgent(server);
    return admin.DELETE('/api/v1/accounts/{account_id}/agents/{id}', { params: { path: { account_id: fixtures.accountId(), id: doomed.id } } });
  },

  'GET /api/v1/accounts/{account_id}/contacts': async () => {
    await fixtures.contact();
    return admin.GET('/api/v1/accounts/{account_id}/contacts', { params: { path: { account_id: fixtures.accountId() }, query: { sort: 'name', page: 1 } } });
  },
  'POST /api/v1/accounts/{account_id}/contacts': async () =>
    admin.POST('/api/v1/accounts/{account_id}/contacts', {
      params: { path: { account_id: fixtures.accountId() } },
      body: {
        inbox_id: (await fixtures.inbox()).id,
        name: 'Jane Doe',
        email: `${unique('jane')}@example.com`,
        phone_number: '+4915112345678',
        identifier: unique('crm'),
        additional_attributes: { city: 'Berlin' },
        custom_attributes: { plan: 'pro' },
      },
    }),
  'GET /api/v1/accounts/{account_id}/contacts/{id}': async () =>
    admin.GET('/api/v1/accounts/{account_id}/contacts/{id}', {
      params: { path: { account_id: fixtures.accountId(), id: (await fixtures.contact()).contactId } },
    }),
  'PUT /api/v1/accounts/{account_id}/contacts/{id}': async () =>
    // Swagger documents 204; Chatwoot answers 200 {"payload": Contact} (spec/API.md §3.4 [docs≠code]).
    admin.PUT('/api/v1/accounts/{account_id}/contacts/{id}', {
      params: { path: { account_id: fixtures.accountId(), id: (await fixtures.contact()).contactId } },
      body: { custom_attributes: { tier: 'gold' }, additional_attributes: { country: 'Germany' } },
    }),
  'DELETE /api/v1/accounts/{account_id}/contacts/{id}': async () => {
    const { contactId } = await fixtures.freshContact();
    return admin.DELETE('/api/v1/accounts/{account_id}/contacts/{id}', { params: { path: { account_id: fixtures.accountId(), id: contactId } } });
  },
  'GET /api/v1/accounts/{account_id}/contacts/{id}/conversations': async () => {
    await fixtures.conversation();
    return admin.GET('/api/v1/accounts/{account_id}/contacts/{id}/conversations', {
      params: { path: { account_id: fixtures.accountId(), id: (await fixtures.contact()).contactId } },
    });
  },
  'GET /api/v1/accounts/{account_id}/contacts/{id}/labels': async () =>
    admin.GET('/api/v1/accounts/{account_id}/contacts/{id}/labels', {
      params: { path: { account_id: fixtures.accountId(), id: (await fixtures.contact()).contactId } },
    }),
  'POST /api/v1/accounts/{account_id}/contacts/{id}/labels': async () =>
    admin.POST('/api/v1/accounts/{account_id}/contacts/{id}/labels', {
      params: { path: { account_id: fixtures.accountId(), id: (await fixtures.contact()).contactId } },
      body: { labels: ['vip', 'billing'] },
    }),
  'GET /api/v1/accounts/{account_id}/contacts/search': async () => {
    await fixtures.contact();
    return admin.GET('/api/v1/accounts/{account_id}/contacts/search', {
      params: { path: { account_id: fixtures.accountId() }, query: { q: 'jane', sort: '-name', page: 1 } },
    });
  },
  'POST /api/v1/accounts/{account_id}/contacts/filter': () =>
    admin.POST('/api/v1/accounts/{account_id}/contacts/filter', {
      params: { path: { account_id: fixtures.accountId() }, query: { page: 1 } },
      body: { payload: [{ attribute_key: 'email', filter_operator: 'contains', values: ['example.com'], query_operator: 'AND' }] },
    }),
  'POST /api/v1/accounts/{account_id}/contacts/{id}/contact_inboxes': async () =>
    admin.POST('/api/v1/accounts/{account_id}/contacts/{id}/contact_inboxes', {
      params: { path: { account_id: fixtures.accountId(), id: (await fixtures.contact()).contactId } },
      body: { inbox_id: (await fixtures.spareInbox()).id, source_id: unique('spare') },
    }),
  'GET /api/v1/accounts/{account_id}/contacts/{id}/contactable_inboxes': async () =>
    admin.GET('/api/v1/accounts/{account_id}/contacts/{id}/contactable_inboxes', {
      params: { path: { account_id: fixtures.accountId(), id: (await fixtures.contact()).contactId } },
    }),

  'GET /api/v1/accounts/{account_id}/conversations/meta': () =>
    admin.GET('/api/v1/accounts/{account_id}/conversations/meta', { params: { path: { account_id: fixtures.accountId() }, query: { status: 'all' } } }),
  'GET /api/v1/accounts/{account_id}/conversations': async () => {
    await fixtures.conversation();
    return admin.GET('/api/v1/accounts/{account_id}/conversations', {
      params: { path: { account_id: fixtures.accountId() }, query: { assignee_type: 'all', status: 'open', page: 1 } },
    });
  },
  'POST /api/v1/accounts/{account_id}/conversations': async () => {
    // Swagger requires source_id and inbox_id; Chatwoot finds the contact inbox by source_id (spec/API.md §3.5).
    const { sourceId } = await fixtures.freshContact();
    return admin.POST('/api/v1/accounts/{account_id}/conversations', {
      params: { path: { account_id: fixtures.accountId() } },
      body: {
        source_id: sourceId,
        inbox_id: (await fixtures.inbox()).id,
        additional_attributes: { referer: 'https://example.com/pricing' },
        custom_attributes: { order: 'A-1' },
        status: 'open',
        message: { content: 'Thanks for reaching out.' },
      },
    });
  },
  'POST /api/v1/accounts/{account_id}/conversations/filter': () =>
    admin.POST('/api/v1/accounts/{account_id}/conversations/filter', {
      params: { path: { account_id: fixtures.accountId() }, query: { page: 1 } },
      body: { payload: [{ attribute_key: 'status', filter_operator: 'equal_to', values: ['open', 'pending'], query_operator: 'AND' }] },
    }),
  'GET /api/v1/accounts/{account_id}/conversations/{conversation_id}': async () =>
    admin.GET('/api/v1/accounts/{account_id}/conversations/{conversation_id}', {
      params: { path: { account_id: fixtures.accountId(), conversation_id: (await fixtures.conversation()).id } },
    }),
  'PATCH /api/v1/accounts/{account_id}/conversations/{conversation_id}': async () =>
    admin.PATCH('/api/v1/accounts/{account_id}/conversations/{conversation_id}', {
      params: { path: { account_id: fixtures.accountId(), conversation_id: (await fixtures.conversation()).id } },
      body: { priority: 'high' },
    }),
  'POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_status': async () =>
    admin.POST('/api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_status', {
      params: { path: { account_id: fixtures.accountId(), conversation_id: (await fixtures.conversation()).id } },
      body: { status: 'pending' },
    }),
  'POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_priority': async () =>
    admin.POST('/api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_priority', {
      params: { path: { account_id: fixtures.accountId(), conversation_id: (await fixtures.conversation()).id } },
      body: { priority: 'low' },
    }),
  'POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/custom_attributes': async () =>
    admin.POST('/api/v1/accounts/{account_id}/conversations/{conversation_id}/custom_attributes', {
      params: { path: { account_id: fixtures.accountId(), conversation_id: (await fixtures.conversation()).id } },
      body: { custom_attributes: { order: 'A-2', gift: true } },
    }),
  'POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/assignments': async () =>
    admin.POST('/api/v1/accounts/{account_id}/conversations/{conversation_id}/assignments', {
      params: { path: { account_id: fixtures.accountId(), conversation_id: (await fixtures.conversation()).id } },
      body: { assignee_id: (await fixtures.agent()).id },
    }),
  'GET /api/v1/accounts/{account_id}/conversations/{conversation_id}/labels': async () =>
    admin.GET('/api/v1/accounts/{account_id}/conversations/{conversation_id}/labels', {
      params: { path: { account_id: fixtures.accountId(), conversation_id: (await fixtures.conversation()).id } },
    }),
  'POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/labels': async () =>
    admin.POST('/api/v1/accounts/{account_id}/conversations/{conversation_id}/labels', {
      params: { path: { account_id: fixtures.accountId(), conversation_id: (await fixtures.conversation()).id } },
      body: { labels: ['billing'] },
    }),

  'GET /api/v1/accounts/{account_id}/inboxes': async () => {
    await fixtures.inbox();
    return admin.GET('/api/v1/accounts/{account_id}/inboxes', { params: { path: { account_id: fixtures.accountId() } } });
  },
  'GET /api/v1/accounts/{account_id}/inboxes/{id}/': async () =>
    admin.GET('/api/v1/accounts/{account_id}/inboxes/{id}/', {
      params: { path: { account_id: fixtures.accountId(), id: (await fixtures.inbox()).id } },
    }),
  'POST /api/v1/accounts/{account_id}/inboxes/': () =>
    admin.POST('/api/v1/accounts/{account_id}/inboxes/', {
      params: { path: { account_id: fixtures.accountId() } },
      body: {
        name: unique('Website chat'),
        greeting_enabled: true,
        greeting_message: 'Hello!',
        working_hours_enabled: true,
        timezone: 'Europe/Berlin',
        channel: { type: 'api' },
      },
    }),
  'PATCH /api/v1/accounts/{account_id}/inboxes/{id}': async () =>
    admin.PATCH('/api/v1/accounts/{account_id}/inboxes/{id}', {
      params: { path: { account_id: fixtures.accountId(), id: (await fixtures.spareInbox()).id } },
      body: { out_of_office_message: 'We are away', csat_survey_enabled: true, business_name: 'Acme' },
    }),
  'GET /api/v1/accounts/{account_id}/inboxes/{id}/agent_bot': async () =>
    // Swagger documents 204; Chatwoot answers 200 {"agent_bot": …} or {} (spec/API.md §3.1 [docs≠code]).
    admin.GET('/api/v1/accounts/{account_id}/inboxes/{id}/agent_bot', {
      params: { path: { account_id: fixtures.accountId(), id: (await fixtures.inbox()).id } },
    }),
  'POST /api/v1/accounts/{account_id}/inboxes/{id}/set_agent_bot': async () =>
    // Swagger documents 204; Chatwoot answers an empty 200 (spec/API.md §3.1 [docs≠code]).
    admin.POST('/api/v1/accounts/{account_id}/inboxes/{id}/set_agent_bot', {
      params: { path: { account_id: fixtures.accountId(), id: (await fixtures.spareInbox()).id } },
      body: { agent_bot: await fixtures.bot() },
    }),

  'GET /api/v1/accounts/{account_id}/inbox_members/{inbox_id}': async () =>
    admin.GET('/api/v1/accounts/{account_id}/inbox_members/{inbox_id}', {
      params: { path: { account_id: fixtures.accountId(), inbox_id: (await fixtures.inbox()).id } },
    }),
  'POST /api/v1/accounts/{account_id}/inbox_members': async () =>
    admin.POST('/api/v1/accounts/{account_id}/inbox_members', {
      params: { path: { account_id: fixtures.accountId() } },
      body: { inbox_id: (await fixtures.spareInbox()).id, user_ids: [(await fixtures.agent()).id] },
    }),
  // Swagger types inbox_id as a string on update and delete (a number on create); Rails reads either.
  'PATCH /api/v1/accounts/{account_id}/inbox_members': async () =>
    admin.PATCH('/api/v1/accounts/{account_id}/inbox_members', {
      params: { path: { account_id: fixtures.accountId() } },
      body: { inbox_id: String((await fixtures.spareInbox()).id), user_ids: [(await fixtures.agent()).id] },
    }),
  'DELETE /api/v1/accounts/{account_id}/inbox_members': async () =>
    admin.DELETE('/api/v1/accounts/{account_id}/inbox_members', {
      params: { path: { account_id: fixtures.accountId() } },
      body: { inbox_id: String((await fixtures.spareInbox()).id), user_ids: [(await fixtures.agent()).id] },
    }),

  'GET /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages': async () => {
    await fixtures.freshMessage();
    return admin.GET('/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages', {
      params: { path: { account_id: fixtures.accountId(), conversation_id: (await fixtures.conversation()).id } },
    });
  },
  'POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages': async () =>
    admin.POST('/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages', {
      params: { path: { account_id: fixtures.accountId(), conversation_id: (await fixtures.conversation()).id } },
      body: {
        content: 'Pick one',
        message_type: 'outgoing',
        private: false,
        content_type: 'input_select',
        content_attributes: { items: [{ title: 'Yes', value: 'yes' }] },
      },
    }),
  'DELETE /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages/{message_id}': async () => {
    // Swagger documents no body; Chatwoot answers 200 with the deleted Message (spec/API.md §3.6).
    const messageId = await fixtures.freshMessage();
    return admin.DELETE('/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages/{message_id}', {
      params: { path: { account_id: fixtures.accountId(), conversation_id: (await fixtures.conversation()).id, message_id: messageId } },
    });
  },

  'GET /api/v1/accounts/{account_id}/webhooks': async () => {
    // Swagger documents a bare array; Chatwoot answers {"payload":{"webhooks":[…]}} (spec/API.md §3.7).
    await fixtures.freshWebhook();
    return admin.GET('/api/v1/accounts/{account_id}/webhooks', { params: { path: { account_id: fixtures.accountId() } } });
  },
  'POST /api/v1/accounts/{account_id}/webhooks': () =>
    admin.POST('/api/v1/accounts/{account_id}/webhooks', {
      params: { path: { account_id: fixtures.accountId() } },
      body: { url: `https://hooks.example.invalid/${unique('hook')}`, name: 'CRM', subscriptions: ['message_created', 'conversation_created'] },
    }),
  'PATCH /api/v1/accounts/{account_id}/webhooks/{webhook_id}': async () =>
    admin.PATCH('/api/v1/accounts/{account_id}/webhooks/{webhook_id}', {
      params: { path: { account_id: fixtures.accountId(), webhook_id: await fixtures.freshWebhook() } },
      body: { name: 'CRM 2', subscriptions: ['message_updated'] },
    }),
  'DELETE /api/v1/accounts/{account_id}/webhooks/{webhook_id}': async () =>
    admin.DELETE('/api/v1/accounts/{account_id}/webhooks/{webhook_id}', {
      params: { path: { account_id: fixtures.accountId(), webhook_id: await fixtures.freshWebhook() } },
    }),
} satisfies { [K in OperationKey]?: () => Promise<Result> };

type ServedKey = keyof typeof SERVED;
const isServed = (key: OperationKey): key is ServedKey => key in SERVED;
const serve = (key: ServedKey): Promise<Result> => SERVED[key]();

/** The generated client for an operation's credential. */
const clientFor = (operation: SwaggerOperation) =>
  operation.credential === 'platform' ? platform : operation.credential === 'user' ? admin : visitor;

/**
 * An unserved operation, called through the generated client as swagger
 * documents it: path parameters filled (the account's id for `account_id`,
 * 1 for other ids), the required query parameters and a body built from the
 * request schema (test/support/generated-client.ts `exampleOf`).
 */
function callUnserved(operation: SwaggerOperation): Promise<Result> {
  const path: Record<string, unknown> = {};
  const query: Record<string, unknown> = {};
  for (const parameter of operation.parameters) {
    if (parameter.in === 'path') path[parameter.name] = parameter.name === 'account_id' ? fixtures.accountId() : exampleOf(parameter.schema) ?? 1;
    if (parameter.in === 'query' && parameter.required) query[parameter.name] = exampleOf(parameter.schema);
  }
  const body = operation.requestBody ? exampleOf(operation.requestBody) : undefined;
  // The operation is chosen at run time, so the call is untyped; SERVED's calls are the typed ones.
  const untyped = clientFor(operation) as unknown as {
    request(method: string, url: string, init: { params: { path: object; query: object }; body?: unknown }): Promise<Result>;
  };
  return untyped.request(operation.method, operation.template, { params: { path, query }, ...(body === undefined ? {} : { body }) });
}

/** The body of a result as the server sent it: parsed JSON, text, or undefined when empty. */
const bodyOf = (result: Result) => (result.response.ok ? result.data : result.error);

const OPERATIONS = swaggerOperations();
const UNSERVED = new Map(UNSERVED_OPERATIONS.map((entry) => [entry.operation, entry]));

describe('the document', () => {
  it('has the 129 operations of 80 paths the suite is written for', () => {
    expect(new Set(OPERATIONS.map((operation) => operation.template)).size).toBe(80);
    expect(OPERATIONS).toHaveLength(129);
  });

  it('lists each unserved operation once, and only operations swagger documents', () => {
    const documented = new Set<string>(OPERATIONS.map((operation) => operation.key));
    expect(UNSERVED_OPERATIONS.map((entry) => entry.operation).filter((key) => !documented.has(key))).toEqual([]);
    expect(UNSERVED.size).toBe(UNSERVED_OPERATIONS.length);
    expect(Object.keys(SERVED).filter((key) => !documented.has(key))).toEqual([]);
  });
});

describe('every swagger operation through the generated client', () => {
  for (const operation of OPERATIONS) {
    it(`${operation.key} (${operation.operationId})`, async () => {
      const served = isServed(operation.key);
      const listed = UNSERVED.get(operation.key);
      expect(served && listed, `${operation.key} has a case here and is listed as unserved: keep one`).toBeFalsy();
      expect(served || listed, `${operation.key} is neither served (a case in SERVED) nor listed in test/support/unserved-operations.ts`).toBeTruthy();

      sent.length = 0;
      const result = isServed(operation.key) ? await serve(operation.key) : await callUnserved(operation);
      const body = bodyOf(result);

      // The generated client sent the documented method and path, trailing slash included.
      const call = sent.at(-1)!;
      expect(sent, 'one request through the generated client').toHaveLength(1);
      expect(call.method).toBe(operation.method.toUpperCase());
      expect(pathFollowsTemplate(call.url.pathname, operation.template), `${call.url.pathname} follows ${operation.template}`).toBe(true);

      if (listed) {
        expect(
          { status: result.response.status, body },
          `${operation.key} is listed as unserved (${listed.reason}); if it is served now, remove it from the list and add its case`,
        ).toEqual({ status: 404, body: NOT_FOUND });
        return;
      }
      expect(result.response.ok, `${operation.key} → ${result.response.status} ${JSON.stringify(body)}`).toBe(true);
      const { operation: documented, errors } = swagger.operationErrors(operation.method, call.url.pathname, result.response.status, body);
      expect(errors, `${operation.key} → ${result.response.status} does not match swagger (${documented})`).toEqual([]);
    });
  }
});
