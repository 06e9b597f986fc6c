/**
 * The bad-input sweep over contacts and contact inboxes (spec/API.md §1.4,
 * §1.5, §3.4; CONFORMANCE.md §G): missing and wrong-typed params, unknown and
 * foreign ids, oversize strings, duplicates and malformed JSON get the
 * documented status and body, never a 500, and write nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INVALID_JSON,
  MALFORMED_JSON,
  NOT_FOUND,
  OVERSIZE,
  invalidRecord,
  missingIdCases,
  sweep,
  tooLong,
  type RefusalCase,
} from '../support/bad-input.ts';
import type { Reply } from '../support/http.ts';
import { accountPath, adminApi, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';

let server: TestServer;
let scene: Awaited<ReturnType<typeof seedConversation>>;
/** Another contact of the account, holding an email, a phone number, an identifier and a source_id. */
let other: { id: number; email: string; phone: string; identifier: string; sourceId: string };
let foreign: Awaited<ReturnType<typeof seedForeignTenant>>;

beforeAll(async () => {
  server = await startServer();
  scene = await seedConversation(server);
  const tag = `${process.pid}`;
  other = { id: 0, email: `taken-${tag}@example.com`, phone: '+15550001111', identifier: `taken-${tag}`, sourceId: `held-${tag}` };
  const created = await api().post(path('/contacts'), {
    name: 'Taken',
    email: other.email,
    phone_number: other.phone,
    identifier: other.identifier,
  });
  expect(created.status).toBe(200);
  other.id = created.body.payload.contact.id;
  const held = await api().post(path(`/contacts/${other.id}/contact_inboxes`), { inbox_id: scene.inbox.id, source_id: other.sourceId });
  expect(held.status).toBe(200);
  foreign = await seedForeignTenant(server);
});
afterAll(async () => {
  await server?.stop();
});

const api = () => adminApi(server);
const path = (p: string) => accountPath(server, p);
const contact = (suffix = '') => path(`/contacts/${scene.contactId}${suffix}`);

const refuse = (cases: RefusalCase[]) => sweep(() => server, cases);

/** Oversize, wrong-typed, unstorable and duplicate contact attributes, shared by create and update. */
const attributeCases = (send: (body: object) => Promise<Reply>): RefusalCase[] => [
  ['name of 256 characters (G-14)', () => send({ name: OVERSIZE.string }), 422, invalidRecord(tooLong('Name', 255), 'name')],
  ['email of 256 characters', () => send({ email: `${'a'.repeat(244)}@example.com` }), 422, invalidRecord(tooLong('Email', 255), 'email')],
  ['phone_number of 256 characters', () => send({ phone_number: `+1${'5'.repeat(254)}` }), 422, invalidRecord(tooLong('Phone number', 255), 'phone_number')],
  ['identifier of 256 characters', () => send({ identifier: OVERSIZE.string }), 422, invalidRecord(tooLong('Identifier', 255), 'identifier')],
  ['avatar_url of 2 050 characters', () => send({ avatar_url: OVERSIZE.url }), 422, invalidRecord(tooLong('Avatar url', 2048), 'avatar_url')],
  ['an object for name', () => send({ name: { first: 'Jane' } }), 422, invalidRecord('Name is invalid', 'name')],
  ['an array for email', () => send({ email: ['a@example.com'] }), 422, invalidRecord('Email is invalid', 'email')],
  ['a malformed email', () => send({ email: 'not-an-email' }), 422, invalidRecord('Email is invalid', 'email')],
  ['a NUL character in name (PostgreSQL stores none)', () => send({ name: 'Ja\u0000ne' }), 422, invalidRecord('Name is invalid', 'name')],
  ['a NUL character inside custom_attributes', () => send({ custom_attributes: { plan: 'pro\u0000' } }), 422, invalidRecord('Custom attributes is invalid', 'custom_attributes')],
  ['a phone number without +', () => send({ phone_number: '5550001111' }), 422, invalidRecord('Phone number is invalid', 'phone_number')],
  ['two problems at once', () => send({ name: OVERSIZE.string, email: 'nope' }), 422, invalidRecord(`${tooLong('Name', 255)}, Email is invalid`, 'name', 'email')],
  ['G-18 an email another contact has (any case)', () => send({ email: other.email.toUpperCase() }), 422, invalidRecord('Email has already been taken', 'email')],
  ['G-18 a phone number another contact has', () => send({ phone_number: other.phone }), 422, invalidRecord('Phone number has already been taken', 'phone_number')],
  ['an identifier another contact has', () => send({ identifier: other.identifier }), 422, invalidRecord('Identifier has already been taken', 'identifier')],
];

