/**
 * The Client API over GraphQL (spec/API.md §5, §6): the public inbox, opening
 * a contact's session with or without an identity proof, the credentials it
 * hands out (headers and graphql-ws), a contact resolving and answering in
 * their own conversations, and what a verified session reaches.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClientConversationNodeDocument,
  ClientMessageCreatedDocument,
  ClientOpenSessionDocument,
  ClientPublicInboxDocument,
  ClientResolveConversationDocument,
  ClientSessionDocument,
  ClientStartConversationDocument,
  ClientSubmitMessageValuesDocument,
  type OpenContactSessionInput,
} from '../generated/graphql.ts';
import { connectGraphqlWs, untilLive } from '../support/graphql-ws.ts';
import { contactCaller, globalId, graphql, success, type Caller } from '../support/graphql.ts';
import { accountPath, adminApi, createInbox } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
const db = () => server.app.database.prisma;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}-${randomUUID().slice(0, 8)}`;

/** The hex HMAC-SHA256 a business computes to prove a contact's identifier. */
const hmac = (key: string, identifier: string) => createHmac('sha256', key).update(identifier).digest('hex');

/** A new API inbox with its identifier and HMAC key; `mandatory` requires verified sessions. */
async function newInbox(options: { mandatory?: boolean } = {}) {
  const inbox = await createInbox(server);
  const channel = await db().channelApi.findFirstOrThrow({ where: { identifier: inbox.inbox_identifier } });
  if (options.mandatory) await db().channelApi.update({ where: { id: channel.id }, data: { hmacMandatory: true } });
  return { id: inbox.id, identifier: inbox.inbox_identifier, hmacToken: channel.hmacToken };
}

const open = (input: OpenContactSessionInput) => graphql(server, null, ClientOpenSessionDocument, { input });

/** Opens a session and returns its credentials, failing on an error result. */
async function openSession(input: OpenContactSessionInput) {
  return success((await open(input)).data?.openContactSession);
}

const sessionCaller = (session: { inboxIdentifier: string; sourceId: string }): Caller =>
  contactCaller(session.inboxIdentifier, session.sourceId);

/** Starts a conversation as the session's contact: its global id and display id. */
async function startConversation(caller: Caller) {
  return success((await graphql(server, caller, ClientStartConversationDocument)).data?.startConversation);
}

/** An agent (the administrator) writes in a conversation over REST; returns the message id. */
async function agentMessage(displayId: number, body: Record<string, unknown>) {
  const reply = await adminApi(server).post(accountPath(server, `/conversations/${displayId}/messages`), body);
  expect(reply.status).toBe(200);
  return reply.body.id as number;
}

const accountContacts = () => db().contact.count({ where: { accountId: server.accountId } });
const accountSessions = () => db().contactInbox.count({ where: { accountId: server.accountId } });

describe('publicInbox', () => {
  it('shows an API inbox by its identifier without credentials', async () => {
    const inbox = await newInbox({ mandatory: true });
    const row = await db().inbox.findUniqueOrThrow({ where: { id: inbox.id } });
    const reply = await graphql(server, null, ClientPublicInboxDocument, { identifier: inbox.identifier });
    expect(reply.status).toBe(200);
    const data = success(reply.data?.publicInbox);
    expect(data).toMatchObject({
      identifier: inbox.identifier,
      name: row.name,
      timezone: 'UTC',
      workingHoursEnabled: false,
      csatSurveyEnabled: false,
      greetingEnabled: false,
      identityValidationEnabled: true,
    });
    expect(data.workingHours).toHaveLength(7);
    expect(data.workingHours[1]).toEqual({ dayOfWeek: 1, closedAllDay: false, openHour: 9, closeHour: 17 });
  });

  it('answers NotFoundError for an unknown identifier', async () => {
    const reply = await graphql(server, null, ClientPublicInboxDocument, { identifier: 'no-such-inbox' });
    expect(reply.errors).toBeUndefined();
    expect(reply.data?.publicInbox).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND', message: 'Inbox not found' });
  });
});

