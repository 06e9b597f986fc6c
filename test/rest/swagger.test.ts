/**
 * Every REST endpoint Snypto serves, run against a tenant seeded through
 * REST, with each response checked against Chatwoot's swagger.json
 * (test/support/swagger.ts): 2xx bodies against the operation's response
 * schema, and the documented 401/404/422 error bodies. Where spec/API.md
 * contradicts swagger, test/support/swagger-exceptions.ts says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../../src/rest/table.ts';
import type { Method } from '../../src/rest/route.ts';
import { request, type Reply } from '../support/http.ts';
import { accountPath, createAgent } from '../support/seed.ts';
import { PLATFORM_TOKEN, startServer, type TestServer } from '../support/server.ts';
import { expectMatchesOperation, expectMatchesSchema, swagger } from '../support/swagger.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const db = () => server.app.database.prisma;
const path = (p: string) => accountPath(server, p);

interface Call {
  method: Method;
  path: string;
  token?: string | null;
  body?: unknown;
}
interface Options {
  token?: string | null;
  body?: unknown;
}

/** Every call made through `send`, for the route coverage check and the error-body checks. */
const calls: Call[] = [];

async function send(method: Method, p: string, options: Options = {}): Promise<Reply> {
  const token = options.token === undefined ? server.adminToken : options.token;
  calls.push({ method, path: p, token, body: options.body });
  const reply = await request(server.url, method, p, { token, body: options.body });
  expect(reply.status, `${method} ${p}: ${reply.text}`).toBe(200);
  return reply;
}

/** An operation swagger documents: the reply matches its response schema. */
async function documented(method: Method, p: string, options: Options = {}) {
  const reply = await send(method, p, options);
  expectMatchesOperation(method, p, reply.status, reply.body);
  return reply;
}

/** An endpoint swagger leaves out; the caller checks its body against the component it is made of. */
async function undocumented(method: Method, p: string, options: Options = {}) {
  expect(swagger.operationTemplate(method, p), `swagger documents ${method} ${p} now: use documented()`).toBeUndefined();
  return send(method, p, options);
}

describe('the checker', () => {
  it('reports type, enum and null mismatches, honours nullable, and widens only where an exception says', () => {
    expect(swagger.schemaErrors('contact_list_item', { availability_status: 'away', id: 'seven' })).toEqual([
      expect.stringMatching(/^\/availability_status must be equal to one of the allowed values/),
      expect.stringMatching(/^\/id must be integer/),
    ]);
    // `nullable: true` in swagger: null is fine.
    expect(swagger.schemaErrors('contact_list_item', { email: null, phone_number: null })).toEqual([]);
    // An exception allows null for inbox.greeting_message, not any other type.
    expect(swagger.schemaErrors('inbox', { greeting_message: null })).toEqual([]);
    expect(swagger.schemaErrors('inbox', { greeting_message: 5 })).not.toEqual([]);
    expect(swagger.schemaErrors('inbox', { name: null })).toEqual([expect.stringMatching(/^\/name must be string/)]);
  });

  it('finds the operation of a concrete path: literals first, ids are digits, PUT answers as PATCH, no trailing slash', () => {
    expect(swagger.operationTemplate('GET', '/api/v1/accounts/1/contacts/search?q=x')).toBe('/api/v1/accounts/{account_id}/contacts/search');
    expect(swagger.operationTemplate('GET', '/api/v1/accounts/1/contacts/12')).toBe('/api/v1/accounts/{account_id}/contacts/{id}');
    expect(swagger.operationTemplate('GET', '/api/v1/accounts/1/conversations/search')).toBeUndefined();
    expect(swagger.operationTemplate('GET', '/api/v1/accounts/1/inboxes/3')).toBe('/api/v1/accounts/{account_id}/inboxes/{id}/');
    expect(swagger.documentedStatuses('PUT', '/api/v1/accounts/1/agents/4')).toEqual([200, 403, 404]);
    expect(swagger.operationErrors('GET', '/api/v1/accounts/1/agents', 201, []).errors).toEqual([
      expect.stringContaining('swagger documents no 201'),
    ]);
  });
});