describe('POST /contacts', () => {
  const create = (body: object) => api().post(path('/contacts'), { name: 'New', ...body });
  refuse([
    ...attributeCases(create),
    ['source_id of 20 001 characters', () => create({ inbox_id: scene.inbox.id, source_id: OVERSIZE.text }), 422, invalidRecord(tooLong('Source id', 20_000), 'source_id')],
    ['an unknown inbox_id', () => create({ inbox_id: 99_999_999 }), 404, NOT_FOUND],
    ['a malformed inbox_id', () => create({ inbox_id: 'abc' }), 404, NOT_FOUND],
    ['an inbox_id beyond the integer column', () => create({ inbox_id: 2_147_483_648 }), 404, NOT_FOUND],
    ['another account\'s inbox_id', () => create({ inbox_id: foreign.inbox.id }), 404, NOT_FOUND],
    ['a source_id another contact holds in the inbox', () => create({ inbox_id: scene.inbox.id, source_id: scene.sourceId }), 422, { error: 'source_id should be unique' }],
    ['malformed JSON', () => api().post(path('/contacts'), undefined, MALFORMED_JSON), 400, INVALID_JSON],
  ]);
});

describe('PATCH /contacts/{id}', () => {
  const update = (body: object) => api().patch(contact(), body);
  refuse([
    ...attributeCases(update),
    ...missingIdCases('G-17 PATCH /contacts/{id}', (id) => api().patch(path(`/contacts/${id}`), { name: 'X' }), () => foreign.contact.id),
    ['malformed JSON', () => api().patch(contact(), undefined, MALFORMED_JSON), 400, INVALID_JSON],
  ]);
});

describe('contact routes with an id that names no contact of the account', () => {
  const routes: [string, (id: string | number) => Promise<Reply>][] = [
    ['GET /contacts/{id}', (id) => api().get(path(`/contacts/${id}`))],
    ['DELETE /contacts/{id}', (id) => api().delete(path(`/contacts/${id}`))],
    ['POST /contacts/{id}/destroy_custom_attributes', (id) => api().post(path(`/contacts/${id}/destroy_custom_attributes`), { custom_attributes: ['a'] })],
    ['GET /contacts/{id}/contactable_inboxes', (id) => api().get(path(`/contacts/${id}/contactable_inboxes`))],
    ['GET /contacts/{id}/conversations', (id) => api().get(path(`/contacts/${id}/conversations`))],
    ['POST /contacts/{id}/contact_inboxes', (id) => api().post(path(`/contacts/${id}/contact_inboxes`), { inbox_id: scene.inbox.id })],
    ['GET /contacts/{id}/labels', (id) => api().get(path(`/contacts/${id}/labels`))],
    ['POST /contacts/{id}/labels', (id) => api().post(path(`/contacts/${id}/labels`), { labels: ['a'] })],
  ];
  for (const [route, send] of routes) refuse(missingIdCases(route, send, () => foreign.contact.id));
});

describe('POST /contacts/{id}/contact_inboxes', () => {
  const add = (body: object) => api().post(contact('/contact_inboxes'), body);
  refuse([
    ['without inbox_id', () => add({}), 404, NOT_FOUND],
    ['a malformed inbox_id', () => add({ inbox_id: 'abc' }), 404, NOT_FOUND],
    ['an inbox_id beyond the integer column', () => add({ inbox_id: '2147483648' }), 404, NOT_FOUND],
    ['another account\'s inbox', () => add({ inbox_id: foreign.inbox.id }), 404, NOT_FOUND],
    ['source_id of 20 001 characters', () => add({ inbox_id: scene.inbox.id, source_id: OVERSIZE.text }), 422, invalidRecord(tooLong('Source id', 20_000), 'source_id')],
    ['an object for source_id', () => add({ inbox_id: scene.inbox.id, source_id: { a: 1 } }), 422, invalidRecord('Source id is invalid', 'source_id')],
    ['G-35 a source_id another contact holds', () => add({ inbox_id: scene.inbox.id, source_id: other.sourceId }), 422, { error: 'source_id should be unique' }],
  ]);
});

