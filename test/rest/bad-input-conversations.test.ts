/**
 * The bad-input sweep over conversations and their messages (spec/API.md
 * §1.4, §1.5, §3.5, §3.6; CONFORMANCE.md §H, §I): missing and wrong-typed
 * params, unknown and foreign ids, oversize strings and malformed JSON get the
 * documented status and body, never a 500, and write nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INVALID_JSON,
  MALFORMED_JSON,
  NOT_FOUND,
  OVERSIZE,
  failedValidation,
  invalidRecord,
  missingIdCases,
  sweep,
  tooLong,
  type RefusalCase,
} from '../support/bad-input.ts';
import type { Reply } from '../support/http.ts';
import { accountPath, adminApi, createAgent, createContactInInbox, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';

let server: TestServer;
let scene: Awaited<ReturnType<typeof seedConversation>>;
let foreign: Awaited<ReturnType<typeof seedForeignTenant>>;
/** A display id only the foreign account has. */
let foreignDisplayId: number;
let messageId: number;
let outsiderId: number;
/** A contact of the scene's inbox other than the conversation's. */
let otherContactId: number;
/** A conversation in an inbox that is not an API channel. */
let widgetConversationId: number;

beforeAll(async () => {
  server = await startServer();
  scene = await seedConversation(server);
  const message = await api().post(messages(), { content: 'hello' });
  expect(message.status).toBe(200);
  messageId = message.body.id;
  outsiderId = (await createAgent(server)).id;
  otherContactId = (await createContactInInbox(server, scene.inbox.id)).contactId;
  const widget = await seedConversation(server);
  await db().inbox.update({ where: { id: widget.inbox.id }, data: { channelType: 'Channel::WebWidget' } });
  widgetConversationId = widget.conversation.id;
  foreign = await seedForeignTenant(server);
  foreignDisplayId = 900_000 + foreign.account.id;
  await db().conversation.update({ where: { id: foreign.conversation.id }, data: { displayId: foreignDisplayId } });
});
afterAll(async () => {
  await server?.stop();
});

const db = () => server.app.database.prisma;
const api = () => adminApi(server);
const path = (p: string) => accountPath(server, p);
const conversation = (suffix = '') => path(`/conversations/${scene.conversation.id}${suffix}`);
const messages = (suffix = '') => conversation(`/messages${suffix}`);

const refuse = (cases: RefusalCase[]) => sweep(() => server, cases);

describe('POST /conversations', () => {
  const create = (body: object) => api().post(path('/conversations'), body);
  const pair = () => ({ inbox_id: scene.inbox.id, contact_id: scene.contactId });
  refuse([
    ['an unknown source_id', () => create({ source_id: 'nobody-has-this' }), 404, NOT_FOUND],
    ['another account\'s source_id (never revealed)', () => create({ source_id: foreign.contactInbox.sourceId }), 404, NOT_FOUND],
    ['an unknown inbox_id', () => create({ ...pair(), inbox_id: 99_999_999 }), 404, NOT_FOUND],
    ['a malformed inbox_id', () => create({ ...pair(), inbox_id: 'abc' }), 404, NOT_FOUND],
    ['an inbox_id beyond the integer column', () => create({ ...pair(), inbox_id: 2_147_483_648 }), 404, NOT_FOUND],
    ['another account\'s inbox', () => create({ ...pair(), inbox_id: foreign.inbox.id }), 404, NOT_FOUND],
    ['another account\'s contact', () => create({ ...pair(), contact_id: foreign.contact.id }), 404, NOT_FOUND],
    ['an unknown assignee_id', () => create({ source_id: scene.sourceId, assignee_id: 99_999_999 }), 404, NOT_FOUND],
    ['an unknown team_id', () => create({ source_id: scene.sourceId, team_id: 99_999_999 }), 404, NOT_FOUND],
    ['another account\'s team', () => create({ source_id: scene.sourceId, team_id: foreign.team.id }), 404, NOT_FOUND],
    ['H-11 a source_id another contact holds', () => create({ ...pair(), contact_id: otherContactId, source_id: scene.sourceId }), 422, { error: 'source_id should be unique' }],
    ['an unknown status', () => create({ source_id: scene.sourceId, status: 'closed' }), 422, failedValidation('Status is not included in the list')],
    ['a source_id with a NUL character', () => create({ source_id: 'a\u0000' }), 422, failedValidation('Source id is invalid')],
    ['source_id of 20 001 characters', () => create({ ...pair(), source_id: OVERSIZE.text }), 422, failedValidation(tooLong('Source id', 20_000))],
    ['a message of 150 001 characters (no conversation either)', () => create({ source_id: scene.sourceId, message: { content: OVERSIZE.messageContent } }), 422, failedValidation(tooLong('Content', 150_000))],
    ['a message whose content_attributes are invalid (no conversation either)', () => create({ source_id: scene.sourceId, message: { content_type: 'input_select', content_attributes: {} } }), 422, failedValidation('Content attributes items must not be empty')],
    ['malformed JSON', () => api().post(path('/conversations'), undefined, MALFORMED_JSON), 400, INVALID_JSON],
  ]);
});