/** The tenant: two API inboxes, two agents, a team, a bot, two contacts and their conversations, messages, a webhook. */
const t = {} as {
  inbox: { id: number; name: string };
  botInbox: { id: number };
  agent: Awaited<ReturnType<typeof createAgent>>;
  otherAgentId: number;
  teamId: number;
  botId: number;
  contactId: number;
  walkInId: number;
  walkInConversationId: number;
  sourceId: string;
  conversationId: number;
  messageIds: number[];
  webhookId: number;
};

describe('seeding a tenant through REST', () => {
  it('creates inboxes, agents, a contact, a conversation and messages', async () => {
    const inbox = await documented('POST', path('/inboxes'), {
      body: {
        name: 'Website chat',
        greeting_enabled: true,
        greeting_message: 'Hello!',
        working_hours_enabled: true,
        timezone: 'Europe/Berlin',
        channel: { type: 'api', webhook_url: 'https://hooks.example.invalid/snypto-hook', hmac_mandatory: false },
      },
    });
    t.inbox = inbox.body;
    t.botInbox = (await documented('POST', path('/inboxes'), { body: { name: 'Bot desk', channel: { type: 'api' } } })).body;
    t.agent = await createAgent(server);
    t.otherAgentId = (await documented('POST', path('/agents'), {
      body: { name: 'Otto Other', email: `otto-${process.pid}@example.com`, role: 'administrator' },
    })).body.id;
    await documented('POST', path('/inbox_members'), { body: { inbox_id: t.inbox.id, user_ids: [t.agent.id] } });
    t.teamId = (await db().team.create({ data: { accountId: server.accountId, name: 'Support', description: 'First line' } })).id;
    t.botId = (
      await db().agentBot.create({
        data: {
          accountId: server.accountId,
          name: 'Triage bot',
          outgoingUrl: 'https://hooks.example.invalid/bot',
          description: 'Sorts',
          accessToken: { create: { token: `swagger-bot-${process.pid}-000000` } },
        },
      })
    ).id;

    t.sourceId = `customer-${process.pid}`;
    const contact = await documented('POST', path('/contacts'), {
      body: {
        name: 'Jane Doe',
        email: `jane-${process.pid}@example.com`,
        phone_number: '+4915112345678',
        identifier: `crm-${process.pid}`,
        additional_attributes: { city: 'Berlin', company_name: 'Acme' },
        custom_attributes: { plan: 'pro' },
        inbox_id: t.inbox.id,
        source_id: t.sourceId,
      },
    });
    t.contactId = contact.body.payload.contact.id;

    const conversation = await documented('POST', path('/conversations'), {
      body: {
        source_id: t.sourceId,
        additional_attributes: { referer: 'https://example.com/pricing' },
        custom_attributes: { order: 'A-1' },
        assignee_id: t.agent.id,
        team_id: t.teamId,
        message: { content: 'Thanks for reaching out.' },
      },
    });
    t.conversationId = conversation.body.id;
    // Swagger documents {id, account_id, inbox_id}; Chatwoot answers the whole Conversation (spec/API.md §3.5).
    expectMatchesSchema(conversation.body, 'conversation_show');
    // A walk-in: only an email, a generated source_id, a conversation without messages.
    const walkIn = await documented('POST', path('/contacts'), {
      body: { name: 'Walk-in', email: `walkin-${process.pid}@example.com`, inbox_id: t.inbox.id },
    });
    t.walkInId = walkIn.body.payload.contact.id;
    const walkInConversation = await documented('POST', path('/conversations'), {
      body: { inbox_id: t.inbox.id, contact_id: t.walkInId },
    });
    t.walkInConversationId = walkInConversation.body.id;
    const messages = path(`/conversations/${t.conversationId}/messages`);
    t.messageIds = [
      (await documented('POST', messages, { body: { content: 'Where is my order?', message_type: 'incoming' } })).body.id,
      (await documented('POST', messages, { body: { content: 'It ships today.', echo_id: 'echo-1' } })).body.id,
      (await documented('POST', messages, { body: { content: 'Internal note', private: true }, token: t.agent.token })).body.id,
      (
        await documented('POST', messages, {
          body: {
            content: 'Pick one',
            content_type: 'input_select',
            content_attributes: { items: [{ title: 'Yes', value: 'yes' }, { title: 'No', value: 'no' }] },
          },
        })
      ).body.id,
      // Options without a text (spec/API.md §3.6: the code accepts no content).
      (
        await documented('POST', messages, {
          body: { content_type: 'input_select', content_attributes: { items: [{ title: 'Call me', value: 'call' }] } },
        })
      ).body.id,
    ];
    const webhook = await documented('POST', path('/webhooks'), {
      body: { url: 'https://hooks.example.invalid/account-hook', subscriptions: ['message_created', 'conversation_created'] },
    });
    // Swagger says the bare `webhook`; it has no required keys, so Chatwoot's {"payload":{"webhook":…}}
    // (spec/API.md §3.7) passes the operation check as it is: the webhook inside is checked too.
    expectMatchesSchema(webhook.body.payload.webhook, 'webhook');
    t.webhookId = webhook.body.payload.webhook.id;
  });
});

