/**
 * The Client API's inbox and contact endpoints (spec/API.md §5.1, §5.2, §6;
 * CONFORMANCE.md B1-1, B2-1 … B2-5): opening a session (re-use of a
 * `source_id`, of a contact by identifier, email, phone), showing and
 * updating the contact, and the HMAC identity check, against the real server.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_MESSAGES } from '../../src/domain/client/identity.ts';
import { expectRefused } from '../support/bad-input.ts';
import { request } from '../support/http.ts';
import {
  clientInbox,
  clientPaths,
  eventsSince,
  hmac,
  lastEventId,
  openSession,
  publicApi,
  sessionPaths,
  type ClientInbox,
} from '../support/client-api.ts';
import { accountPath, adminApi } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let inbox: ClientInbox;
beforeAll(async () => {
  server = await startServer();
  inbox = await clientInbox(server);
});
afterAll(async () => {
  await server?.stop();
});

const db = () => server.app.database.prisma;
const api = () => publicApi(server);
/** PUT with a JSON body, without a token. */
const put = (path: string, body: unknown) => request(server.url, 'PUT', path, { body });
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const uniquePhone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

const PUBLIC_CONTACT_KEYS = ['email', 'id', 'name', 'phone_number', 'pubsub_token', 'source_id'];
const CONTACT_ROW_KEYS = [
  'account_id',
  'additional_attributes',
  'blocked',
  'company_id',
  'contact_type',
  'country_code',
  'created_at',
  'custom_attributes',
  'email',
  'id',
  'identifier',
  'last_activity_at',
  'last_name',
  'location',
  'middle_name',
  'name',
  'phone_number',
  'updated_at',
];
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const BASE58_24 = /^[1-9A-HJ-NP-Za-km-z]{24}$/;
const VISITOR_NAME = /^[a-z]+-[a-z]+-\d{3}$/;

const sessionRow = (sourceId: string, inboxId = inbox.id) =>
  db().contactInbox.findUniqueOrThrow({ where: { inboxId_sourceId: { inboxId, sourceId } } });
const contactsCreated = (events: { name: string }[]) => events.filter((event) => event.name === 'contact.created').length;

describe('GET /public/api/v1/inboxes/{inbox_identifier}', () => {
  it('B1-1 shows the public inbox: its identifier and settings, never its HMAC key', async () => {
    const reply = await api().get(clientPaths(inbox.identifier).inbox);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual([
      'csat_survey_enabled',
      'greeting_enabled',
      'identifier',
      'identity_validation_enabled',
      'name',
      'timezone',
      'working_hours',
      'working_hours_enabled',
    ]);
    expect(reply.body.identifier).toBe(inbox.identifier);
    expect(reply.body.identity_validation_enabled).toBe(false);
    expect(reply.text).not.toContain(inbox.hmacToken);
  });

  it('identity_validation_enabled is the inbox hmac_mandatory', async () => {
    const mandatory = await clientInbox(server, { mandatory: true });
    const reply = await api().get(clientPaths(mandatory.identifier).inbox);
    expect(reply.status).toBe(200);
    expect(reply.body.identity_validation_enabled).toBe(true);
  });
});

