/**
 * Contacts through GraphQL (spec/API.md §3.4, §1.5, §1.8, §5.2): the
 * mutations with their typed failures, listing and searching, a contact's
 * own session, and contactCreated/contactUpdated live over graphql-ws.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountContactsDocument,
  ContactCreatedDocument,
  ContactNodeDocument,
  ContactSessionDocument,
  ContactUpdatedDocument,
  CreateContactDocument,
  CreateContactInboxDocument,
  DeleteContactDocument,
  RemoveContactCustomAttributesDocument,
  SetContactLabelsDocument,
  UpdateContactDocument,
  UpdateMyContactDocument,
  type AccountContactsQueryVariables,
  type CreateContactInput,
} from '../generated/graphql.ts';
import { connectGraphqlWs, untilLive } from '../support/graphql-ws.ts';
import { contactCaller, globalId, graphql, success, type Caller } from '../support/graphql.ts';
import { addInboxMember, createAgent, createConversation, createInbox } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let admin: string;
let accountId: string;
let botToken: string;
const db = () => server.app.database.prisma;

beforeAll(async () => {
  server = await startServer();
  admin = server.adminToken;
  accountId = globalId('Account', server.accountId);
  botToken = `bot-${randomUUID()}`;
  await db().agentBot.create({
    data: { name: 'Bot', accountId: server.accountId, accessToken: { create: { token: botToken } } },
  });
});
afterAll(async () => {
  await server?.stop();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}${randomUUID().slice(0, 6)}`;

/** Creates a contact as the administrator and returns it. */
async function createContact(input: Partial<CreateContactInput> = {}, caller: Caller = admin) {
  const reply = await graphql(server, caller, CreateContactDocument, {
    input: { accountId, name: 'Jane', email: `${unique('jane')}@example.com`, ...input },
  });
  return success(reply.data?.createContact);
}

/** A contact with a session in a new inbox: the session's caller headers and ids. */
async function contactWithSession(name = 'Visitor') {
  const inbox = await createInbox(server);
  const sourceId = unique('src-');
  const contact = await createContact({ name, inboxId: globalId('Inbox', inbox.id), sourceId });
  return { inbox, sourceId, contact, caller: contactCaller(inbox.inbox_identifier, sourceId) };
}

const eventsOf = (name: string, contactId: number) =>
  db().event.findMany({ where: { name, data: { path: ['contactId'], equals: contactId } }, orderBy: { id: 'asc' } });