describe('profile', () => {
  it('GET /profile matches `user`; update, availability, auto_offline and reset_access_token answer the same shape', async () => {
    await documented('GET', '/api/v1/profile', { token: t.agent.token });
    // The bootstrap administrator was invited by nobody: "inviter_id": null.
    await documented('GET', '/api/v1/profile');
    for (const method of ['PATCH', 'PUT'] as const) {
      const reply = await undocumented(method, '/api/v1/profile', {
        token: t.agent.token,
        body: { name: 'Ann Agent', display_name: 'Ann', message_signature: '-- Ann', ui_settings: { theme: 'dark' } },
      });
      expectMatchesSchema(reply.body, 'user');
    }
    const availability = await undocumented('POST', '/api/v1/profile/availability', {
      token: t.agent.token,
      body: { profile: { account_id: server.accountId, availability: 'busy' } },
    });
    expectMatchesSchema(availability.body, 'user');
    const autoOffline = await undocumented('POST', '/api/v1/profile/auto_offline', {
      token: t.agent.token,
      body: { profile: { account_id: server.accountId, auto_offline: false } },
    });
    expectMatchesSchema(autoOffline.body, 'user');
    const reset = await undocumented('POST', '/api/v1/profile/reset_access_token', { token: t.agent.token });
    expectMatchesSchema(reset.body, 'user');
    t.agent.token = reset.body.access_token;
  });
});

describe('agents', () => {
  it('lists, updates (PATCH and PUT), bulk-creates and deletes', async () => {
    await documented('GET', path('/agents'));
    await documented('PATCH', path(`/agents/${t.otherAgentId}`), { body: { name: 'Otto', availability: 'online' } });
    await documented('PUT', path(`/agents/${t.otherAgentId}`), { body: { role: 'agent', auto_offline: true } });
    const bulk = await undocumented('POST', path('/agents/bulk_create'), { body: { emails: [`bulk-${process.pid}@example.com`] } });
    expect(bulk.text).toBe('');
    const doomed = await documented('POST', path('/agents'), { body: { name: 'Doomed', email: `doomed-${process.pid}@example.com` } });
    await documented('DELETE', path(`/agents/${doomed.body.id}`));
  });
});