describe('openContactSession', () => {
  it('opens an anonymous session: a new contact, a UUID sourceId and a pubsubToken', async () => {
    const inbox = await newInbox();
    const session = await openSession({ inboxIdentifier: inbox.identifier });
    expect(session).toMatchObject({ inboxIdentifier: inbox.identifier, hmacVerified: false, contact: { email: null, phoneNumber: null } });
    expect(session.sourceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(session.pubsubToken).toMatch(/^[1-9A-HJ-NP-Za-km-z]{24}$/);
    expect(session.contact.name).toMatch(/^[a-z]+-[a-z]+-\d{3}$/);
    const row = await db().contactInbox.findFirstOrThrow({ where: { inboxId: inbox.id, sourceId: session.sourceId } });
    expect(row).toMatchObject({ contactId: session.contact.databaseId, pubsubToken: session.pubsubToken, hmacVerified: false });
  });

  it('verifies a session opened with identifier and a valid identifierHash', async () => {
    const inbox = await newInbox();
    const identifier = unique('user-');
    const session = await openSession({
      inboxIdentifier: inbox.identifier,
      identifier,
      identifierHash: hmac(inbox.hmacToken, identifier),
      name: 'Ann',
      email: `${unique('ann')}@example.com`,
      customAttributes: { plan: 'gold' },
    });
    expect(session).toMatchObject({ hmacVerified: true, contact: { name: 'Ann' } });
    const contact = await db().contact.findUniqueOrThrow({ where: { id: session.contact.databaseId } });
    expect(contact).toMatchObject({ identifier, customAttributes: { plan: 'gold' } });
    expect(await db().contactInbox.findFirstOrThrow({ where: { sourceId: session.sourceId } })).toMatchObject({ hmacVerified: true });
  });

  it('refuses a wrong identifierHash with IdentityError and writes nothing', async () => {
    const inbox = await newInbox();
    const [contacts, sessions] = [await accountContacts(), await accountSessions()];
    const identifier = unique('user-');
    const reply = await open({ inboxIdentifier: inbox.identifier, identifier, identifierHash: hmac('another key', identifier) });
    expect(reply.errors).toBeUndefined();
    expect(reply.data?.openContactSession).toEqual({
      __typename: 'IdentityError',
      code: 'UNAUTHENTICATED',
      reason: 'INVALID',
      message: 'HMAC failed: Invalid Identifier Hash Provided',
    });
    expect([await accountContacts(), await accountSessions()]).toEqual([contacts, sessions]);
  });

  it('refuses a session without identifierHash in an inbox that requires one, and writes nothing', async () => {
    const inbox = await newInbox({ mandatory: true });
    const [contacts, sessions] = [await accountContacts(), await accountSessions()];
    const reply = await open({ inboxIdentifier: inbox.identifier, identifier: unique('user-'), name: 'Bo' });
    expect(reply.data?.openContactSession).toMatchObject({ __typename: 'IdentityError', code: 'UNAUTHENTICATED', reason: 'MISSING' });
    expect([await accountContacts(), await accountSessions()]).toEqual([contacts, sessions]);
  });

  it('opens a verified session in an inbox that requires one', async () => {
    const inbox = await newInbox({ mandatory: true });
    const identifier = unique('user-');
    const session = await openSession({ inboxIdentifier: inbox.identifier, identifier, identifierHash: hmac(inbox.hmacToken, identifier) });
    expect(session.hmacVerified).toBe(true);
    const reply = await graphql(server, sessionCaller(session), ClientSessionDocument);
    expect(success(reply.data?.contactSession)).toMatchObject({ sourceId: session.sourceId, hmacVerified: true });
  });

  it('returns the same session, pubsubToken and contact for an existing sourceId', async () => {
    const inbox = await newInbox();
    const sourceId = unique('src-');
    const first = await openSession({ inboxIdentifier: inbox.identifier, sourceId, name: 'Cy' });
    const sessions = await accountSessions();
    const again = await openSession({ inboxIdentifier: inbox.identifier, sourceId, name: 'Someone else' });
    expect(again).toEqual(first);
    expect(await accountSessions()).toBe(sessions);
  });

  it('verifies an existing session re-opened with its sourceId, identifier and identifierHash', async () => {
    const inbox = await newInbox();
    const identifier = unique('user-');
    const first = await openSession({ inboxIdentifier: inbox.identifier, identifier });
    expect(first.hmacVerified).toBe(false);
    const again = await openSession({
      inboxIdentifier: inbox.identifier,
      sourceId: first.sourceId,
      identifier,
      identifierHash: hmac(inbox.hmacToken, identifier),
    });
    expect(again).toEqual({ ...first, hmacVerified: true });
    const reply = await graphql(server, sessionCaller(first), ClientSessionDocument);
    expect(success(reply.data?.contactSession).hmacVerified).toBe(true);
  });

  it('refuses a valid proof of another contact\'s identifier for an existing session', async () => {
    const inbox = await newInbox();
    const session = await openSession({ inboxIdentifier: inbox.identifier, identifier: unique('user-') });
    const other = unique('user-');
    const reply = await open({
      inboxIdentifier: inbox.identifier,
      sourceId: session.sourceId,
      identifier: other,
      identifierHash: hmac(inbox.hmacToken, other),
    });
    expect(reply.data?.openContactSession).toMatchObject({ __typename: 'IdentityError', reason: 'FOREIGN' });
    expect(await db().contactInbox.findFirstOrThrow({ where: { sourceId: session.sourceId } })).toMatchObject({ hmacVerified: false });
  });

  it('answers NotFoundError for an unknown inbox and ValidationError for a bad email', async () => {
    const unknown = await open({ inboxIdentifier: 'no-such-inbox' });
    expect(unknown.data?.openContactSession).toMatchObject({ __typename: 'NotFoundError', message: 'Inbox not found' });
    const inbox = await newInbox();
    const invalid = await open({ inboxIdentifier: inbox.identifier, email: 'not an email' });
    expect(invalid.data?.openContactSession).toMatchObject({
      __typename: 'ValidationError',
      code: 'VALIDATION_FAILED',
      problems: [{ path: ['email'], message: 'Email is invalid' }],
    });
  });

  it('hands out credentials that work as X-Inbox-Identifier + X-Contact-Identifier and as X-Pubsub-Token', async () => {
    const inbox = await newInbox();
    const session = await openSession({ inboxIdentifier: inbox.identifier });
    const byIdentifiers = await graphql(server, sessionCaller(session), ClientSessionDocument);
    const byToken = await graphql(server, { headers: { 'x-pubsub-token': session.pubsubToken } }, ClientSessionDocument);
    for (const reply of [byIdentifiers, byToken])
      expect(success(reply.data?.contactSession)).toMatchObject({
        sourceId: session.sourceId,
        contact: { databaseId: session.contact.databaseId },
      });
  });

  it('gives a graphql-ws connection with the new pubsubToken the agent\'s replies', async () => {
    const inbox = await newInbox();
    const session = await openSession({ inboxIdentifier: inbox.identifier });
    const conversation = await startConversation(sessionCaller(session));
    const ws = connectGraphqlWs(server.wsUrl, { pubsubToken: session.pubsubToken });
    try {
      await ws.connected;
      const created = ws.subscribe(ClientMessageCreatedDocument, {});
      await untilLive(
        created,
        () => agentMessage(conversation.displayId, { content: 'probe' }),
        (result) => result.data?.messageCreated.content === 'probe',
      );
      const id = await agentMessage(conversation.displayId, { content: 'Hello from the agent' });
      const reply = await created.nextMatching((result) => result.data?.messageCreated.content !== 'probe');
      expect(reply.data?.messageCreated).toEqual({ databaseId: id, content: 'Hello from the agent', messageType: 'OUTGOING' });
    } finally {
      await ws.dispose();
    }
  });
});

describe('toggleConversationStatus as a contact', () => {
  it('resolves the contact\'s own conversation, and a resolved one stays resolved', async () => {
    const inbox = await newInbox();
    const caller = sessionCaller(await openSession({ inboxIdentifier: inbox.identifier }));
    const conversation = await startConversation(caller);
    const resolved = await graphql(server, caller, ClientResolveConversationDocument, { input: { conversationId: conversation.id } });
    expect(success(resolved.data?.toggleConversationStatus)).toEqual({ displayId: conversation.displayId, status: 'RESOLVED' });
    const again = await graphql(server, caller, ClientResolveConversationDocument, {
      input: { conversationId: conversation.id, status: 'RESOLVED' },
    });
    expect(success(again.data?.toggleConversationStatus).status).toBe('RESOLVED');
  });

  it('cannot resolve another contact\'s conversation (NotFoundError), whatever the status asked', async () => {
    const inbox = await newInbox();
    const owner = sessionCaller(await openSession({ inboxIdentifier: inbox.identifier }));
    const stranger = sessionCaller(await openSession({ inboxIdentifier: inbox.identifier }));
    const conversation = await startConversation(owner);
    for (const status of [undefined, 'OPEN'] as const) {
      const reply = await graphql(server, stranger, ClientResolveConversationDocument, { input: { conversationId: conversation.id, status } });
      expect(reply.data?.toggleConversationStatus).toMatchObject({ __typename: 'NotFoundError', message: 'Conversation not found' });
    }
    const row = await db().conversation.findFirstOrThrow({ where: { accountId: server.accountId, displayId: conversation.displayId } });
    expect(row.status).toBe('open');
  });

  it('cannot reopen or snooze a conversation (ValidationError), which stays resolved', async () => {
    const inbox = await newInbox();
    const caller = sessionCaller(await openSession({ inboxIdentifier: inbox.identifier }));
    const conversation = await startConversation(caller);
    await graphql(server, caller, ClientResolveConversationDocument, { input: { conversationId: conversation.id } });
    const reopen = await graphql(server, caller, ClientResolveConversationDocument, { input: { conversationId: conversation.id, status: 'OPEN' } });
    expect(reopen.data?.toggleConversationStatus).toMatchObject({ __typename: 'ValidationError', problems: [{ path: ['status'] }] });
    const snooze = await graphql(server, caller, ClientResolveConversationDocument, {
      input: { conversationId: conversation.id, snoozedUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(snooze.data?.toggleConversationStatus).toMatchObject({ __typename: 'ValidationError', problems: [{ path: ['snoozedUntil'] }] });
    const row = await db().conversation.findFirstOrThrow({ where: { accountId: server.accountId, displayId: conversation.displayId } });
    expect(row.status).toBe('resolved');
  });
});

describe('submitMessageValues', () => {
  /** A contact's session with a conversation in a new inbox. */
  async function contactConversation() {
    const inbox = await newInbox();
    const caller = sessionCaller(await openSession({ inboxIdentifier: inbox.identifier }));
    const conversation = await startConversation(caller);
    return { caller, conversation };
  }

  const submit = (caller: Caller, messageId: number | string, submittedValues: Record<string, unknown>[]) =>
    graphql(server, caller, ClientSubmitMessageValuesDocument, {
      input: { messageId: typeof messageId === 'number' ? globalId('Message', messageId) : messageId, submittedValues },
    });

  it('stores the answers to a form message', async () => {
    const { caller, conversation } = await contactConversation();
    const items = [{ name: 'email', label: 'Email', type: 'email' }];
    const id = await agentMessage(conversation.displayId, { content: 'Tell us', content_type: 'form', content_attributes: { items } });
    const values = [{ name: 'email', title: 'Email', value: 'ann@example.com' }];
    const reply = await submit(caller, id, values);
    expect(success(reply.data?.submitMessageValues)).toEqual({
      databaseId: id,
      contentType: 'FORM',
      contentAttributes: { items, submitted_values: values },
    });
  });

  it('stores a CSAT rating as one csat_survey_response, refusing a rating of 6', async () => {
    const { caller, conversation } = await contactConversation();
    const id = await agentMessage(conversation.displayId, { content: 'Rate us', content_type: 'input_csat' });
    const bad = await submit(caller, id, [{ csat_survey_response: { rating: 6 } }]);
    expect(bad.data?.submitMessageValues).toMatchObject({
      __typename: 'ValidationError',
      problems: [{ path: ['rating'], message: 'Rating is not included in the list' }],
    });
    const good = await submit(caller, id, [{ csat_survey_response: { rating: 5, feedback_message: 'Great' } }]);
    expect(success(good.data?.submitMessageValues).contentAttributes).toEqual({
      submitted_values: { csat_survey_response: { rating: 5, feedback_message: 'Great' } },
    });
  });

  it('refuses to answer a CSAT survey after 14 days', async () => {
    const { caller, conversation } = await contactConversation();
    const id = await agentMessage(conversation.displayId, { content: 'Rate us', content_type: 'input_csat' });
    await db().message.update({ where: { id }, data: { createdAt: new Date(Date.now() - 20 * 86_400_000) } });
    const reply = await submit(caller, id, [{ csat_survey_response: { rating: 4 } }]);
    expect(reply.data?.submitMessageValues).toMatchObject({
      __typename: 'ValidationError',
      message: 'You cannot update the CSAT survey after 14 days',
    });
    expect((await db().message.findUniqueOrThrow({ where: { id } })).contentAttributes).toEqual({});
  });

  it('answers NotFoundError for a private note, another contact\'s message and an unknown message', async () => {
    const { caller, conversation } = await contactConversation();
    const note = await agentMessage(conversation.displayId, { content: 'internal', private: true, content_type: 'input_csat' });
    const other = await contactConversation();
    const foreign = await agentMessage(other.conversation.displayId, { content: 'Rate us', content_type: 'input_csat' });
    const answer = [{ csat_survey_response: { rating: 5 } }];
    expect((await submit(caller, note, answer)).data?.submitMessageValues).toMatchObject({ __typename: 'NotFoundError', message: 'Message not found' });
    expect((await submit(caller, foreign, answer)).data?.submitMessageValues).toMatchObject({ __typename: 'NotFoundError' });
    for (const unknown of [999_999_999, 999_999_999_999_999])
      expect((await submit(caller, unknown, answer)).data?.submitMessageValues).toMatchObject({ __typename: 'NotFoundError' });
    expect((await db().message.findUniqueOrThrow({ where: { id: foreign } })).contentAttributes).toEqual({});
  });

  it('refuses a malformed message id (ValidationError) and callers who are not contacts (ForbiddenError)', async () => {
    const { caller, conversation } = await contactConversation();
    const malformed = await submit(caller, globalId('Conversation', 1), [{}]);
    expect(malformed.data?.submitMessageValues).toMatchObject({ __typename: 'ValidationError', problems: [{ path: ['messageId'] }] });
    const id = await agentMessage(conversation.displayId, { content: 'Rate us', content_type: 'input_csat' });
    const agent = await submit(server.adminToken, id, [{ csat_survey_response: { rating: 5 } }]);
    expect(agent.data?.submitMessageValues).toMatchObject({ __typename: 'ForbiddenError' });
  });
});

describe('what a verified session reaches', () => {
  /**
   * One contact (by identifier) with a verified session in inbox A and an
   * unverified one in inbox B, and a conversation in each.
   */
  async function contactInTwoInboxes() {
    const [a, b] = [await newInbox(), await newInbox()];
    const identifier = unique('user-');
    const verified = await openSession({ inboxIdentifier: a.identifier, identifier, identifierHash: hmac(a.hmacToken, identifier) });
    const unverified = await openSession({ inboxIdentifier: b.identifier, identifier });
    expect(unverified.contact.databaseId).toBe(verified.contact.databaseId);
    expect([verified.hmacVerified, unverified.hmacVerified]).toEqual([true, false]);
    const inA = await startConversation(sessionCaller(verified));
    const inB = await startConversation(sessionCaller(unverified));
    return { a, b, verified: sessionCaller(verified), unverified: sessionCaller(unverified), inA, inB };
  }

  const displayIds = (connection: { edges: { node: { displayId: number } }[] }) =>
    connection.edges.map((edge) => edge.node.displayId).sort((x, y) => x - y);

  it('a verified session sees the contact\'s conversation in another inbox', async () => {
    const { b, verified, inA, inB } = await contactInTwoInboxes();
    const session = success((await graphql(server, verified, ClientSessionDocument)).data?.contactSession);
    expect(session.hmacVerified).toBe(true);
    expect(displayIds(session.conversations)).toEqual([inA.displayId]);
    expect(session.contact.conversations.totalCount).toBe(2);
    expect(displayIds(session.contact.conversations)).toEqual([inA.displayId, inB.displayId]);
    expect(session.contact.conversations.edges.find((edge) => edge.node.displayId === inB.displayId)?.node.inbox.databaseId).toBe(b.id);
    expect(session.contact.contactInboxes.map((ci) => ci.conversations.totalCount)).toEqual([1, 1]);
    const node = await graphql(server, verified, ClientConversationNodeDocument, { id: inB.id });
    expect(node.data?.node).toEqual({ __typename: 'Conversation', displayId: inB.displayId });
    const resolved = await graphql(server, verified, ClientResolveConversationDocument, { input: { conversationId: inB.id } });
    expect(success(resolved.data?.toggleConversationStatus).status).toBe('RESOLVED');
  });

  it('an unverified session sees only its own session\'s conversations', async () => {
    const { unverified, inA, inB } = await contactInTwoInboxes();
    const session = success((await graphql(server, unverified, ClientSessionDocument)).data?.contactSession);
    expect(displayIds(session.contact.conversations)).toEqual([inB.displayId]);
    expect(session.contact.conversations.totalCount).toBe(1);
    expect(session.contact.contactInboxes).toHaveLength(1);
    const node = await graphql(server, unverified, ClientConversationNodeDocument, { id: inA.id });
    expect(node.data?.node).toBeNull();
    const resolve = await graphql(server, unverified, ClientResolveConversationDocument, { input: { conversationId: inA.id } });
    expect(resolve.data?.toggleConversationStatus).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('a verified session hears the agent\'s reply in the contact\'s conversation of another inbox', async () => {
    const { verified, inB } = await contactInTwoInboxes();
    const session = success((await graphql(server, verified, ClientSessionDocument)).data?.contactSession);
    const token = (await db().contactInbox.findUniqueOrThrow({ where: { id: session.databaseId } })).pubsubToken;
    const ws = connectGraphqlWs(server.wsUrl, { pubsubToken: token });
    try {
      await ws.connected;
      const created = ws.subscribe(ClientMessageCreatedDocument, {});
      await untilLive(
        created,
        () => agentMessage(inB.displayId, { content: 'probe' }),
        (result) => result.data?.messageCreated.content === 'probe',
      );
      const id = await agentMessage(inB.displayId, { content: 'Reply in inbox B' });
      const reply = await created.nextMatching((result) => result.data?.messageCreated.content !== 'probe');
      expect(reply.data?.messageCreated).toMatchObject({ databaseId: id, content: 'Reply in inbox B' });
    } finally {
      await ws.dispose();
    }
  });
});