describe('createContact', () => {
  it('creates a contact and, with inboxId, their session in that inbox', async () => {
    const inbox = await createInbox(server);
    const contact = await createContact({
      name: 'Ann Lee',
      email: 'Ann.Lee@Example.com',
      phoneNumber: '+14155550100',
      identifier: unique('ext-'),
      customAttributes: { plan: 'gold' },
      inboxId: globalId('Inbox', inbox.id),
      sourceId: 'ann-source',
    });
    expect(contact).toMatchObject({
      name: 'Ann Lee',
      email: 'ann.lee@example.com',
      phoneNumber: '+14155550100',
      blocked: false,
      contactType: 'VISITOR',
      labels: [],
      customAttributes: { plan: 'gold' },
      additionalAttributes: {},
      lastActivityAt: null,
      contactInboxes: [{ sourceId: 'ann-source', hmacVerified: false, inbox: { databaseId: inbox.id } }],
    });
    expect(contact.contactInboxes[0]!.pubsubToken).toMatch(/^[1-9A-HJ-NP-Za-km-z]{24}$/);
    expect(await eventsOf('contact.created', contact.databaseId)).toHaveLength(1);
  });

  it('generates a UUID source_id when an inbox is given without one', async () => {
    const inbox = await createInbox(server);
    const contact = await createContact({ inboxId: globalId('Inbox', inbox.id) });
    expect(contact.contactInboxes[0]!.sourceId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a duplicate email (any case) on ["email"] and creates nothing', async () => {
    const email = `${unique('dup')}@example.com`;
    await createContact({ email });
    const before = await db().contact.count();
    const reply = await graphql(server, admin, CreateContactDocument, { input: { accountId, email: email.toUpperCase() } });
    expect(reply.data?.createContact).toMatchObject({
      __typename: 'ValidationError',
      code: 'VALIDATION_FAILED',
      problems: [{ path: ['email'], message: 'Email has already been taken' }],
    });
    expect(await db().contact.count()).toBe(before);
  });

  it('refuses a phone number that is not E.164 on ["phoneNumber"]', async () => {
    const reply = await graphql(server, admin, CreateContactDocument, { input: { accountId, phoneNumber: '0155 1234' } });
    expect(reply.data?.createContact).toMatchObject({
      __typename: 'ValidationError',
      problems: [{ path: ['phoneNumber'], message: 'Phone number is invalid' }],
    });
  });

  it('refuses a source_id another contact holds in the inbox, creating no contact', async () => {
    const { inbox, sourceId } = await contactWithSession();
    const before = await db().contact.count();
    const reply = await graphql(server, admin, CreateContactDocument, {
      input: { accountId, name: 'Taker', inboxId: globalId('Inbox', inbox.id), sourceId },
    });
    expect(reply.data?.createContact).toMatchObject({
      __typename: 'ValidationError',
      message: 'source_id should be unique',
      problems: [{ path: ['sourceId'] }],
    });
    expect(await db().contact.count()).toBe(before);
  });

  it('answers another account or its inbox with NotFoundError, a malformed id with ValidationError', async () => {
    const other = await db().account.create({ data: { name: 'Other' } });
    const otherAccount = await graphql(server, admin, CreateContactDocument, {
      input: { accountId: globalId('Account', other.id), name: 'x' },
    });
    expect(otherAccount.data?.createContact).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const inbox = await db().inbox.findFirstOrThrow({ where: { accountId: server.accountId } });
    const otherInbox = await graphql(server, admin, CreateContactDocument, {
      input: { accountId, name: 'x', inboxId: globalId('Inbox', 987_654) },
    });
    expect(otherInbox.data?.createContact).toMatchObject({ __typename: 'NotFoundError', message: 'Inbox not found' });
    const malformed = await graphql(server, admin, CreateContactDocument, {
      input: { accountId: globalId('Inbox', inbox.id), name: 'x' },
    });
    expect(malformed.data?.createContact).toMatchObject({
      __typename: 'ValidationError',
      problems: [{ path: ['accountId'] }],
    });
  });

  it('refuses an agent bot with ForbiddenError', async () => {
    const reply = await graphql(server, botToken, CreateContactDocument, { input: { accountId, name: 'Bot made' } });
    expect(reply.data?.createContact).toMatchObject({
      __typename: 'ForbiddenError',
      message: 'Access to this endpoint is not authorized for bots',
    });
    expect(await db().contact.count({ where: { name: 'Bot made' } })).toBe(0);
  });
});

describe('updateContact', () => {
  it('merges custom and additional attributes into the existing ones, null clears a value', async () => {
    const contact = await createContact({
      phoneNumber: '+14155550111',
      customAttributes: { plan: 'gold', seats: 3, nested: { a: 1 } },
      additionalAttributes: { city: 'Paris' },
    });
    const reply = await graphql(server, admin, UpdateContactDocument, {
      input: {
        id: contact.id,
        name: 'Renamed',
        phoneNumber: null,
        customAttributes: { seats: 5, nested: { b: 2 }, tier: null },
        additionalAttributes: { company: 'Acme' },
      },
    });
    expect(success(reply.data?.updateContact)).toMatchObject({
      name: 'Renamed',
      email: contact.email,
      phoneNumber: null,
      customAttributes: { plan: 'gold', seats: 5, nested: { b: 2 }, tier: null },
      additionalAttributes: { city: 'Paris', company: 'Acme' },
    });
  });

  it('emits contact.updated with only what really changed, and nothing when nothing changed', async () => {
    const contact = await createContact({ name: 'Same', customAttributes: { a: 1 } });
    await graphql(server, admin, UpdateContactDocument, {
      input: { id: contact.id, name: 'Same', email: contact.email, customAttributes: { a: 1 } },
    });
    expect(await eventsOf('contact.updated', contact.databaseId)).toHaveLength(0);
    await graphql(server, admin, UpdateContactDocument, { input: { id: contact.id, name: 'Other', customAttributes: { a: 1, b: 2 } } });
    const [event] = await eventsOf('contact.updated', contact.databaseId);
    const changed = (event!.data as { changedAttributes: Record<string, unknown>[] }).changedAttributes;
    expect(changed.map((entry) => Object.keys(entry)[0])).toEqual(['name', 'custom_attributes', 'updated_at']);
    expect(changed[0]).toEqual({ name: { previous_value: 'Same', current_value: 'Other' } });
    expect(changed[1]).toEqual({ custom_attributes: { previous_value: { a: 1 }, current_value: { a: 1, b: 2 } } });
  });

  it('refuses another contact\'s email on ["email"] and an invalid phone on ["phoneNumber"], changing nothing', async () => {
    const taken = await createContact();
    const contact = await createContact({ name: 'Keeps' });
    const duplicate = await graphql(server, admin, UpdateContactDocument, {
      input: { id: contact.id, name: 'Lost', email: taken.email },
    });
    expect(duplicate.data?.updateContact).toMatchObject({
      __typename: 'ValidationError',
      problems: [{ path: ['email'], message: 'Email has already been taken' }],
    });
    const phone = await graphql(server, admin, UpdateContactDocument, { input: { id: contact.id, phoneNumber: '12345' } });
    expect(phone.data?.updateContact).toMatchObject({ __typename: 'ValidationError', problems: [{ path: ['phoneNumber'] }] });
    expect(await db().contact.findUniqueOrThrow({ where: { id: contact.databaseId } })).toMatchObject({
      name: 'Keeps',
      email: contact.email,
      phoneNumber: null,
    });
  });

  it('lets an agent update; answers another account\'s contact with NotFoundError and a malformed id with ValidationError', async () => {
    const agent = await createAgent(server);
    const contact = await createContact();
    const updated = await graphql(server, agent.token, UpdateContactDocument, { input: { id: contact.id, name: 'By agent' } });
    expect(success(updated.data?.updateContact).name).toBe('By agent');

    const other = await db().account.create({ data: { name: 'Elsewhere', contacts: { create: { name: 'Theirs' } } }, include: { contacts: true } });
    const foreign = await graphql(server, admin, UpdateContactDocument, {
      input: { id: globalId('Contact', other.contacts[0]!.id), name: 'Mine now' },
    });
    expect(foreign.data?.updateContact).toMatchObject({ __typename: 'NotFoundError', message: 'Contact not found' });
    expect((await db().contact.findUniqueOrThrow({ where: { id: other.contacts[0]!.id } })).name).toBe('Theirs');

    const malformed = await graphql(server, admin, UpdateContactDocument, { input: { id: 'nope', name: 'x' } });
    expect(malformed.data?.updateContact).toMatchObject({ __typename: 'ValidationError', problems: [{ path: ['id'] }] });
  });

  it('refuses an agent bot with ForbiddenError', async () => {
    const contact = await createContact({ name: 'Untouched' });
    const reply = await graphql(server, botToken, UpdateContactDocument, { input: { id: contact.id, name: 'Bot' } });
    expect(reply.data?.updateContact).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await db().contact.findUniqueOrThrow({ where: { id: contact.databaseId } })).name).toBe('Untouched');
  });
});