describe('inboxes and inbox members', () => {
  it('lists, shows, updates (PATCH and PUT) and deletes inboxes', async () => {
    await documented('GET', path('/inboxes'));
    await documented('GET', path('/inboxes'), { token: t.agent.token });
    await documented('GET', path(`/inboxes/${t.inbox.id}`));
    await documented('GET', path(`/inboxes/${t.inbox.id}`), { token: t.agent.token });
    await documented('PATCH', path(`/inboxes/${t.inbox.id}`), {
      body: { out_of_office_message: 'We are away', csat_survey_enabled: true, csat_config: { display_type: 'star' } },
    });
    await documented('PUT', path(`/inboxes/${t.inbox.id}`), { body: { business_name: 'Acme', channel: { additional_attributes: {} } } });
    const spare = await documented('POST', path('/inboxes'), { body: { name: 'Spare', channel: { type: 'api' } } });
    const deleted = await undocumented('DELETE', path(`/inboxes/${spare.body.id}`));
    expect(deleted.body).toEqual({ message: expect.any(String) });
  });

  it('agent_bot, set_agent_bot and assignable_agents', async () => {
    await documented('GET', path(`/inboxes/${t.botInbox.id}/agent_bot`));
    await documented('POST', path(`/inboxes/${t.botInbox.id}/set_agent_bot`), { body: { agent_bot: t.botId } });
    await documented('GET', path(`/inboxes/${t.botInbox.id}/agent_bot`));
    const assignable = await undocumented('GET', path(`/inboxes/${t.inbox.id}/assignable_agents`));
    expect(assignable.body.payload.length).toBeGreaterThan(0);
    for (const agent of assignable.body.payload) expectMatchesSchema(agent, 'agent');
  });

  it('shows, adds, replaces and removes inbox members', async () => {
    await documented('GET', path(`/inbox_members/${t.inbox.id}`));
    await documented('POST', path('/inbox_members'), { body: { inbox_id: t.inbox.id, user_ids: [t.otherAgentId] } });
    await documented('PATCH', path('/inbox_members'), { body: { inbox_id: t.inbox.id, user_ids: [t.agent.id, t.otherAgentId] } });
    await documented('PUT', path('/inbox_members'), { body: { inbox_id: t.inbox.id, user_ids: [t.agent.id, t.otherAgentId] } });
    await documented('DELETE', path('/inbox_members'), { body: { inbox_id: t.inbox.id, user_ids: [t.otherAgentId] } });
  });
});

describe('contacts', () => {
  it('lists, searches, shows and updates (PUT and PATCH)', async () => {
    await documented('GET', path('/contacts'));
    await documented('GET', path('/contacts?include_contact_inboxes=false&sort=-name'));
    await documented('GET', path('/contacts/search?q=jane'));
    await documented('GET', path('/contacts/search?q='));
    await documented('GET', path(`/contacts/${t.contactId}`));
    await documented('PUT', path(`/contacts/${t.contactId}`), { body: { custom_attributes: { tier: 'gold' } } });
    await documented('PATCH', path(`/contacts/${t.contactId}`), { body: { additional_attributes: { country: 'Germany' } } });
  });

  it('filters contacts', async () => {
    const payload = [{ attribute_key: 'email', filter_operator: 'contains', values: ['example.com'], query_operator: null }];
    await documented('POST', path('/contacts/filter'), { body: { payload } });
  });

  it('creates a contact without an inbox and deletes it', async () => {
    const bare = await documented('POST', path('/contacts'), { body: { name: 'Passer-by', phone_number: '+14155550100' } });
    await documented('DELETE', path(`/contacts/${bare.body.payload.contact.id}`));
  });

  it('destroy_custom_attributes, contactable_inboxes, conversations, contact_inboxes and contact_inboxes/filter', async () => {
    const trimmed = await undocumented('POST', path(`/contacts/${t.contactId}/destroy_custom_attributes`), {
      body: { custom_attributes: ['tier'] },
    });
    expectMatchesSchema(trimmed.body, 'contact_show_response');
    await documented('GET', path(`/contacts/${t.contactId}/contactable_inboxes`));
    await documented('GET', path(`/contacts/${t.contactId}/conversations`));
    await documented('POST', path(`/contacts/${t.contactId}/contact_inboxes`), {
      body: { inbox_id: t.botInbox.id, source_id: `bot-${process.pid}` },
    });
    const found = await undocumented('POST', path('/contact_inboxes/filter'), {
      body: { inbox_id: t.inbox.id, source_id: t.sourceId },
    });
    expectMatchesSchema(found.body, 'contact_list_item');
  });

  it('labels', async () => {
    await documented('POST', path(`/contacts/${t.contactId}/labels`), { body: { labels: ['vip', 'billing'] } });
    await documented('GET', path(`/contacts/${t.contactId}/labels`));
  });
});