describe('POST …/contacts', () => {
  it('B2-1 an empty body opens a session for a new, named contact with a UUID source_id and a base58 pubsub_token', async () => {
    const since = await lastEventId(server);
    const reply = await api().post(clientPaths(inbox.identifier).contacts, {});
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(PUBLIC_CONTACT_KEYS);
    expect(reply.body.source_id).toMatch(UUID_V4);
    expect(reply.body.pubsub_token).toMatch(BASE58_24);
    expect(reply.body.name).toMatch(VISITOR_NAME);
    expect(reply.body).toMatchObject({ email: null, phone_number: null });
    const session = await sessionRow(reply.body.source_id);
    expect(session).toMatchObject({ contactId: reply.body.id, pubsubToken: reply.body.pubsub_token, hmacVerified: false });
    const events = await eventsSince(server, since);
    expect(events.filter((e) => e.name === 'contact.created')).toEqual([
      { name: 'contact.created', data: expect.objectContaining({ contactId: reply.body.id }) },
    ]);
  });

  it('without a body too; every session gets its own source_id and pubsub_token', async () => {
    const first = await api().post(clientPaths(inbox.identifier).contacts);
    const second = await api().post(clientPaths(inbox.identifier).contacts);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.body.source_id).not.toBe(second.body.source_id);
    expect(first.body.pubsub_token).not.toBe(second.body.pubsub_token);
    expect(first.body.id).not.toBe(second.body.id);
  });

  it('B2-2 keeps the given attributes, identifier and source_id', async () => {
    const identifier = unique('crm');
    const sourceId = unique('user');
    const phone = uniquePhone();
    const session = await openSession(server, inbox, {
      source_id: sourceId,
      identifier,
      name: 'Jane Client',
      email: `${identifier}@example.com`,
      phone_number: phone,
      custom_attributes: { plan: 'pro' },
    });
    expect(session).toMatchObject({ source_id: sourceId, name: 'Jane Client', email: `${identifier}@example.com`, phone_number: phone });
    const contact = await db().contact.findUniqueOrThrow({ where: { id: session.id } });
    expect(contact).toMatchObject({ accountId: server.accountId, identifier, customAttributes: { plan: 'pro' } });
  });

  it('accepts the attributes wrapped in `contact` as well', async () => {
    const session = await openSession(server, inbox, { contact: { name: 'Wrapped Name' } });
    expect(session.name).toBe('Wrapped Name');
  });

  it('an existing source_id returns that session unchanged and creates nothing', async () => {
    const session = await openSession(server, inbox, { name: 'Original' });
    const since = await lastEventId(server);
    const contacts = await db().contact.count();
    const again = await api().post(clientPaths(inbox.identifier).contacts, {
      source_id: session.source_id,
      name: 'Changed',
      email: `${unique('changed')}@example.com`,
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      source_id: session.source_id,
      pubsub_token: session.pubsub_token,
      id: session.id,
      name: 'Original',
      email: null,
      phone_number: null,
    });
    expect(await db().contact.count()).toBe(contacts);
    expect(await eventsSince(server, since)).toEqual([]);
  });

  it('re-uses the contact with the identifier (new session, no contact.created)', async () => {
    const identifier = unique('crm');
    const first = await openSession(server, inbox, { identifier, name: 'By identifier' });
    const since = await lastEventId(server);
    const second = await openSession(server, inbox, { identifier, name: 'Ignored', email: `${unique('x')}@example.com` });
    expect(second.id).toBe(first.id);
    expect(second.source_id).not.toBe(first.source_id);
    expect(second.pubsub_token).not.toBe(first.pubsub_token);
    expect(second.name).toBe('By identifier');
    expect(contactsCreated(await eventsSince(server, since))).toBe(0);
  });

  it('re-uses the contact with the email, case-insensitively (stored lower-case)', async () => {
    const local = unique('Mixed');
    const first = await openSession(server, inbox, { email: `${local}@Example.COM` });
    expect(first.email).toBe(`${local.toLowerCase()}@example.com`);
    const since = await lastEventId(server);
    const second = await openSession(server, inbox, { email: `${local.toUpperCase()}@EXAMPLE.com` });
    expect(second.id).toBe(first.id);
    expect(contactsCreated(await eventsSince(server, since))).toBe(0);
  });

  it('re-uses the contact with the phone number', async () => {
    const phone = uniquePhone();
    const first = await openSession(server, inbox, { phone_number: phone });
    const second = await openSession(server, inbox, { phone_number: phone });
    expect(second.id).toBe(first.id);
    expect(second.source_id).not.toBe(first.source_id);
  });

  it('looks up by identifier first, then email, then phone number', async () => {
    const byIdentifier = await openSession(server, inbox, { identifier: unique('crm') });
    const byEmail = await openSession(server, inbox, { email: `${unique('e')}@example.com` });
    const byPhone = await openSession(server, inbox, { phone_number: uniquePhone() });
    const identifierWins = await openSession(server, inbox, {
      identifier: (await db().contact.findUniqueOrThrow({ where: { id: byIdentifier.id } })).identifier,
      email: byEmail.email,
      phone_number: byPhone.phone_number,
    });
    expect(identifierWins.id).toBe(byIdentifier.id);
    const emailWins = await openSession(server, inbox, { email: byEmail.email, phone_number: byPhone.phone_number });
    expect(emailWins.id).toBe(byEmail.id);
  });

  it('re-uses a contact of the account across inboxes (a second session in another inbox)', async () => {
    const other = await clientInbox(server);
    const identifier = unique('crm');
    const first = await openSession(server, inbox, { identifier });
    const second = await openSession(server, other, { identifier });
    expect(second.id).toBe(first.id);
    expect((await sessionRow(second.source_id, other.id)).contactId).toBe(first.id);
  });

  it('the same source_id in two inboxes is two sessions', async () => {
    const other = await clientInbox(server);
    const sourceId = unique('shared');
    const first = await openSession(server, inbox, { source_id: sourceId });
    const second = await openSession(server, other, { source_id: sourceId });
    expect(second.id).not.toBe(first.id);
    expect(second.pubsub_token).not.toBe(first.pubsub_token);
  });
});