describe('deleteContact', () => {
  it('refuses an agent with ForbiddenError and deletes nothing', async () => {
    const agent = await createAgent(server);
    const contact = await createContact();
    const reply = await graphql(server, agent.token, DeleteContactDocument, { input: { id: contact.id } });
    expect(reply.data?.deleteContact).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect(await db().contact.count({ where: { id: contact.databaseId } })).toBe(1);
  });

  it('lets an administrator delete a contact with their sessions and conversations', async () => {
    const { contact, sourceId } = await contactWithSession('Leaving');
    await createConversation(server, sourceId);
    const reply = await graphql(server, admin, DeleteContactDocument, { input: { id: contact.id } });
    expect(success(reply.data?.deleteContact)).toBe(contact.id);
    expect(await db().contact.count({ where: { id: contact.databaseId } })).toBe(0);
    expect(await db().contactInbox.count({ where: { contactId: contact.databaseId } })).toBe(0);
    expect(await db().conversation.count({ where: { contactId: contact.databaseId } })).toBe(0);
    const [event] = await eventsOf('contact.deleted', contact.databaseId);
    expect(event!.data).toMatchObject({ snapshot: { id: contact.databaseId, name: 'Leaving', type: 'contact' } });

    const again = await graphql(server, admin, DeleteContactDocument, { input: { id: contact.id } });
    expect(again.data?.deleteContact).toMatchObject({ __typename: 'NotFoundError' });
  });
});