describe('conversations', () => {
  const conversation = (suffix = '') => path(`/conversations/${t.conversationId}${suffix}`);

  it('lists, counts, shows and updates (PATCH and PUT)', async () => {
    await documented('GET', path('/conversations'));
    await documented('GET', path('/conversations?status=all&assignee_type=all'), { token: t.agent.token });
    await documented('GET', path('/conversations/meta'));
    await documented('GET', conversation());
    await documented('PATCH', conversation(), { body: { priority: 'high' } });
    await documented('PUT', conversation(), { body: { priority: 'urgent' } });
  });

  it('toggles status, priority and typing; marks seen and unread', async () => {
    await documented('POST', conversation('/toggle_status'), { body: { status: 'pending' } });
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    await documented('POST', conversation('/toggle_status'), { body: { status: 'snoozed', snoozed_until: inAnHour } });
    await documented('GET', conversation());
    await documented('POST', conversation('/toggle_status'));
    await documented('POST', conversation('/toggle_priority'), { body: { priority: 'low' } });
    const typing = await undocumented('POST', conversation('/toggle_typing_status'), { body: { typing_status: 'on' } });
    expect(typing.text).toBe('');
    const seen = await undocumented('POST', conversation('/update_last_seen'));
    expectMatchesSchema(seen.body, 'conversation_show');
    const unread = await undocumented('POST', conversation('/unread'));
    expectMatchesSchema(unread.body, 'conversation_show');
  });

  it('custom attributes, labels, mute and unmute', async () => {
    await documented('POST', conversation('/custom_attributes'), { body: { custom_attributes: { order: 'A-2', gift: true } } });
    await documented('POST', conversation('/labels'), { body: { labels: ['billing'] } });
    await documented('GET', conversation('/labels'));
    expect((await undocumented('POST', conversation('/mute'))).text).toBe('');
    expect((await undocumented('POST', conversation('/unmute'))).text).toBe('');
  });

  it('filters and searches conversations', async () => {
    const payload = [
      { attribute_key: 'status', filter_operator: 'equal_to', values: ['open', 'pending', 'snoozed'], query_operator: null },
    ];
    await documented('POST', path('/conversations/filter'), { body: { payload } });
    const found = await undocumented('GET', path('/conversations/search?q=order'));
    expect(found.body.payload.length).toBeGreaterThan(0);
  });

  it('shows a conversation without messages whose contact has only an email', async () => {
    await documented('GET', path(`/conversations/${t.walkInConversationId}`));
    await documented('GET', path(`/conversations/${t.walkInConversationId}/messages`));
    await documented('GET', path(`/contacts/${t.walkInId}/conversations`));
  });

  it('assigns an agent, an agent bot, a team and nobody', async () => {
    await documented('POST', conversation('/assignments'), { body: { assignee_id: t.botId, assignee_type: 'AgentBot' } });
    await documented('GET', conversation());
    await documented('POST', conversation('/assignments'), { body: { team_id: t.teamId } });
    await documented('POST', conversation('/assignments'), { body: { assignee_id: null } });
    const agent = await documented('POST', conversation('/assignments'), { body: { assignee_id: t.agent.id } });
    expectMatchesSchema(agent.body, 'agent');
    await documented('GET', conversation());
  });
});

describe('messages', () => {
  const messages = (suffix = '') => path(`/conversations/${t.conversationId}/messages${suffix}`);

  it('lists, updates the status (PATCH and PUT) and soft-deletes', async () => {
    await documented('GET', messages());
    await documented('GET', messages(`?before=${t.messageIds[3]}`), { token: t.agent.token });
    const [, outgoing, , select] = t.messageIds;
    for (const method of ['PATCH', 'PUT'] as const) {
      const status = method === 'PATCH' ? 'delivered' : 'read';
      const updated = await undocumented(method, messages(`/${outgoing}`), { body: { status } });
      expectMatchesSchema(updated.body, 'message');
    }
    const retried = await undocumented('POST', messages(`/${outgoing}/retry`));
    expectMatchesSchema(retried.body, 'message');
    await documented('DELETE', messages(`/${select}`));
    await documented('GET', path(`/contacts/${t.contactId}/conversations`));
    // Swagger has no schema for the attachment list (spec/API.md §3.5); test/rest/attachments.test.ts checks its shape.
    const attachments = await undocumented('GET', path(`/conversations/${t.conversationId}/attachments`));
    expect(attachments.body).toEqual({ meta: { total_count: 0 }, payload: [] });
  });
});