describe('conversation routes with a display id that names no conversation of the account', () => {
  const routes: [string, (id: string | number) => Promise<Reply>][] = [
    ['GET /conversations/{id}', (id) => api().get(path(`/conversations/${id}`))],
    ['PATCH /conversations/{id}', (id) => api().patch(path(`/conversations/${id}`), { priority: 'high' })],
    ['POST /conversations/{id}/toggle_status', (id) => api().post(path(`/conversations/${id}/toggle_status`), { status: 'resolved' })],
    ['POST /conversations/{id}/toggle_priority', (id) => api().post(path(`/conversations/${id}/toggle_priority`), { priority: 'low' })],
    ['POST /conversations/{id}/toggle_typing_status', (id) => api().post(path(`/conversations/${id}/toggle_typing_status`), { typing_status: 'on' })],
    ['POST /conversations/{id}/update_last_seen', (id) => api().post(path(`/conversations/${id}/update_last_seen`))],
    ['POST /conversations/{id}/unread', (id) => api().post(path(`/conversations/${id}/unread`))],
    ['POST /conversations/{id}/custom_attributes', (id) => api().post(path(`/conversations/${id}/custom_attributes`), { custom_attributes: { a: 1 } })],
    ['POST /conversations/{id}/mute', (id) => api().post(path(`/conversations/${id}/mute`))],
    ['POST /conversations/{id}/unmute', (id) => api().post(path(`/conversations/${id}/unmute`))],
    ['POST /conversations/{id}/assignments', (id) => api().post(path(`/conversations/${id}/assignments`), { assignee_id: null })],
    ['GET /conversations/{id}/labels', (id) => api().get(path(`/conversations/${id}/labels`))],
    ['POST /conversations/{id}/labels', (id) => api().post(path(`/conversations/${id}/labels`), { labels: ['a'] })],
    ['GET /conversations/{id}/messages', (id) => api().get(path(`/conversations/${id}/messages`))],
    ['POST /conversations/{id}/messages', (id) => api().post(path(`/conversations/${id}/messages`), { content: 'hi' })],
    ['PATCH /conversations/{id}/messages/{message_id}', (id) => api().patch(path(`/conversations/${id}/messages/${messageId}`), { status: 'read' })],
    ['DELETE /conversations/{id}/messages/{message_id}', (id) => api().delete(path(`/conversations/${id}/messages/${messageId}`))],
  ];
  for (const [route, send] of routes) refuse(missingIdCases(route, send, () => foreignDisplayId));
});

describe('message routes with a message id that names no message of the conversation', () => {
  const routes: [string, (id: string | number) => Promise<Reply>][] = [
    ['PATCH /conversations/{id}/messages/{message_id}', (id) => api().patch(messages(`/${id}`), { status: 'read' })],
    ['DELETE /conversations/{id}/messages/{message_id}', (id) => api().delete(messages(`/${id}`))],
  ];
  for (const [route, send] of routes) refuse(missingIdCases(`${route} (message id)`, send, () => foreign.message.id));
});

describe('conversation changes', () => {
  refuse([
    ['PATCH with an unknown priority', () => api().patch(conversation(), { priority: 'critical' }), 422, invalidRecord('Priority is not included in the list', 'priority')],
    ['PATCH with malformed JSON', () => api().patch(conversation(), undefined, MALFORMED_JSON), 400, INVALID_JSON],
    ['toggle_status with an unknown status', () => api().post(conversation('/toggle_status'), { status: 'closed' }), 422, invalidRecord('Status is not included in the list', 'status')],
    ['toggle_status snoozed until an unreadable time', () => api().post(conversation('/toggle_status'), { status: 'snoozed', snoozed_until: 'someday' }), 422, invalidRecord('Snoozed until is invalid', 'snoozed_until')],
    ['toggle_priority with an unknown priority', () => api().post(conversation('/toggle_priority'), { priority: 'critical' }), 422, invalidRecord('Priority is not included in the list', 'priority')],
    ['toggle_typing_status without typing_status', () => api().post(conversation('/toggle_typing_status'), {}), 422, invalidRecord('Typing status is not included in the list', 'typing_status')],
    ['toggle_typing_status with an unknown typing_status', () => api().post(conversation('/toggle_typing_status'), { typing_status: 'maybe' }), 422, invalidRecord('Typing status is not included in the list', 'typing_status')],
    ['custom_attributes with a string', () => api().post(conversation('/custom_attributes'), { custom_attributes: 'plain' }), 422, invalidRecord('Custom attributes is invalid', 'custom_attributes')],
    ['custom_attributes with a NUL character in a key', () => api().post(conversation('/custom_attributes'), { custom_attributes: { 'k\u0000': 1 } }), 422, invalidRecord('Custom attributes is invalid', 'custom_attributes')],
    ['custom_attributes with an array', () => api().post(conversation('/custom_attributes'), { custom_attributes: ['a'] }), 422, invalidRecord('Custom attributes is invalid', 'custom_attributes')],
    ['labels with a NUL character', () => api().post(conversation('/labels'), { labels: ['a\u0000'] }), 422, invalidRecord('Labels is invalid', 'labels')],
    ['labels with a label of 256 characters', () => api().post(conversation('/labels'), { labels: ['ok', OVERSIZE.string] }), 422, invalidRecord(tooLong('Labels', 255), 'labels')],
    ['assignments with an unknown assignee_id', () => api().post(conversation('/assignments'), { assignee_id: 99_999_999 }), 404, NOT_FOUND],
    ['assignments with another account\'s user', () => api().post(conversation('/assignments'), { assignee_id: foreign.admin.id }), 404, NOT_FOUND],
    ['assignments with an agent who is not a member of the inbox', () => api().post(conversation('/assignments'), { assignee_id: outsiderId }), 422, invalidRecord('Assignee is not a member of the inbox', 'assignee_id')],
    ['assignments with a malformed assignee_id', () => api().post(conversation('/assignments'), { assignee_id: 'abc' }), 422, invalidRecord('Assignee id is invalid', 'assignee_id')],
    ['assignments with an unknown team_id', () => api().post(conversation('/assignments'), { team_id: 99_999_999 }), 404, NOT_FOUND],
    ['assignments with another account\'s agent bot', () => api().post(conversation('/assignments'), { assignee_id: foreign.bot.id, assignee_type: 'AgentBot' }), 404, NOT_FOUND],
  ]);
});