describe('labels and custom attributes', () => {
  it('replaces the labels with a trimmed, de-duplicated set', async () => {
    const contact = await createContact();
    const first = await graphql(server, admin, SetContactLabelsDocument, {
      input: { id: contact.id, labels: [' vip ', 'vip', 'lead', ''] },
    });
    expect(success(first.data?.setContactLabels).labels).toEqual(['vip', 'lead']);
    const second = await graphql(server, admin, SetContactLabelsDocument, { input: { id: contact.id, labels: ['churned'] } });
    expect(success(second.data?.setContactLabels).labels).toEqual(['churned']);
    const [, event] = await eventsOf('contact.updated', contact.databaseId);
    expect((event!.data as { changedAttributes: unknown[] }).changedAttributes[0]).toEqual({
      label_list: { previous_value: ['vip', 'lead'], current_value: ['churned'] },
    });
  });

  it('removes the given custom attribute keys only', async () => {
    const contact = await createContact({ customAttributes: { a: 1, b: 2, c: 3 } });
    const reply = await graphql(server, admin, RemoveContactCustomAttributesDocument, {
      input: { id: contact.id, keys: ['a', 'missing', 'c'] },
    });
    expect(success(reply.data?.removeContactCustomAttributes).customAttributes).toEqual({ b: 2 });
  });
});