describe('Client API', () => {
  /** The customer's side of the tenant's inbox: no token, a session of its own. */
  const as = (options: Options = {}) => ({ token: null, ...options });
  const client = {} as { inbox: string; contacts: string; contact: string; conversations: string };

  it('shows the inbox; opens, shows and updates (PATCH and PUT) a session', async () => {
    const identifier = (await db().channelApi.findFirstOrThrow({ where: { inbox: { id: t.inbox.id } } })).identifier;
    client.inbox = `/public/api/v1/inboxes/${identifier}`;
    client.contacts = `${client.inbox}/contacts`;
    await documented('GET', client.inbox, as());
    await documented('POST', client.contacts, as());
    const session = await documented('POST', client.contacts, as({
      body: { source_id: `client-${process.pid}`, name: 'Clara Client', email: `clara-${process.pid}@example.com`, phone_number: '+4915199999999' },
    }));
    client.contact = `${client.contacts}/${session.body.source_id}`;
    client.conversations = `${client.contact}/conversations`;
    await documented('GET', client.contact, as());
    // Swagger promises public_contact; Chatwoot answers the raw contact row (spec/API.md §5.2 [docs≠code]). Snypto
    // answers the row with the session's source_id and pubsub_token (issue 5), which public_contact also describes.
    for (const method of ['PATCH', 'PUT'] as const) {
      const updated = await documented(method, client.contact, as({ body: { name: `Clara ${method}` } }));
      expect(updated.body).toMatchObject({ source_id: session.body.source_id, pubsub_token: session.body.pubsub_token });
    }
  });

  it('creates, lists, shows and works in a conversation', async () => {
    const created = await documented('POST', client.conversations, as({ body: { custom_attributes: { order: 'C-1' } } }));
    const conversation = (suffix = '') => `${client.conversations}/${created.body.id}${suffix}`;
    await documented('POST', conversation('/messages'), as({ body: { content: 'Hello from the widget', echo_id: 'widget-1' } }));
    const select = await documented('POST', path(`/conversations/${created.body.id}/messages`), {
      body: { content: 'Pick one', content_type: 'input_select', content_attributes: { items: [{ title: 'Yes', value: 'yes' }] } },
    });
    await documented('GET', client.conversations, as());
    await documented('GET', conversation(), as());
    await documented('GET', conversation('/messages'), as());
    await documented('GET', conversation(`/messages?before=${select.body.id}`), as());
    for (const method of ['PATCH', 'PUT'] as const)
      await documented(method, conversation(`/messages/${select.body.id}`), as({ body: { submitted_values: [{ title: 'Yes', value: 'yes' }] } }));
    expect((await documented('POST', conversation('/toggle_typing'), as({ body: { typing_status: 'on' } }))).text).toBe('');
    expect((await documented('POST', conversation('/update_last_seen'), as())).text).toBe('');
    await documented('POST', conversation('/toggle_status'), as());
  });

  it('401 for a wrong identifier_hash, where swagger documents 401', async () => {
    const wrong = { identifier: 'someone', identifier_hash: 'not-the-hash' };
    for (const [method, p] of [['POST', client.contacts], ['GET', `${client.contact}?identifier=someone&identifier_hash=x`], ['PATCH', client.contact]] as const) {
      const reply = await request(server.url, method, p, { body: method === 'GET' ? undefined : wrong });
      expect(reply.status, `${method} ${p}`).toBe(401);
      expectMatchesOperation(method, p, 401, reply.body);
    }
  });
});

