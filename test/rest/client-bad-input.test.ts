/**
 * The bad-input sweep over the Client API (spec/API.md §1.4, §1.5, §5.2):
 * unknown or malformed inbox, contact, conversation and message identifiers
 * get the Client API's 404 `{"status":404,"error":"Not Found"}`; malformed
 * and oversize attributes the record envelope; NUL characters a 422 or a
 * 404, never a 500; malformed JSON the App API's 400. Nothing is ever
 * half-written (test/support/bad-input.ts compares every table's fingerprint).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INVALID_JSON,
  MALFORMED_JSON,
  MISSING_IDS,
  OVERSIZE,
  invalidRecord,
  sweep,
  tooLong,
  type RefusalCase,
} from '../support/bad-input.ts';
import {
  CLIENT_NOT_FOUND,
  agentMessage,
  clientInbox,
  clientPaths,
  clientRowCounts,
  openSession,
  publicApi,
  sessionPaths,
  startConversation,
  type ClientInbox,
  type ClientSession,
} from '../support/client-api.ts';
import { request, type Reply } from '../support/http.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let inbox: ClientInbox;
let session: ClientSession;
let displayId: number;
let messageId: number;
beforeAll(async () => {
  server = await startServer();
  inbox = await clientInbox(server);
  session = await openSession(server, inbox, { name: 'Valid Contact' });
  displayId = await startConversation(server, session);
  messageId = await agentMessage(server, displayId, {
    content: 'Pick',
    content_type: 'input_select',
    content_attributes: { items: [{ title: 'A', value: 'a' }] },
  });
});
afterAll(async () => {
  await server?.stop();
});

const api = () => publicApi(server);
const refuse = (cases: RefusalCase[]) => sweep(() => server, cases);
const NOT_FOUND = CLIENT_NOT_FOUND;

/** Every Client API route, with the inbox identifier, contact identifier, conversation id and message id to put in its path. */
type Ids = { inbox: string; contact: string; conversation: string | number; message: string | number };
const ROUTES: [string, (ids: Ids) => Promise<Reply>][] = [
  ['GET inbox', (ids) => api().get(clientPaths(ids.inbox).inbox)],
  ['POST contacts', (ids) => api().post(clientPaths(ids.inbox).contacts, { name: 'Nobody' })],
  ['GET contact', (ids) => api().get(clientPaths(ids.inbox).contact(ids.contact))],
  ['PATCH contact', (ids) => api().patch(clientPaths(ids.inbox).contact(ids.contact), { name: 'Nobody' })],
  ['GET conversations', (ids) => api().get(clientPaths(ids.inbox).conversations(ids.contact))],
  ['POST conversations', (ids) => api().post(clientPaths(ids.inbox).conversations(ids.contact), {})],
  ['GET conversation', (ids) => api().get(clientPaths(ids.inbox).conversation(ids.contact, ids.conversation))],
  ['POST toggle_status', (ids) => api().post(clientPaths(ids.inbox).conversation(ids.contact, ids.conversation, '/toggle_status'))],
  ['POST toggle_typing', (ids) => api().post(clientPaths(ids.inbox).conversation(ids.contact, ids.conversation, '/toggle_typing'), { typing_status: 'on' })],
  ['POST update_last_seen', (ids) => api().post(clientPaths(ids.inbox).conversation(ids.contact, ids.conversation, '/update_last_seen'))],
  ['GET messages', (ids) => api().get(clientPaths(ids.inbox).messages(ids.contact, ids.conversation))],
  ['POST messages', (ids) => api().post(clientPaths(ids.inbox).messages(ids.contact, ids.conversation), { content: 'x' })],
  ['PATCH message', (ids) => api().patch(clientPaths(ids.inbox).messages(ids.contact, ids.conversation, `/${ids.message}`), { submitted_values: [{ title: 'x' }] })],
];
const valid = (): Ids => ({ inbox: inbox.identifier, contact: session.source_id, conversation: displayId, message: messageId });
/** The routes whose path holds each identifier. */
const routesWith = (segment: 'contact' | 'conversation' | 'message') =>
  ROUTES.filter(([title]) => ({ contact: !/inbox|POST contacts/.test(title), conversation: /conversation |toggle|last_seen|messages|message/.test(title), message: title === 'PATCH message' })[segment]);

describe('the valid identifiers work on every route (the sweep below changes one at a time)', () => {
  it('13 routes answer 200', async () => {
    for (const [title, send] of ROUTES) expect((await send(valid())).status, title).toBe(200);
  });
});