describe('POST /conversations/{id}/messages', () => {
  const post = (body: object) => api().post(messages(), body);
  refuse([
    ['I-2 content of 150 001 characters', () => post({ content: OVERSIZE.messageContent }), 422, failedValidation(tooLong('Content', 150_000))],
    ['a NUL character in content', () => post({ content: 'hi\u0000there' }), 422, failedValidation('Content is invalid')],
    ['a NUL character inside content_attributes', () => post({ content: 'hi', content_attributes: { note: { text: 'x\u0000' } } }), 422, failedValidation('Content attributes is invalid')],
    ['an object for content', () => post({ content: { text: 'hi' } }), 422, failedValidation('Content is invalid')],
    ['an unknown message_type', () => post({ content: 'hi', message_type: 'broadcast' }), 422, failedValidation('Message type is not included in the list')],
    ['an unknown content_type', () => post({ content: 'hi', content_type: 'video' }), 422, failedValidation('Content type is not included in the list')],
    ['content_attributes that are not a hash', () => post({ content: 'hi', content_attributes: 'plain' }), 422, failedValidation('Content attributes is invalid')],
    ['an input_select without items', () => post({ content_type: 'input_select', content_attributes: { items: [] } }), 422, failedValidation('Content attributes items must not be empty')],
    ['cards whose items lack actions', () => post({ content_type: 'cards', content_attributes: { items: [{ title: 'A' }] } }), 422, failedValidation('Content attributes every card item needs actions')],
    ['echo_id of 256 characters', () => post({ content: 'hi', echo_id: OVERSIZE.string }), 422, failedValidation(tooLong('Echo id', 255))],
    ['an unknown agent bot as sender', () => post({ content: 'hi', sender_type: 'AgentBot', sender_id: 99_999_999 }), 404, NOT_FOUND],
    ['another account\'s agent bot as sender', () => post({ content: 'hi', sender_type: 'AgentBot', sender_id: foreign.bot.id }), 404, NOT_FOUND],
    ['an incoming message outside an API inbox', () => api().post(path(`/conversations/${widgetConversationId}/messages`), { content: 'hi', message_type: 'incoming' }), 422, { error: 'Incoming messages are only allowed in Api inboxes' }],
    ['malformed JSON', () => api().post(messages(), undefined, MALFORMED_JSON), 400, INVALID_JSON],
  ]);
});

describe('PATCH /conversations/{id}/messages/{message_id}', () => {
  refuse([
    ['external_error of 20 001 characters', () => api().patch(messages(`/${messageId}`), { status: 'failed', external_error: OVERSIZE.text }), 422, invalidRecord(tooLong('External error', 20_000), 'external_error')],
    ['an object for external_error', () => api().patch(messages(`/${messageId}`), { status: 'failed', external_error: { code: 1 } }), 422, invalidRecord('External error is invalid', 'external_error')],
    ['malformed JSON', () => api().patch(messages(`/${messageId}`), undefined, MALFORMED_JSON), 400, INVALID_JSON],
  ]);
});

describe('lists read wrong-typed params leniently', () => {
  it('GET /conversations with a malformed or out-of-range inbox_id and team_id lists nothing', async () => {
    for (const query of ['inbox_id=abc', 'inbox_id=2147483648', 'team_id=1.5']) {
      const reply = await api().get(path(`/conversations?${query}`));
      expect(reply.status, query).toBe(200);
      expect(reply.body.data.payload, query).toEqual([]);
    }
  });

  it('GET /conversations/{id}/messages with malformed or out-of-range before/after answers the latest messages', async () => {
    for (const query of ['before=abc', 'after=1.5', 'before=2147483648', 'after[a]=1']) {
      const reply = await api().get(messages(`?${query}`));
      expect(reply.status, query).toBe(200);
      expect(reply.body.payload.map((m: { id: number }) => m.id), query).toContain(messageId);
    }
  });
});