describe('deleting a conversation', () => {
  it('answers an empty 200', async () => {
    const deleted = await undocumented('DELETE', path(`/conversations/${t.walkInConversationId}`));
    expect(deleted.text).toBe('');
  });
});

describe('webhooks', () => {
  // Snypto extension, issue 6: no swagger operation; shapes checked in test/rest/webhook-log.test.ts.
  it('serves the delivery log, redelivery and signing secrets', async () => {
    expect((await undocumented('GET', path(`/webhooks/${t.webhookId}/deliveries`))).body.meta.current_page).toBe(1);
    const log = await undocumented('GET', path(`/webhooks/inboxes/${t.inbox.id}/deliveries`));
    expect(log.body.meta.count).toBeGreaterThan(0);
    await undocumented('POST', path(`/webhooks/deliveries/${log.body.payload[0].id}/redeliver`));
    for (const base of [`/webhooks/${t.webhookId}`, `/webhooks/inboxes/${t.inbox.id}`]) {
      expect((await undocumented('GET', path(`${base}/secret`))).body.secret).toMatch(/^whsec_/);
      expect((await undocumented('POST', path(`${base}/rotate_secret`))).body.secret).toMatch(/^whsec_/);
    }
  });

  it('lists, updates (PATCH and PUT) and deletes', async () => {
    await documented('GET', path('/webhooks'));
    for (const [method, body] of [
      ['PATCH', { name: 'CRM', inbox_id: t.inbox.id }],
      ['PUT', { subscriptions: ['message_created'] }],
    ] as const) {
      const updated = await documented(method, path(`/webhooks/${t.webhookId}`), { body });
      expectMatchesSchema(updated.body.payload.webhook, 'webhook');
    }
    await documented('GET', path('/webhooks'));
    await documented('DELETE', path(`/webhooks/${t.webhookId}`));
  });
});

describe('Platform API', () => {
  const PLATFORM = '/platform/api/v1';
  const as = (options: Options = {}) => ({ token: PLATFORM_TOKEN, ...options });

  it('provisions an account, a user, its membership and an agent bot, then removes them', async () => {
    const account = await documented('POST', `${PLATFORM}/accounts`, as({ body: { name: 'Acme Platform' } }));
    const accountPath = `${PLATFORM}/accounts/${account.body.id}`;
    await documented('GET', accountPath, as());
    await documented('PATCH', accountPath, as({ body: { name: 'Acme Platform GmbH' } }));
    await documented('PUT', accountPath, as({ body: { name: 'Acme Platform AG' } }));

    const user = await documented('POST', `${PLATFORM}/users`, as({
      body: { name: 'Pat Platform', email: `pat-${process.pid}@example.com`, password: 'Password1!', custom_attributes: { crm: 7 } },
    }));
    const userPath = `${PLATFORM}/users/${user.body.id}`;
    await documented('GET', userPath, as());
    await documented('PATCH', userPath, as({ body: { display_name: 'Pat' } }));
    await documented('PUT', userPath, as({ body: { name: 'Pat P.' } }));
    await documented('GET', `${userPath}/login`, as());

    await documented('POST', `${accountPath}/account_users`, as({ body: { user_id: user.body.id, role: 'administrator' } }));
    await documented('GET', `${accountPath}/account_users`, as());
    await documented('DELETE', `${accountPath}/account_users`, as({ body: { user_id: user.body.id } }));

    const bot = await documented('POST', `${PLATFORM}/agent_bots`, as({
      body: { name: 'Platform bot', description: 'Answers FAQs', outgoing_url: 'https://hooks.example.invalid/platform-bot' },
    }));
    const botPath = `${PLATFORM}/agent_bots/${bot.body.id}`;
    // Only `name` is required: a bot without description and outgoing_url renders both as null.
    await documented('GET', `${PLATFORM}/agent_bots/${(await documented('POST', `${PLATFORM}/agent_bots`, as({ body: { name: 'Bare bot' } }))).body.id}`, as());
    await documented('GET', `${PLATFORM}/agent_bots`, as());
    await documented('GET', botPath, as());
    await documented('PATCH', botPath, as({ body: { description: 'Answers more FAQs' } }));
    await documented('PUT', botPath, as({ body: { name: 'Platform bot 2' } }));
    await documented('DELETE', botPath, as());
    await documented('DELETE', userPath, as());
    await documented('DELETE', accountPath, as());
  });
});