describe('an inbox identifier that names no API inbox → 404 on every route', () => {
  for (const identifier of ['unknown-inbox', 'a'.repeat(300), '%00', 'x%00y', '1'])
    refuse(ROUTES.map(([title, send]): RefusalCase => [`${title} with inbox ${identifier.slice(0, 12)}`, () => send({ ...valid(), inbox: decodeURIComponent(identifier) }), 404, NOT_FOUND]));
});

describe('a contact identifier that names no session of the inbox → 404', () => {
  for (const sourceId of ['unknown-source', 'a'.repeat(300), 'x\u0000y', ' '])
    refuse(routesWith('contact').map(([title, send]): RefusalCase => [`${title} with contact ${JSON.stringify(sourceId.slice(0, 12))}`, () => send({ ...valid(), contact: sourceId }), 404, NOT_FOUND]));
});

describe('a conversation id that names no conversation of the session → 404', () => {
  for (const id of [...MISSING_IDS, '0', '-1', '%00'])
    refuse(routesWith('conversation').map(([title, send]): RefusalCase => [`${title} with conversation ${id}`, () => send({ ...valid(), conversation: id }), 404, NOT_FOUND]));
});

describe('a message id that names no message of the conversation → 404', () => {
  refuse(MISSING_IDS.map((id): RefusalCase => [`PATCH message with message ${id}`, () => ROUTES.at(-1)![1]({ ...valid(), message: id }), 404, NOT_FOUND]));
});

/** Malformed, oversize, wrong-typed and unstorable contact attributes, shared by create and update. */
const attributeCases = (send: (body: object) => Promise<Reply>): RefusalCase[] => [
  ['a malformed email', () => send({ email: 'not-an-email' }), 422, invalidRecord('Email is invalid', 'email')],
  ['a phone number without +', () => send({ phone_number: '5550001111' }), 422, invalidRecord('Phone number is invalid', 'phone_number')],
  ['a phone number with letters', () => send({ phone_number: '+1555abc' }), 422, invalidRecord('Phone number is invalid', 'phone_number')],
  ['name of 256 characters', () => send({ name: OVERSIZE.string }), 422, invalidRecord(tooLong('Name', 255), 'name')],
  ['email of 256 characters', () => send({ email: `${'a'.repeat(244)}@example.com` }), 422, invalidRecord(tooLong('Email', 255), 'email')],
  ['avatar_url of 2 050 characters', () => send({ avatar_url: OVERSIZE.url }), 422, invalidRecord(tooLong('Avatar url', 2048), 'avatar_url')],
  ['an object for name', () => send({ name: { first: 'Jane' } }), 422, invalidRecord('Name is invalid', 'name')],
  ['an array for email', () => send({ email: ['a@example.com'] }), 422, invalidRecord('Email is invalid', 'email')],
  ['a NUL character in name', () => send({ name: 'Ja\u0000ne' }), 422, invalidRecord('Name is invalid', 'name')],
  ['a NUL character in email', () => send({ email: 'a\u0000@example.com' }), 422, invalidRecord('Email is invalid', 'email')],
  ['a NUL character inside custom_attributes', () => send({ custom_attributes: { plan: 'pro\u0000' } }), 422, invalidRecord('Custom attributes is invalid', 'custom_attributes')],
  ['two problems at once', () => send({ name: OVERSIZE.string, email: 'nope' }), 422, invalidRecord(`${tooLong('Name', 255)}, Email is invalid`, 'name', 'email')],
];

describe('POST …/contacts', () => {
  const create = (body: object) => api().post(clientPaths(inbox.identifier).contacts, body);
  refuse([
    ...attributeCases(create),
    ['identifier of 256 characters', () => create({ identifier: OVERSIZE.string }), 422, invalidRecord(tooLong('Identifier', 255), 'identifier')],
    ['source_id of 20 001 characters', () => create({ source_id: OVERSIZE.text }), 422, invalidRecord(tooLong('Source id', 20_000), 'source_id')],
    ['a NUL character in source_id', () => create({ source_id: 'a\u0000b' }), 422, invalidRecord('Source id is invalid', 'source_id')],
    ['an object for source_id', () => create({ source_id: { a: 1 } }), 422, invalidRecord('Source id is invalid', 'source_id')],
    ['a malformed email, even with an existing source_id', () => create({ source_id: session.source_id, email: 'bad' }), 422, invalidRecord('Email is invalid', 'email')],
    ['malformed JSON', () => api().post(clientPaths(inbox.identifier).contacts, undefined, MALFORMED_JSON), 400, INVALID_JSON],
  ]);
});

