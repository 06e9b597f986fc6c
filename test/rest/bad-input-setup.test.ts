/**
 * The bad-input sweep over the setup endpoints: profile, agents, inboxes,
 * inbox members and account webhooks (spec/API.md §1.4, §1.5, §3.1–3.3,
 * §3.7, §4; CONFORMANCE.md §D, §E, §F, §J): missing and wrong-typed params,
 * unknown and foreign ids, oversize strings and malformed JSON get the
 * documented status and body, never a 500, and write nothing.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import {
  INVALID_JSON,
  MALFORMED_JSON,
  MISSING_IDS,
  NOT_FOUND,
  OVERSIZE,
  invalidRecord,
  missingIdCases,
  sweep,
  tooLong,
  type RefusalCase,
} from '../support/bad-input.ts';
import { request } from '../support/http.ts';
import { accountPath, adminApi, createAgent, createInbox } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';

let server: TestServer;
let inboxId: number;
let agentId: number;
let webhookId: number;
let takenUrl: string;
let foreign: Awaited<ReturnType<typeof seedForeignTenant>>;

beforeAll(async () => {
  server = await startServer();
  inboxId = (await createInbox(server)).id;
  agentId = (await createAgent(server)).id;
  takenUrl = `https://hooks.example/${process.pid}`;
  const webhook = await api().post(path('/webhooks'), { url: takenUrl });
  expect(webhook.status).toBe(200);
  webhookId = webhook.body.payload.webhook.id;
  foreign = await seedForeignTenant(server);
});
afterAll(async () => {
  await server?.stop();
});

const api = () => adminApi(server);
const path = (p: string) => accountPath(server, p);

const refuse = (cases: RefusalCase[]) => sweep(() => server, cases);
describe('profile', () => {
  const update = (profile: object) => api().patch('/api/v1/profile', { profile });
  const accountId = () => server.accountId;
  refuse([
    ['J-4 PATCH a name of 256 characters', () => update({ name: OVERSIZE.string }), 422, invalidRecord(tooLong('Name', 255), 'name')],
    ['PATCH a blank name', () => update({ name: '' }), 422, invalidRecord("Name can't be blank", 'name')],
    ['PATCH a NUL character in name', () => update({ name: 'A\u0000' }), 422, invalidRecord('Name is invalid', 'name')],
    ['PATCH an object for name', () => update({ name: { first: 'A' } }), 422, invalidRecord('Name is invalid', 'name')],
    ['PATCH a display_name of 256 characters', () => update({ display_name: OVERSIZE.string }), 422, invalidRecord(tooLong('Display name', 255), 'display_name')],
    ['PATCH a message_signature of 20 001 characters', () => update({ message_signature: OVERSIZE.text }), 422, invalidRecord(tooLong('Message signature', 20_000), 'message_signature')],
    ['PATCH a phone_number of 256 characters', () => update({ phone_number: OVERSIZE.string }), 422, invalidRecord(tooLong('Phone number', 255), 'phone_number')],
    ['PATCH a string for ui_settings', () => update({ ui_settings: 'dark' }), 422, invalidRecord('Ui settings is invalid', 'ui_settings')],
    ['PATCH malformed JSON', () => api().patch('/api/v1/profile', undefined, MALFORMED_JSON), 400, INVALID_JSON],
    ['availability of an unknown value', () => api().post('/api/v1/profile/availability', { profile: { account_id: accountId(), availability: 'asleep' } }), 422, invalidRecord('Availability is not included in the list', 'availability')],
    ['availability in a malformed account id', () => api().post('/api/v1/profile/availability', { profile: { account_id: 'abc', availability: 'busy' } }), 404, NOT_FOUND],
    ['availability in another account', () => api().post('/api/v1/profile/availability', { profile: { account_id: foreign.account.id, availability: 'busy' } }), 404, NOT_FOUND],
    ['auto_offline without a value', () => api().post('/api/v1/profile/auto_offline', { profile: { account_id: accountId() } }), 422, invalidRecord("Auto offline can't be blank", 'auto_offline')],
    ['auto_offline in an account id beyond the integer column', () => api().post('/api/v1/profile/auto_offline', { profile: { account_id: 2_147_483_648, auto_offline: true } }), 404, NOT_FOUND],
  ]);
});

describe('account ids', () => {
  refuse(MISSING_IDS.map((id): RefusalCase => [`GET /api/v1/accounts/${id}/contacts → 404`, () => api().get(`/api/v1/accounts/${id}/contacts`), 404, NOT_FOUND]));
});

describe('agents', () => {
  const create = (agent: object) => api().post(path('/agents'), { agent });
  refuse([
    ['F-4 POST without an email', () => create({ name: 'No Email' }), 422, invalidRecord("Email can't be blank", 'email')],
    ['POST without anything', () => create({}), 422, invalidRecord("Name can't be blank, Email can't be blank", 'name', 'email')],
    ['POST a malformed email', () => create({ name: 'A', email: 'nope' }), 422, invalidRecord('Email is invalid', 'email')],
    ['POST a name of 256 characters', () => create({ name: OVERSIZE.string, email: 'long@example.com' }), 422, invalidRecord(tooLong('Name', 255), 'name')],
    ['POST an email of 256 characters', () => create({ name: 'A', email: `${'a'.repeat(244)}@example.com` }), 422, invalidRecord(tooLong('Email', 255), 'email')],
    ['POST an unknown role', () => create({ name: 'A', email: 'role@example.com', role: 'owner' }), 422, invalidRecord('Role is not included in the list', 'role')],
    ['POST an unknown availability', () => create({ name: 'A', email: 'av@example.com', availability: 'asleep' }), 422, invalidRecord('Availability is not included in the list', 'availability')],
    ['POST an array for name', () => create({ name: ['A'], email: 'arr@example.com' }), 422, invalidRecord('Name is invalid', 'name')],
    ['POST malformed JSON', () => api().post(path('/agents'), undefined, MALFORMED_JSON), 400, INVALID_JSON],
    ['PATCH a blank name', () => api().patch(path(`/agents/${agentId}`), { name: '' }), 422, invalidRecord("Name can't be blank", 'name')],
    ['PATCH a name of 256 characters', () => api().patch(path(`/agents/${agentId}`), { name: OVERSIZE.string }), 422, invalidRecord(tooLong('Name', 255), 'name')],
    ['PATCH an unknown role', () => api().patch(path(`/agents/${agentId}`), { role: 'owner' }), 422, invalidRecord('Role is not included in the list', 'role')],
    ['bulk_create with a string for emails creates nobody', () => api().post(path('/agents/bulk_create'), { emails: 'a@example.com' }), 200, undefined],
    ['POST a NUL character in name', () => create({ name: 'A\u0000', email: 'nul@example.com' }), 422, invalidRecord('Name is invalid', 'name')],
    ['bulk_create with an address holding a NUL character creates nobody', () => api().post(path('/agents/bulk_create'), { emails: ['n\u0000@example.com'] }), 200, undefined],
    ['bulk_create with malformed addresses creates nobody', () => api().post(path('/agents/bulk_create'), { emails: ['nope', 42, { a: 1 }] }), 200, undefined],
    ...missingIdCases('PATCH /agents/{id}', (id) => api().patch(path(`/agents/${id}`), { name: 'X' }), () => foreign.admin.id),
    ...missingIdCases('DELETE /agents/{id}', (id) => api().delete(path(`/agents/${id}`)), () => foreign.admin.id),
  ]);
});

describe('inboxes', () => {
  const create = (body: object) => api().post(path('/inboxes'), { name: 'Inbox', channel: { type: 'api' }, ...body });
  const update = (body: object) => api().patch(path(`/inboxes/${inboxId}`), body);
  refuse([
    ['POST without a name', () => create({ name: undefined }), 422, invalidRecord("Name can't be blank", 'name')],
    ['POST a name of 256 characters', () => create({ name: OVERSIZE.string }), 422, invalidRecord(tooLong('Name', 255), 'name')],
    ['POST a greeting_message of 10 001 characters', () => create({ greeting_message: 'a'.repeat(10_001) }), 422, invalidRecord(tooLong('Greeting message', 10_000), 'greeting_message')],
    ['POST an out_of_office_message of 10 001 characters', () => create({ out_of_office_message: 'a'.repeat(10_001) }), 422, invalidRecord(tooLong('Out of office message', 10_000), 'out_of_office_message')],
    ['POST a business_name of 256 characters', () => create({ business_name: OVERSIZE.string }), 422, invalidRecord(tooLong('Business name', 255), 'business_name')],
    ['POST a channel webhook_url of 2 050 characters', () => create({ channel: { type: 'api', webhook_url: OVERSIZE.url } }), 422, invalidRecord(tooLong('Webhook url', 2048), 'webhook_url')],
    ['POST a NUL character in name', () => create({ name: 'In\u0000box' }), 422, invalidRecord('Name is invalid', 'name')],
    ['POST an unknown timezone', () => create({ timezone: 'Mars/Olympus' }), 422, invalidRecord('Timezone is not included in the list', 'timezone')],
    ['POST an unknown sender_name_type', () => create({ sender_name_type: 'anonymous' }), 422, invalidRecord('Sender name type is not included in the list', 'sender_name_type')],
    ['POST malformed JSON', () => api().post(path('/inboxes'), undefined, MALFORMED_JSON), 400, INVALID_JSON],
    ['PATCH a blank name', () => update({ name: '' }), 422, invalidRecord("Name can't be blank", 'name')],
    ['PATCH an object for name', () => update({ name: { a: 1 } }), 422, invalidRecord('Name is invalid', 'name')],
    ['PATCH a string for working_hours', () => update({ working_hours: 'always' }), 422, invalidRecord('Working hours is invalid', 'working_hours')],
    ['PATCH a working_hours day_of_week of 9', () => update({ working_hours: [{ day_of_week: 9, open_all_day: true }] }), 422, invalidRecord('Day of week must be less than or equal to 6', 'working_hours')],
    ['PATCH malformed JSON', () => api().patch(path(`/inboxes/${inboxId}`), undefined, MALFORMED_JSON), 400, INVALID_JSON],
    ['D-29 set_agent_bot with agent_bot 0', () => api().post(path(`/inboxes/${inboxId}/set_agent_bot`), { agent_bot: 0 }), 404, NOT_FOUND],
    ['set_agent_bot with a malformed agent_bot', () => api().post(path(`/inboxes/${inboxId}/set_agent_bot`), { agent_bot: 'abc' }), 404, NOT_FOUND],
    ['set_agent_bot with another account\'s bot', () => api().post(path(`/inboxes/${inboxId}/set_agent_bot`), { agent_bot: foreign.bot.id }), 404, NOT_FOUND],
    ...missingIdCases('GET /inboxes/{id}', (id) => api().get(path(`/inboxes/${id}`)), () => foreign.inbox.id),
    ...missingIdCases('PATCH /inboxes/{id}', (id) => api().patch(path(`/inboxes/${id}`), { name: 'X' }), () => foreign.inbox.id),
    ...missingIdCases('D-15 DELETE /inboxes/{id}', (id) => api().delete(path(`/inboxes/${id}`)), () => foreign.inbox.id),
    ...missingIdCases('GET /inboxes/{id}/agent_bot', (id) => api().get(path(`/inboxes/${id}/agent_bot`)), () => foreign.inbox.id),
    ...missingIdCases('POST /inboxes/{id}/set_agent_bot', (id) => api().post(path(`/inboxes/${id}/set_agent_bot`), { agent_bot: null }), () => foreign.inbox.id),
    ...missingIdCases('GET /inboxes/{id}/assignable_agents', (id) => api().get(path(`/inboxes/${id}/assignable_agents`)), () => foreign.inbox.id),
    ...missingIdCases('GET /inbox_members/{inbox_id}', (id) => api().get(path(`/inbox_members/${id}`)), () => foreign.inbox.id),
  ]);
});

describe('inbox members', () => {
  for (const [method, send] of [
    ['POST', (body: object) => api().post(path('/inbox_members'), body)],
    ['PATCH', (body: object) => api().patch(path('/inbox_members'), body)],
  ] as const)
    refuse([
      [`E-5 ${method} with inbox_id null`, () => send({ inbox_id: null, user_ids: [agentId] }), 404, NOT_FOUND],
      [`${method} without inbox_id`, () => send({ user_ids: [agentId] }), 404, NOT_FOUND],
      [`${method} with a malformed inbox_id`, () => send({ inbox_id: 'abc', user_ids: [agentId] }), 404, NOT_FOUND],
      [`${method} with another account's inbox`, () => send({ inbox_id: foreign.inbox.id, user_ids: [agentId] }), 404, NOT_FOUND],
      [`E-6 ${method} with user_ids ["invalid"]`, () => send({ inbox_id: inboxId, user_ids: ['invalid'] }), 422, invalidRecord('User must exist', 'user')],
      [`${method} with a user id beyond the integer column`, () => send({ inbox_id: inboxId, user_ids: [2_147_483_648] }), 422, invalidRecord('User must exist', 'user')],
      [`${method} with another account's user`, () => send({ inbox_id: inboxId, user_ids: [foreign.admin.id] }), 422, invalidRecord('User must exist', 'user')],
      [`${method} with malformed JSON`, () => request(server.url, method, path('/inbox_members'), { token: server.adminToken, ...MALFORMED_JSON }), 400, INVALID_JSON],
    ]);
  refuse([
    ['E-8 DELETE with inbox_id null', () => api().delete(path('/inbox_members'), { body: { inbox_id: null, user_ids: [agentId] } }), 404, NOT_FOUND],
    ['E-8 DELETE with user_ids ["invalid"] changes nothing', () => api().delete(path('/inbox_members'), { body: { inbox_id: inboxId, user_ids: ['invalid', 2_147_483_648] } }), 200, undefined],
  ]);
});

describe('webhooks', () => {
  const create = (body: object) => api().post(path('/webhooks'), { url: 'https://fresh.example/hook', ...body });
  refuse([
    ['POST without a url', () => api().post(path('/webhooks'), { name: 'No url' }), 422, invalidRecord("Url can't be blank", 'url')],
    ['POST a url that is not http(s)', () => create({ url: 'ftp://files.example/hook' }), 422, invalidRecord('Url is invalid', 'url')],
    ['POST a url with a NUL character', () => create({ url: 'https://nul.example/\u0000' }), 422, invalidRecord('Url is invalid', 'url')],
    ['POST a url of 2 050 characters', () => create({ url: OVERSIZE.url }), 422, invalidRecord(tooLong('Url', 2048), 'url')],
    ['POST a name of 256 characters', () => create({ name: OVERSIZE.string }), 422, invalidRecord(tooLong('Name', 255), 'name')],
    ['POST a url the account already has', () => create({ url: takenUrl }), 422, invalidRecord('Url has already been taken', 'url')],
    ['POST an unknown subscription', () => create({ subscriptions: ['message_created', 'everything'] }), 422, invalidRecord('Subscriptions Invalid events', 'subscriptions')],
    ['POST a string for subscriptions', () => create({ subscriptions: 'message_created' }), 422, invalidRecord('Subscriptions is invalid', 'subscriptions')],
    ['POST an unknown inbox_id', () => create({ inbox_id: 99_999_999 }), 404, NOT_FOUND],
    ['POST another account\'s inbox', () => create({ inbox_id: foreign.inbox.id }), 404, NOT_FOUND],
    ['POST a malformed inbox_id', () => create({ inbox_id: 'abc' }), 422, invalidRecord('Inbox id is invalid', 'inbox_id')],
    ['POST an inbox_id beyond the integer column', () => create({ inbox_id: 2_147_483_648 }), 422, invalidRecord('Inbox id must be less than or equal to 2147483647', 'inbox_id')],
    ['POST malformed JSON', () => api().post(path('/webhooks'), undefined, MALFORMED_JSON), 400, INVALID_JSON],
    ['PATCH a url that is not http(s)', () => api().patch(path(`/webhooks/${webhookId}`), { url: 'not a url' }), 422, invalidRecord('Url is invalid', 'url')],
    ['PATCH malformed JSON', () => api().patch(path(`/webhooks/${webhookId}`), undefined, MALFORMED_JSON), 400, INVALID_JSON],
    ...missingIdCases('PATCH /webhooks/{id}', (id) => api().patch(path(`/webhooks/${id}`), { name: 'X' }), () => foreign.webhook.id),
    ...missingIdCases('DELETE /webhooks/{id}', (id) => api().delete(path(`/webhooks/${id}`)), () => foreign.webhook.id),
  ]);
});