describe('GET …/contacts/{contact_identifier}', () => {
  it('B2-3 shows the session: the same key set, source_id and pubsub_token as stored', async () => {
    const session = await openSession(server, inbox, { name: 'Shown', email: `${unique('shown')}@example.com` });
    const reply = await api().get(sessionPaths(session).contact);
    expect(reply.status).toBe(200);
    const stored = await sessionRow(session.source_id);
    expect(reply.body).toEqual({
      source_id: stored.sourceId,
      pubsub_token: stored.pubsubToken,
      id: session.id,
      name: 'Shown',
      email: session.email,
      phone_number: null,
    });
  });
});

describe('PATCH and PUT …/contacts/{contact_identifier}', () => {
  it('B2-4 PATCH updates the name and answers the raw contact row with the session\'s source_id and pubsub_token', async () => {
    const session = await openSession(server, inbox, {});
    const reply = await api().patch(sessionPaths(session).contact, { name: 'New Name' });
    expect(reply.status).toBe(200);
    expect(reply.body.name).toBe('New Name');
    // Chatwoot's row (B2-5), plus the two keys issue 5 asks of every answer that identifies the contact.
    expect(Object.keys(reply.body).sort()).toEqual([...CONTACT_ROW_KEYS, 'pubsub_token', 'source_id'].sort());
    expect(reply.body).toMatchObject({ source_id: session.source_id, pubsub_token: session.pubsub_token });
    expect(reply.body).toMatchObject({ id: session.id, account_id: server.accountId, contact_type: 'visitor', company_id: null });
    expect(reply.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect((await db().contact.findUniqueOrThrow({ where: { id: session.id } })).name).toBe('New Name');
  });

  it('PUT updates too; custom attributes are deep-merged and blank values ignored', async () => {
    const session = await openSession(server, inbox, { name: 'Kept', custom_attributes: { plan: 'pro', address: { city: 'Berlin' } } });
    const reply = await put(sessionPaths(session).contact, { name: '', custom_attributes: { address: { zip: '10115' } } });
    expect(reply.status).toBe(200);
    expect(reply.body.name).toBe('Kept');
    expect(reply.body.custom_attributes).toEqual({ plan: 'pro', address: { city: 'Berlin', zip: '10115' } });
  });

  it('never changes the identifier', async () => {
    const identifier = unique('crm');
    const session = await openSession(server, inbox, { identifier });
    const reply = await api().patch(sessionPaths(session).contact, { identifier: unique('other'), name: 'Renamed' });
    expect(reply.status).toBe(200);
    expect(reply.body.identifier).toBe(identifier);
    expect((await db().contact.findUniqueOrThrow({ where: { id: session.id } })).identifier).toBe(identifier);
  });

  it("an email another contact has merges the session's contact into that one (its id is returned)", async () => {
    const email = `${unique('existing')}@example.com`;
    const existing = await adminApi(server).post(accountPath(server, '/contacts'), { name: 'Existing', email });
    expect(existing.status).toBe(200);
    const existingId = existing.body.payload.contact.id as number;
    const session = await openSession(server, inbox, { name: 'Visitor' });
    const reply = await api().patch(sessionPaths(session).contact, { email: email.toUpperCase() });
    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(existingId);
    expect(reply.body.email).toBe(email);
    expect((await sessionRow(session.source_id)).contactId).toBe(existingId);
    expect(await db().contact.findUnique({ where: { id: session.id } })).toBeNull();
    // The session goes on, now the existing contact's.
    const shown = await api().get(sessionPaths(session).contact);
    expect(shown.body).toMatchObject({ id: existingId, source_id: session.source_id, pubsub_token: session.pubsub_token });
  });
});

describe('HMAC identity validation (spec/API.md §6)', () => {
  const verified = async (sourceId: string, inboxId = inbox.id) => (await sessionRow(sourceId, inboxId)).hmacVerified;

  it('without identifier_hash on an inbox that does not require it: no check, not verified', async () => {
    const session = await openSession(server, inbox, { identifier: unique('crm') });
    expect(await verified(session.source_id)).toBe(false);
    const shown = await api().get(`${sessionPaths(session).contact}?identifier=whatever`);
    expect(shown.status).toBe(200);
    expect(await verified(session.source_id)).toBe(false);
  });

  it('a valid hash on create verifies the new session (deliberately, unlike Chatwoot)', async () => {
    const identifier = unique('crm');
    const session = await openSession(server, inbox, { identifier, identifier_hash: hmac(inbox.hmacToken, identifier) });
    expect(await verified(session.source_id)).toBe(true);
  });

  it('a valid hash on show verifies the session', async () => {
    const identifier = unique('crm');
    const session = await openSession(server, inbox, { identifier });
    const query = `?identifier=${identifier}&identifier_hash=${hmac(inbox.hmacToken, identifier)}`;
    const reply = await api().get(`${sessionPaths(session).contact}${query}`);
    expect(reply.status).toBe(200);
    expect(await verified(session.source_id)).toBe(true);
  });

  it('a valid hash on update verifies the session', async () => {
    const identifier = unique('crm');
    const session = await openSession(server, inbox, { identifier });
    const reply = await api().patch(sessionPaths(session).contact, { identifier, identifier_hash: hmac(inbox.hmacToken, identifier), name: 'V' });
    expect(reply.status).toBe(200);
    expect(await verified(session.source_id)).toBe(true);
  });

  describe('a wrong hash → 401 "Invalid Identifier Hash Provided", nothing written', () => {
    const INVALID = { error: IDENTITY_MESSAGES.invalid };
    const other = () => clientInbox(server);

    it('on create, for a new contact', async () => {
      const identifier = unique('crm');
      await expectRefused(
        server,
        () => api().post(clientPaths(inbox.identifier).contacts, { identifier, identifier_hash: hmac('not-the-key', identifier) }),
        401,
        INVALID,
      );
      expect(await db().contact.findFirst({ where: { identifier } })).toBeNull();
    });

    it('on create, with a hash valid for another inbox', async () => {
      const identifier = unique('crm');
      const elsewhere = await other();
      await expectRefused(
        server,
        () => api().post(clientPaths(inbox.identifier).contacts, { identifier, identifier_hash: hmac(elsewhere.hmacToken, identifier) }),
        401,
        INVALID,
      );
    });

    it('on create, for an existing source_id (the session stays unverified)', async () => {
      const identifier = unique('crm');
      const session = await openSession(server, inbox, { identifier });
      await expectRefused(
        server,
        () => api().post(clientPaths(inbox.identifier).contacts, { source_id: session.source_id, identifier, identifier_hash: 'deadbeef' }),
        401,
        INVALID,
      );
    });

    it('a hash of another identifier than the one sent', async () => {
      const identifier = unique('crm');
      const session = await openSession(server, inbox, { identifier });
      await expectRefused(
        server,
        () => api().get(`${sessionPaths(session).contact}?identifier=${identifier}&identifier_hash=${hmac(inbox.hmacToken, 'someone')}`),
        401,
        INVALID,
      );
    });

    it('on show and update', async () => {
      const identifier = unique('crm');
      const session = await openSession(server, inbox, { identifier });
      const wrong = hmac(inbox.hmacToken, identifier).replace(/^./, (c) => (c === '0' ? '1' : '0'));
      await expectRefused(server, () => api().get(`${sessionPaths(session).contact}?identifier=${identifier}&identifier_hash=${wrong}`), 401, INVALID);
      await expectRefused(
        server,
        () => api().patch(sessionPaths(session).contact, { identifier, identifier_hash: wrong, name: 'Not written' }),
        401,
        INVALID,
      );
      expect(await verified(session.source_id)).toBe(false);
    });

    it('a hash without an identifier is checked against the empty identifier', async () => {
      const session = await openSession(server, inbox, {});
      await expectRefused(server, () => api().get(`${sessionPaths(session).contact}?identifier_hash=${hmac(inbox.hmacToken, 'x')}`), 401, INVALID);
    });
  });

  describe("a valid hash for an identifier that is not the contact's → 401, nothing written", () => {
    const FOREIGN = { error: IDENTITY_MESSAGES.foreign };

    it('on show and update of a session', async () => {
      const mine = unique('mine');
      const theirs = unique('theirs');
      const session = await openSession(server, inbox, { identifier: mine });
      await openSession(server, inbox, { identifier: theirs });
      const proof = `identifier=${theirs}&identifier_hash=${hmac(inbox.hmacToken, theirs)}`;
      await expectRefused(server, () => api().get(`${sessionPaths(session).contact}?${proof}`), 401, FOREIGN);
      await expectRefused(
        server,
        () => api().patch(sessionPaths(session).contact, { identifier: theirs, identifier_hash: hmac(inbox.hmacToken, theirs), name: 'X' }),
        401,
        FOREIGN,
      );
      expect(await verified(session.source_id)).toBe(false);
    });

    it('on create for an existing source_id', async () => {
      const session = await openSession(server, inbox, { identifier: unique('mine') });
      const theirs = unique('theirs');
      await expectRefused(
        server,
        () =>
          api().post(clientPaths(inbox.identifier).contacts, {
            source_id: session.source_id,
            identifier: theirs,
            identifier_hash: hmac(inbox.hmacToken, theirs),
          }),
        401,
        FOREIGN,
      );
    });

    it('on create when the contact is found by email with another identifier (no session is opened)', async () => {
      const email = `${unique('known')}@example.com`;
      await openSession(server, inbox, { identifier: unique('known'), email });
      const claimed = unique('claimed');
      await expectRefused(
        server,
        () => api().post(clientPaths(inbox.identifier).contacts, { identifier: claimed, email, identifier_hash: hmac(inbox.hmacToken, claimed) }),
        401,
        FOREIGN,
      );
    });
  });

  describe('an inbox that requires verified identities (hmac_mandatory)', () => {
    let mandatory: ClientInbox;
    beforeAll(async () => {
      mandatory = await clientInbox(server, { mandatory: true });
    });
    const MISSING = { error: IDENTITY_MESSAGES.missing };
    const UNVERIFIED = { error: IDENTITY_MESSAGES.unverified };

    it('refuses create, show and update without identifier_hash (401, nothing written)', async () => {
      const paths = clientPaths(mandatory.identifier);
      await expectRefused(server, () => api().post(paths.contacts, { identifier: unique('crm'), name: 'No proof' }), 401, MISSING);
      await expectRefused(server, () => api().post(paths.contacts, {}), 401, MISSING);
      const identifier = unique('crm');
      const session = await openSession(server, mandatory, { identifier, identifier_hash: hmac(mandatory.hmacToken, identifier) });
      await expectRefused(server, () => api().get(paths.contact(session.source_id)), 401, MISSING);
      await expectRefused(server, () => api().patch(paths.contact(session.source_id), { name: 'No proof' }), 401, MISSING);
      await expectRefused(server, () => api().get(`${paths.contact(session.source_id)}?identifier=${identifier}&identifier_hash=`), 401, MISSING);
    });

    it('a verified session works on the conversation and message endpoints without the hash again', async () => {
      const identifier = unique('crm');
      const session = await openSession(server, mandatory, { identifier, identifier_hash: hmac(mandatory.hmacToken, identifier) });
      const paths = sessionPaths(session);
      const started = await api().post(paths.conversations, {});
      expect(started.status).toBe(200);
      expect((await api().get(paths.conversations)).status).toBe(200);
      expect((await api().post(paths.messages(started.body.id), { content: 'hi' })).status).toBe(200);
    });

    it('an unverified session gets 401 on every conversation and message endpoint until it proves its identity', async () => {
      const identifier = unique('crm');
      // A session opened before the inbox required verification.
      const lenient = await clientInbox(server);
      const session = await openSession(server, lenient, { identifier });
      const paths = sessionPaths(session);
      const displayId = (await api().post(paths.conversations, {})).body.id as number;
      const messageId = (await api().post(paths.messages(displayId), { content: 'before' })).body.id as number;
      const updated = await adminApi(server).patch(accountPath(server, `/inboxes/${lenient.id}`), { channel: { hmac_mandatory: true } });
      expect(updated.status).toBe(200);
      const calls = [
        () => api().get(paths.conversations),
        () => api().post(paths.conversations, {}),
        () => api().get(paths.conversation(displayId)),
        () => api().post(paths.conversation(displayId, '/toggle_status')),
        () => api().post(paths.conversation(displayId, '/toggle_typing'), { typing_status: 'on' }),
        () => api().post(paths.conversation(displayId, '/update_last_seen')),
        () => api().get(paths.messages(displayId)),
        () => api().post(paths.messages(displayId), { content: 'refused' }),
        () => api().patch(paths.messages(displayId, `/${messageId}`), { submitted_values: [{ title: 'x' }] }),
      ];
      for (const call of calls) await expectRefused(server, call, 401, UNVERIFIED);
      const proof = `identifier=${identifier}&identifier_hash=${hmac(lenient.hmacToken, identifier)}`;
      expect((await api().get(`${paths.contact}?${proof}`)).status).toBe(200);
      expect(await verified(session.source_id, lenient.id)).toBe(true);
      for (const call of calls) expect((await call()).status).toBe(200);
    });
  });
});