describe('PATCH …/contacts/{contact_identifier}', () => {
  const update = (body: object) => api().patch(sessionPaths(session).contact, body);
  refuse([
    ...attributeCases(update),
    ['malformed JSON', () => api().patch(sessionPaths(session).contact, undefined, MALFORMED_JSON), 400, INVALID_JSON],
  ]);
});

describe('conversations and messages', () => {
  const paths = () => sessionPaths(session);
  refuse([
    ['POST conversations with malformed JSON', () => api().post(paths().conversations, undefined, MALFORMED_JSON), 400, INVALID_JSON],
    ['POST conversations with a NUL character in custom_attributes', () => api().post(paths().conversations, { custom_attributes: { a: 'b\u0000' } }), 422, invalidRecord('Custom attributes is invalid', 'custom_attributes')],
    ['POST messages with 150 001 characters', () => api().post(paths().messages(displayId), { content: OVERSIZE.messageContent }), 422, invalidRecord(tooLong('Content', 150_000), 'content')],
    ['POST messages with a NUL character', () => api().post(paths().messages(displayId), { content: 'a\u0000b' }), 422, invalidRecord('Content is invalid', 'content')],
    ['POST messages with an object for content', () => api().post(paths().messages(displayId), { content: { a: 1 } }), 422, invalidRecord('Content is invalid', 'content')],
    ['POST messages with malformed JSON', () => api().post(paths().messages(displayId), undefined, MALFORMED_JSON), 400, INVALID_JSON],
    ['PATCH message with malformed JSON', () => api().patch(paths().messages(displayId, `/${messageId}`), undefined, MALFORMED_JSON), 400, INVALID_JSON],
    ['PATCH message without submitted_values', () => api().patch(paths().messages(displayId, `/${messageId}`), {}), 422, invalidRecord('Submitted values is invalid', 'submitted_values')],
    ['PATCH message with a string for submitted_values', () => api().patch(paths().messages(displayId, `/${messageId}`), { submitted_values: 'yes' }), 422, invalidRecord('Submitted values is invalid', 'submitted_values')],
    ['PATCH message with a NUL character in a value', () => api().patch(paths().messages(displayId, `/${messageId}`), { submitted_values: [{ value: 'a\u0000' }] }), 422, invalidRecord('Submitted values is invalid', 'submitted_values')],
    ['PATCH message with 101 values', () => api().patch(paths().messages(displayId, `/${messageId}`), { submitted_values: Array.from({ length: 101 }, () => ({ title: 'x' })) }), 422, invalidRecord('Submitted values is invalid', 'submitted_values')],
  ]);
});

describe('nothing half-written', () => {
  it('a burst of refused requests leaves contacts, sessions, conversations and messages as they were', async () => {
    const before = await clientRowCounts(server);
    const refused = await Promise.all([
      api().post(clientPaths(inbox.identifier).contacts, { name: 'Half', email: 'bad' }),
      api().post(clientPaths(inbox.identifier).contacts, { name: OVERSIZE.string, identifier: 'half-written' }),
      api().post(clientPaths('nope').contacts, { name: 'Half' }),
      api().post(sessionPaths(session).messages(displayId), { content: OVERSIZE.messageContent }),
      api().post(sessionPaths(session).messages(99_999), { content: 'x' }),
      api().post(clientPaths(inbox.identifier).conversations('nobody'), {}),
    ]);
    expect(refused.map((reply) => reply.status)).toEqual([422, 422, 404, 422, 404, 404]);
    expect(await clientRowCounts(server)).toEqual(before);
  });

  it('an unknown route under the Client API is a 404, and a form body works like JSON', async () => {
    const unknown = await api().get(`${clientPaths(inbox.identifier).inbox}/nothing-here`);
    expect(unknown.status).toBe(404);
    const form = await request(server.url, 'POST', clientPaths(inbox.identifier).contacts, {
      raw: { contentType: 'application/x-www-form-urlencoded', data: 'contact[name]=Form+Contact' },
    });
    expect(form.status).toBe(200);
    expect(form.body.name).toBe('Form Contact');
  });
});

describe('routing conventions (spec/API.md §1.1, §1.8)', () => {
  it('the .json suffix is accepted on the Client API too, also after a contact identifier', async () => {
    const shown = await api().get(`${clientPaths(inbox.identifier).inbox}.json`);
    expect(shown.status).toBe(200);
    expect(shown.body.identifier).toBe(inbox.identifier);
    const contact = await api().get(`${sessionPaths(session).contact}.json`);
    expect(contact.status).toBe(200);
    expect(contact.body.source_id).toBe(session.source_id);
    const messages = await api().get(`${sessionPaths(session).messages(displayId)}.json`);
    expect(messages.status).toBe(200);
  });
});