describe('createContactInbox', () => {
  it('opens a session with a UUID source_id, idempotent for the same source_id', async () => {
    const contact = await createContact();
    const inbox = await createInbox(server);
    const input = { contactId: contact.id, inboxId: globalId('Inbox', inbox.id) };
    const fresh = success((await graphql(server, admin, CreateContactInboxDocument, { input })).data?.createContactInbox);
    expect(fresh).toMatchObject({ hmacVerified: false, inbox: { databaseId: inbox.id }, contact: { databaseId: contact.databaseId } });
    expect(fresh.sourceId).toMatch(/^[0-9a-f-]{36}$/);

    const verified = await graphql(server, admin, CreateContactInboxDocument, {
      input: { ...input, sourceId: 'user-42', hmacVerified: true },
    });
    const again = await graphql(server, admin, CreateContactInboxDocument, { input: { ...input, sourceId: 'user-42' } });
    expect(success(again.data?.createContactInbox)).toEqual(success(verified.data?.createContactInbox));
    expect(success(again.data?.createContactInbox).hmacVerified).toBe(true);
    expect(await db().contactInbox.count({ where: { contactId: contact.databaseId } })).toBe(2);
  });

  it('refuses another contact\'s source_id, an inbox the agent is not a member of, and an unknown inbox', async () => {
    const { inbox, sourceId } = await contactWithSession();
    const contact = await createContact();
    const taken = await graphql(server, admin, CreateContactInboxDocument, {
      input: { contactId: contact.id, inboxId: globalId('Inbox', inbox.id), sourceId },
    });
    expect(taken.data?.createContactInbox).toMatchObject({ __typename: 'ValidationError', message: 'source_id should be unique' });

    const agent = await createAgent(server);
    const notMember = await graphql(server, agent.token, CreateContactInboxDocument, {
      input: { contactId: contact.id, inboxId: globalId('Inbox', inbox.id) },
    });
    expect(notMember.data?.createContactInbox).toMatchObject({ __typename: 'ForbiddenError' });
    await addInboxMember(server, inbox.id, agent.id);
    const member = await graphql(server, agent.token, CreateContactInboxDocument, {
      input: { contactId: contact.id, inboxId: globalId('Inbox', inbox.id) },
    });
    expect(success(member.data?.createContactInbox).contact.databaseId).toBe(contact.databaseId);

    const unknown = await graphql(server, admin, CreateContactInboxDocument, {
      input: { contactId: contact.id, inboxId: globalId('Inbox', 987_654) },
    });
    expect(unknown.data?.createContactInbox).toMatchObject({ __typename: 'NotFoundError', message: 'Inbox not found' });
    expect(await db().contactInbox.count({ where: { contactId: contact.databaseId } })).toBe(1);
  });
});