describe('POST /contact_inboxes/filter', () => {
  const filter = (body: object) => api().post(path('/contact_inboxes/filter'), body);
  refuse([
    ['without inbox_id', () => filter({ source_id: scene.sourceId }), 404, NOT_FOUND],
    ['a malformed inbox_id', () => filter({ inbox_id: 'abc', source_id: scene.sourceId }), 404, NOT_FOUND],
    ['another account\'s inbox', () => filter({ inbox_id: foreign.inbox.id, source_id: foreign.contactInbox.sourceId }), 404, NOT_FOUND],
    ['G-28 an unknown source_id → 404 with an empty body', () => filter({ inbox_id: scene.inbox.id, source_id: 'nobody' }), 404, undefined],
    ['a source_id with a NUL character → 404 with an empty body', () => filter({ inbox_id: scene.inbox.id, source_id: 'a\u0000' }), 404, undefined],
    ['an object for source_id → 404 with an empty body', () => filter({ inbox_id: scene.inbox.id, source_id: { a: 1 } }), 404, undefined],
  ]);
});

describe('labels and custom attribute keys', () => {
  refuse([
    ['POST /contacts/{id}/labels with a label of 256 characters', () => api().post(contact('/labels'), { labels: ['ok', OVERSIZE.string] }), 422, invalidRecord(tooLong('Labels', 255), 'labels')],
    ['POST /contacts/{id}/destroy_custom_attributes with a key of 256 characters', () => api().post(contact('/destroy_custom_attributes'), { custom_attributes: [OVERSIZE.string] }), 422, invalidRecord(tooLong('Custom attributes', 255), 'custom_attributes')],
    ['POST /contacts/{id}/labels with a NUL character', () => api().post(contact('/labels'), { labels: ['a\u0000'] }), 422, invalidRecord('Labels is invalid', 'labels')],
    ['POST /contacts/{id}/labels with malformed JSON', () => api().post(contact('/labels'), undefined, MALFORMED_JSON), 400, INVALID_JSON],
  ]);
});

describe('lists read wrong-typed params leniently', () => {
  it('GET /contacts with a malformed page and sort answers page 1', async () => {
    const reply = await api().get(path('/contacts?page=abc&sort[a]=1&include_contact_inboxes=maybe'));
    expect(reply.status).toBe(200);
    expect(reply.body.meta.current_page).toBe(1);
  });

  it('GET /contacts/search with a hash for q answers the blank-q body', async () => {
    const reply = await api().get(path('/contacts/search?q[a]=1'));
    expect(reply).toMatchObject({ status: 200, body: { meta: { count: null, current_page: 1 }, payload: [] } });
  });

  it('GET /contacts with a label of 256 characters → 422', async () => {
    const reply = await api().get(path(`/contacts?labels[]=${OVERSIZE.string}`));
    expect(reply).toMatchObject({ status: 422, body: invalidRecord(tooLong('Labels', 255), 'labels') });
  });
});

describe('the limits are inclusive', () => {
  it('accepts 255 characters for name and identifier, 2 048 for avatar_url and 20 000 for source_id', async () => {
    const reply = await api().post(path('/contacts'), {
      name: 'n'.repeat(255),
      identifier: `${process.pid}-${'i'.repeat(240)}`.slice(0, 255),
      avatar_url: `https://example.com/${'a'.repeat(2028)}`,
      inbox_id: scene.inbox.id,
      source_id: 's'.repeat(20_000),
    });
    expect(reply.status, JSON.stringify(reply.body).slice(0, 200)).toBe(200);
    expect(reply.body.payload.contact.name).toHaveLength(255);
    expect(reply.body.payload.contact_inbox.source_id).toHaveLength(20_000);
  });
});
