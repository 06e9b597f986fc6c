/**
 * Hostile input the REST fuzz suite (test/fuzz/rest.test.ts) found answered
 * with a 500 or an undocumented body, one focused case each (issue 16):
 *
 * - a JSON object with its own `toString` key (`{"toString": "x"}`) where a
 *   string or boolean is read: `String()` on it throws (filters, the Client
 *   API's identity proof, every boolean and list parameter);
 * - a path that is not valid UTF-8 once decoded (`%C0%80`), a path parameter
 *   longer than the router's limit, a request line larger than Node's header
 *   limit: Fastify's own error bodies, not Chatwoot's (spec/API.md §1.4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_FOUND, expectRefused } from '../support/bad-input.ts';
import { clientInbox, clientPaths, publicApi, type ClientInbox } from '../support/client-api.ts';
import { request } from '../support/http.ts';
import { accountPath, adminApi, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let inbox: ClientInbox;
let seeded: Awaited<ReturnType<typeof seedConversation>>;

beforeAll(async () => {
  server = await startServer();
  seeded = await seedConversation(server);
  inbox = await clientInbox(server, { mandatory: true });
});
afterAll(async () => {
  await server?.stop();
});

const api = () => adminApi(server);
const path = (p: string) => accountPath(server, p);
/** An object whose own keys shadow Object.prototype's conversions. */
const SHADOWING = { toString: 'x', valueOf: 1 };

describe('objects with their own toString key', () => {
  for (const resource of ['contacts', 'conversations'])
    it(`POST /${resource}/filter with such an attribute_key → 422, no 500`, () =>
      expectRefused(
        server,
        () => api().post(path(`/${resource}/filter`), { payload: [{ attribute_key: SHADOWING, filter_operator: 'equal_to', values: ['a'] }] }),
        422,
        { error: expect.stringMatching(/^Invalid attribute key - \[\{"toString":"x","valueOf":1\}\]/) },
      ));

  it('Client API contact create with such an identifier_hash → 401 invalid hash, no 500', () =>
    expectRefused(
      server,
      () => publicApi(server).post(clientPaths(inbox.identifier).contacts, { identifier: 'user-1', identifier_hash: SHADOWING }),
      401,
      { error: 'HMAC failed: Invalid Identifier Hash Provided' },
    ));

  // Read through src/rest/params.ts `boolean()`: Rails casts any hash to true.
  it('POST /api/v1/profile/auto_offline with such a value → 200 (a hash casts to true), no 500', async () => {
    const reply = await api().post('/api/v1/profile/auto_offline', { profile: { account_id: server.accountId, auto_offline: SHADOWING } });
    expect(reply.status, reply.text).toBe(200);
  });

  it('PATCH /inboxes/{id} with such a greeting_enabled → 200, no 500', async () => {
    const reply = await api().patch(path(`/inboxes/${seeded.inbox.id}`), { greeting_enabled: SHADOWING });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.greeting_enabled).toBe(true);
  });

  it('PATCH /contacts/{id} with such a blocked → 200, no 500', async () => {
    const reply = await api().patch(path(`/contacts/${seeded.contactId}`), { blocked: SHADOWING });
    expect(reply.status, reply.text).toBe(200);
  });

  // Read through src/rest/params.ts `stringList()`.
  it('POST /conversations/{id}/labels with such a label → a documented answer, no 500', async () => {
    const reply = await api().post(path(`/conversations/${seeded.conversation.id}/labels`), { labels: [SHADOWING] });
    expect(reply.status, reply.text).toBeLessThan(500);
  });
});

describe('framework refusals in Chatwoot\'s bodies', () => {
  it('a path id that decodes to invalid UTF-8 (%C0%80) → 400 {"error"}', async () => {
    const reply = await api().get(path('/contacts/%C0%80'));
    expect(reply.status, reply.text).toBe(400);
    expect(Object.keys(reply.body)).toEqual(['error']);
    expect(reply.body.error).toEqual(expect.any(String));
  });

  it('a path id longer than the router allows names no record → 404', () =>
    expectRefused(server, () => api().get(path(`/contacts/${'9'.repeat(5000)}`)), 404, NOT_FOUND));

  it('a request line beyond the header limit → 431 {"error"}', async () => {
    const reply = await request(server.url, 'GET', `${path('/contacts')}?q=${'a'.repeat(20_000)}`, { token: server.adminToken });
    expect(reply.status).toBe(431);
    expect(Object.keys(reply.body)).toEqual(['error']);
  });
});

describe('searches by text no row can hold', () => {
  // Found by `npm run fuzz`: the conversation search alone sent its q to PostgreSQL unchecked.
  for (const q of ['%00', 'a%00b'])
    it(`GET /conversations/search?q=${q} → 422 naming q, as the other searches answer`, () =>
      expectRefused(server, () => api().get(path(`/conversations/search?q=${q}`)), 422, { message: 'Q is invalid', attributes: ['q'] }),
    );

  it('the other searches answer the same (the contact search names its query)', async () => {
    const answer = (search: string) => api().get(path(search)).then((reply) => ({ status: reply.status, body: reply.body }));
    expect(await answer('/conversations?q=%00')).toEqual({ status: 422, body: { message: 'Q is invalid', attributes: ['q'] } });
    expect(await answer('/contacts/search?q=%00')).toEqual({ status: 422, body: { message: 'Query is invalid', attributes: ['query'] } });
  });
});