describe('Account.contacts', () => {
  /** Five contacts sharing a fresh label, so that the list is this test's own. */
  async function seedBatch() {
    const label = unique('batch-');
    const specs = [
      { name: 'bob', email: `${unique('z')}@zeta.test`, phoneNumber: `+1415${String(counter).padStart(7, '0')}` },
      { name: 'Alice', email: `${unique('y')}@alpha.test` },
      { name: 'carol', email: `${unique('x')}@beta.test`, identifier: unique('CRM-') },
      { name: 'Dave', email: null, phoneNumber: `+1416${String(counter).padStart(7, '0')}` },
      { name: 'eve', email: `${unique('w')}@alpha.test` },
    ];
    const contacts = [];
    for (const spec of specs) {
      const contact = await createContact(spec);
      await graphql(server, admin, SetContactLabelsDocument, {
        input: { id: contact.id, labels: spec.name === 'eve' ? [label] : [label, 'shared'] },
      });
      contacts.push(contact);
    }
    return { label, contacts };
  }
  const list = async (variables: Omit<AccountContactsQueryVariables, 'id'>, caller: Caller = admin) =>
    success((await graphql(server, caller, AccountContactsDocument, { id: accountId, ...variables })).data?.account).contacts;
  const names = (connection: { edges: { node: { name: string } }[] }) => connection.edges.map((edge) => edge.node.name);

  it('filters by labels (every label given) and sorts names case-insensitively, both ways', async () => {
    const { label } = await seedBatch();
    const ascending = await list({ labels: [label], sortBy: 'NAME_ASC' });
    expect(ascending.totalCount).toBe(5);
    expect(names(ascending)).toEqual(['Alice', 'bob', 'carol', 'Dave', 'eve']);
    expect(names(await list({ labels: [label], sortBy: 'NAME_DESC' }))).toEqual(['eve', 'Dave', 'carol', 'bob', 'Alice']);
    const both = await list({ labels: [label, 'shared'], sortBy: 'NAME_ASC' });
    expect([both.totalCount, names(both)]).toEqual([4, ['Alice', 'bob', 'carol', 'Dave']]);
    expect(names(await list({ labels: [label], sortBy: 'EMAIL_ASC' }))).toEqual(['eve', 'carol', 'Alice', 'bob', 'Dave']);
    expect(names(await list({ labels: [label], sortBy: 'CREATED_AT_DESC' }))).toEqual(['eve', 'Dave', 'carol', 'Alice', 'bob']);
  });

  it('searches name, email and phone number in any case, and the identifier', async () => {
    const { label, contacts } = await seedBatch();
    const search = async (text: string) => names(await list({ labels: [label], search: text, sortBy: 'NAME_ASC' }));
    expect(await search('ALI')).toEqual(['Alice']);
    expect(await search('@alpha.TEST')).toEqual(['Alice', 'eve']);
    expect(await search(contacts[3]!.phoneNumber!)).toEqual(['Dave']);
    expect(await search(contacts[2]!.identifier!)).toEqual(['carol']);
    expect(await search('%')).toEqual([]);
  });

  it('pages with first/after and keeps totalCount over all pages', async () => {
    const { label } = await seedBatch();
    const first = await list({ labels: [label], sortBy: 'NAME_ASC', first: 2 });
    expect([names(first), first.totalCount, first.pageInfo.hasNextPage]).toEqual([['Alice', 'bob'], 5, true]);
    const second = await list({ labels: [label], sortBy: 'NAME_ASC', first: 2, after: first.pageInfo.endCursor });
    expect([names(second), second.pageInfo.hasNextPage]).toEqual([['carol', 'Dave'], true]);
    const last = await list({ labels: [label], sortBy: 'NAME_ASC', first: 2, after: second.pageInfo.endCursor });
    expect([names(last), last.totalCount, last.pageInfo.hasNextPage]).toEqual([['eve'], 5, false]);
    const badCursor = await graphql(server, admin, AccountContactsDocument, { id: accountId, after: 'bm90LWEtY3Vyc29y' });
    expect(badCursor.errors?.[0]).toMatchObject({ extensions: { code: 'VALIDATION_FAILED' } });
  });

  it('shows an agent only the sessions of inboxes they are a member of, and refuses a bot', async () => {
    const label = unique('seen-');
    const visible = await createInbox(server);
    const hidden = await createInbox(server);
    const contact = await createContact({ inboxId: globalId('Inbox', visible.id), sourceId: unique('v-') });
    await graphql(server, admin, CreateContactInboxDocument, {
      input: { contactId: contact.id, inboxId: globalId('Inbox', hidden.id), sourceId: unique('h-') },
    });
    await graphql(server, admin, SetContactLabelsDocument, { input: { id: contact.id, labels: [label] } });
    const agent = await createAgent(server);
    await addInboxMember(server, visible.id, agent.id);
    const seenByAgent = await list({ labels: [label] }, agent.token);
    expect(seenByAgent.edges[0]!.node.contactInboxes).toEqual([{ sourceId: contact.contactInboxes[0]!.sourceId }]);
    expect((await list({ labels: [label] })).edges[0]!.node.contactInboxes).toHaveLength(2);

    const byBot = await graphql(server, botToken, AccountContactsDocument, { id: accountId, labels: [label] });
    expect(byBot.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  });
});

describe('the contact viewer', () => {
  it('gets their own session from contactSession, with only that session in their contact', async () => {
    const { inbox, sourceId, contact, caller } = await contactWithSession('Session owner');
    const otherInbox = await createInbox(server);
    await graphql(server, admin, CreateContactInboxDocument, {
      input: { contactId: contact.id, inboxId: globalId('Inbox', otherInbox.id), sourceId: unique('second-') },
    });
    const session = success((await graphql(server, caller, ContactSessionDocument)).data?.contactSession);
    expect(session).toMatchObject({
      sourceId,
      pubsubToken: contact.contactInboxes[0]!.pubsubToken,
      inbox: { databaseId: inbox.id },
      contact: { databaseId: contact.databaseId, name: 'Session owner', contactInboxes: [{ sourceId }] },
    });
    const byToken = await graphql(server, { headers: { 'x-pubsub-token': session.pubsubToken } }, ContactSessionDocument);
    expect(success(byToken.data?.contactSession).databaseId).toBe(session.databaseId);
  });

  it('sees their own contact by node(id), another contact as null with an error', async () => {
    const { contact, caller } = await contactWithSession();
    const stranger = await createContact({ name: 'Stranger' });
    const own = await graphql(server, caller, ContactNodeDocument, { id: contact.id });
    expect(own.data?.node).toMatchObject({ databaseId: contact.databaseId });
    const other = await graphql(server, caller, ContactNodeDocument, { id: stranger.id });
    expect(other.data?.node).toBeNull();
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('is refused with INVALID_TOKEN for a wrong source_id; staff get ForbiddenError from contactSession', async () => {
    const { inbox } = await contactWithSession();
    const wrong = await graphql(server, contactCaller(inbox.inbox_identifier, 'not-a-source'), ContactSessionDocument);
    expect(wrong.data ?? null).toBeNull();
    expect(wrong.errors?.[0]?.extensions?.code).toBe('INVALID_TOKEN');
    const staff = await graphql(server, admin, ContactSessionDocument);
    expect(staff.data?.contactSession).toMatchObject({ __typename: 'ForbiddenError' });
  });

  it('updates themselves: blanks ignored, custom attributes deep-merged, staff mutations refused', async () => {
    const { contact, caller } = await contactWithSession('Before');
    await graphql(server, admin, UpdateContactDocument, { input: { id: contact.id, customAttributes: { prefs: { a: 1 } } } });
    const reply = await graphql(server, caller, UpdateMyContactDocument, {
      input: { name: 'After', email: '  ', phoneNumber: '+33612345678', customAttributes: { prefs: { b: 2 } } },
    });
    expect(success(reply.data?.updateMyContact)).toMatchObject({
      databaseId: contact.databaseId,
      name: 'After',
      email: contact.email,
      phoneNumber: '+33612345678',
      customAttributes: { prefs: { a: 1, b: 2 } },
    });
    const invalid = await graphql(server, caller, UpdateMyContactDocument, { input: { phoneNumber: 'call me' } });
    expect(invalid.data?.updateMyContact).toMatchObject({ __typename: 'ValidationError', problems: [{ path: ['phoneNumber'] }] });
    const staffOnly = await graphql(server, caller, UpdateContactDocument, { input: { id: contact.id, name: 'Hijack' } });
    expect(staffOnly.data?.updateContact).toMatchObject({ __typename: 'ForbiddenError' });
    const byAdmin = await graphql(server, admin, UpdateMyContactDocument, { input: { name: 'x' } });
    expect(byAdmin.data?.updateMyContact).toMatchObject({ __typename: 'ForbiddenError' });
  });

  it('is merged into the contact that already has the email they give (Client API identify)', async () => {
    const known = await createContact({ name: 'Known', phoneNumber: null, customAttributes: { crm: 7 } });
    const { contact, sourceId, caller } = await contactWithSession('Anonymous');
    await createConversation(server, sourceId);
    const reply = await graphql(server, caller, UpdateMyContactDocument, {
      input: { email: known.email!.toUpperCase(), customAttributes: { visits: 2 } },
    });
    expect(success(reply.data?.updateMyContact)).toMatchObject({
      databaseId: known.databaseId,
      name: 'Known',
      customAttributes: { crm: 7, visits: 2 },
    });
    expect(await db().contact.count({ where: { id: contact.databaseId } })).toBe(0);
    expect(await db().conversation.count({ where: { contactId: known.databaseId } })).toBe(1);
    const session = success((await graphql(server, caller, ContactSessionDocument)).data?.contactSession);
    expect(session.contact).toMatchObject({ databaseId: known.databaseId, contactInboxes: [{ sourceId }] });
    expect(await db().event.count({ where: { name: 'contact.merged', data: { path: ['mergedContactId'], equals: contact.databaseId } } })).toBe(1);
  });
});

describe('contact subscriptions over graphql-ws', () => {
  let probes = 0;
  const probeName = () => `probe ${++probes}`;
  const isProbe = (result: { data?: { [field: string]: { name: string } } | null }) =>
    Object.values(result.data ?? {})[0]?.name.startsWith('probe') ?? false;
  const rename = (id: string, name: string) => graphql(server, admin, UpdateContactDocument, { input: { id, name } });

  it('delivers contactUpdated to an administrator and to the contact themselves, not to another contact', async () => {
    const alice = await contactWithSession('Alice');
    const bob = await contactWithSession('Bob');
    const sockets = [
      connectGraphqlWs(server.wsUrl, { api_access_token: admin }),
      connectGraphqlWs(server.wsUrl, { inboxIdentifier: alice.inbox.inbox_identifier, contactIdentifier: alice.sourceId }),
      connectGraphqlWs(server.wsUrl, { pubsubToken: bob.contact.contactInboxes[0]!.pubsubToken }),
    ];
    try {
      await Promise.all(sockets.map((socket) => socket.connected));
      const [forAdmin, forAlice, forBob] = [
        sockets[0]!.subscribe(ContactUpdatedDocument, { scope: { accountId } }),
        sockets[1]!.subscribe(ContactUpdatedDocument, {}),
        sockets[2]!.subscribe(ContactUpdatedDocument, {}),
      ];
      await untilLive(forAdmin, () => rename(alice.contact.id, probeName()), isProbe);
      await untilLive(forAlice, () => rename(alice.contact.id, probeName()), isProbe);
      await untilLive(forBob, () => rename(bob.contact.id, probeName()), isProbe);

      await graphql(server, admin, UpdateContactDocument, {
        input: { id: alice.contact.id, name: 'Alice live', customAttributes: { live: true } },
      });
      const isLive = (result: { data?: { contactUpdated: { name: string } } | null }) => result.data?.contactUpdated.name === 'Alice live';
      expect((await forAdmin.nextMatching(isLive)).data?.contactUpdated).toMatchObject({
        databaseId: alice.contact.databaseId,
        customAttributes: { live: true },
      });
      expect((await forAlice.nextMatching(isLive)).data?.contactUpdated.databaseId).toBe(alice.contact.databaseId);
      await forBob.expectNothing(300, (result) => !isProbe(result));
    } finally {
      await Promise.all(sockets.map((socket) => socket.dispose()));
    }
  });

  it('delivers contactCreated to staff of the account and refuses it to a contact', async () => {
    const { inbox, sourceId } = await contactWithSession();
    const ws = connectGraphqlWs(server.wsUrl, { api_access_token: admin });
    const asContact = connectGraphqlWs(server.wsUrl, { inboxIdentifier: inbox.inbox_identifier, contactIdentifier: sourceId });
    try {
      await Promise.all([ws.connected, asContact.connected]);
      const created = ws.subscribe(ContactCreatedDocument, { scope: { accountId } });
      await untilLive(created, () => createContact({ name: probeName() }), isProbe);
      const contact = await createContact({ name: 'Created live' });
      const result = await created.nextMatching((r) => !isProbe(r));
      expect(result.data?.contactCreated).toEqual({ databaseId: contact.databaseId, name: 'Created live' });

      const refused = await asContact.subscribe(ContactCreatedDocument, { scope: { accountId } }).next();
      expect(refused.errors?.[0]?.message).toBe('You are not authorized to do this action');
      const byInbox = await ws.subscribe(ContactCreatedDocument, { scope: { inboxId: globalId('Inbox', inbox.id) } }).next();
      expect(byInbox.errors?.[0]?.message).toBe('Scope of contact events must be an account');
    } finally {
      await Promise.all([ws.dispose(), asContact.dispose()]);
    }
  });
});