describe('documented error bodies', () => {
  /** The documented operations called above, once each, with a call to repeat. */
  const documentedCalls = () => {
    const byOperation = new Map<string, Call>();
    for (const call of calls) {
      const template = swagger.operationTemplate(call.method, call.path);
      if (template && !byOperation.has(`${call.method} ${template}`)) byOperation.set(`${call.method} ${template}`, call);
    }
    return [...byOperation.values()];
  };
  const documents = (call: Call, status: number) => swagger.documentedStatuses(call.method, call.path).includes(status);

  it('401 without a token and with an invalid one, where swagger documents 401', async () => {
    let checked = 0;
    // The Client API takes no token; its 401 is a failed identity check, checked in 'Client API' above.
    for (const call of documentedCalls().filter((c) => documents(c, 401) && !c.path.startsWith('/public/'))) {
      for (const token of [null, 'not-a-real-token-000000']) {
        const reply = await request(server.url, call.method, call.path, { token, body: call.body });
        expect(reply.status, `${call.method} ${call.path}`).toBe(401);
        expectMatchesOperation(call.method, call.path, 401, reply.body);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('404 for an unknown id, where swagger documents 404', async () => {
    let checked = 0;
    /** The path with its last id replaced by an unknown one (not the account id of the Application API). */
    const unknownId = (p: string) => {
      const [bare, query] = p.split('?');
      const segments = bare!.split('/');
      const last = segments.findLastIndex((segment, i) => /^\d+$/.test(segment) && !(p.startsWith('/api/v1/accounts/') && i === 4));
      if (last < 0) return p;
      segments[last] = '999999';
      return segments.join('/') + (query === undefined ? '' : `?${query}`);
    };
    for (const call of documentedCalls().filter((c) => documents(c, 404))) {
      const missing = unknownId(call.path);
      if (missing === call.path) continue;
      const reply = await request(server.url, call.method, missing, { token: call.token, body: call.body });
      expect(reply.status, `${call.method} ${missing}`).toBe(404);
      expectMatchesOperation(call.method, missing, 404, reply.body);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('422 for an unknown user in inbox_members', async () => {
    for (const method of ['POST', 'PATCH'] as const) {
      const p = path('/inbox_members');
      const reply = await request(server.url, method, p, { token: server.adminToken, body: { inbox_id: t.inbox.id, user_ids: [999999] } });
      expect(reply.status).toBe(422);
      expectMatchesOperation(method, p, 422, reply.body);
    }
  });
});

describe('coverage', () => {
  it('every route of the REST route table was called above', () => {
    const pattern = (routePath: string) => new RegExp(`^${routePath.replace(/:[a-z_]+/g, '[^/]+')}$`);
    const literals = (routePath: string) => routePath.split('/').filter((part) => part && !part.startsWith(':')).length;
    const routes = routeTable.flatMap((route) =>
      (Array.isArray(route.method) ? route.method : [route.method]).map((method) => ({ method, path: route.path })),
    );
    const called = new Set<string>();
    for (const call of calls) {
      const bare = call.path.split('?')[0]!;
      const best = routes
        .filter((route) => route.method === call.method && pattern(route.path).test(bare))
        .sort((a, b) => literals(b.path) - literals(a.path))[0];
      if (best) called.add(`${best.method} ${best.path}`);
    }
    const missing = routes.map((route) => `${route.method} ${route.path}`).filter((route) => !called.has(route));
    expect(missing, 'routes no test above calls: add them to test/rest/swagger.test.ts').toEqual([]);
  });

  it('every swagger exception was needed by some response', () => {
    expect(swagger.unusedExceptions()).toEqual([]);
  });
});
