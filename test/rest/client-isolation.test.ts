/**
 * What a contact's session reaches on the Client API (spec/API.md §5, §6;
 * CONFORMANCE.md B3-2): its own conversations, or, once its identity is
 * verified, every conversation of its contact in the account; never another
 * contact's, another inbox's through the wrong identifiers, or another
 * account's. Every refusal is the Client API's 404 and writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefused } from '../support/bad-input.ts';
import {
  CLIENT_NOT_FOUND,
  agentMessage,
  clientInbox,
  clientPaths,
  contactMessage,
  hmac,
  openSession,
  publicApi,
  sessionPaths,
  startConversation,
  type ClientInbox,
  type ClientSession,
} from '../support/client-api.ts';
import type { Reply } from '../support/http.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';

let server: TestServer;
const db = () => server.app.database.prisma;
const api = () => publicApi(server);

/**
 * The scene: contact X with a session in each of two inboxes of the account
 * (the first verified later), each with a conversation and an interactive
 * message; contact Y in the first inbox with a conversation; another account
 * with a contact holding X's identifier and the same display ids.
 */
const s = {} as {
  first: ClientInbox;
  second: ClientInbox;
  identifier: string;
  x1: ClientSession;
  x2: ClientSession;
  y: ClientSession;
  cx1: number;
  cx2: number;
  cy: number;
  mx2: number;
  my: number;
  foreign: Awaited<ReturnType<typeof seedForeignTenant>>;
  /** The foreign account's inbox identifier. */
  foreignInbox: string;
};

beforeAll(async () => {
  server = await startServer();
  s.first = await clientInbox(server);
  s.second = await clientInbox(server);
  s.identifier = `crm-${randomUUID().slice(0, 8)}`;
  s.x1 = await openSession(server, s.first, { identifier: s.identifier, name: 'Xavier' });
  s.x2 = await openSession(server, s.second, { identifier: s.identifier });
  expect(s.x2.id).toBe(s.x1.id);
  s.y = await openSession(server, s.first, { name: 'Yvonne' });
  s.cx1 = await startConversation(server, s.x1);
  s.cx2 = await startConversation(server, s.x2);
  s.cy = await startConversation(server, s.y);
  await contactMessage(server, s.x2, s.cx2, 'x in the second inbox');
  s.mx2 = await agentMessage(server, s.cx2, { content: 'Pick', content_type: 'input_select', content_attributes: { items: [{ title: 'A', value: 'a' }] } });
  await contactMessage(server, s.y, s.cy, 'y secret');
  s.my = await agentMessage(server, s.cy, { content: 'Pick', content_type: 'input_select', content_attributes: { items: [{ title: 'A', value: 'a' }] } });
  s.foreign = await seedForeignTenant(server);
  await db().contact.update({ where: { id: s.foreign.contact.id }, data: { identifier: s.identifier } });
  s.foreignInbox = (await db().channelApi.findUniqueOrThrow({ where: { id: s.foreign.inbox.channelId } })).identifier;
});
afterAll(async () => {
  await server?.stop();
});

/** Every conversation and message endpoint of a session on one conversation (display id), with a message id. */
function conversationCalls(session: ClientSession, displayId: number | string, messageId: number): [string, () => Promise<Reply>][] {
  const p = sessionPaths(session);
  return [
    ['GET conversation', () => api().get(p.conversation(displayId))],
    ['POST toggle_status', () => api().post(p.conversation(displayId, '/toggle_status'))],
    ['POST toggle_typing', () => api().post(p.conversation(displayId, '/toggle_typing'), { typing_status: 'on' })],
    ['POST update_last_seen', () => api().post(p.conversation(displayId, '/update_last_seen'))],
    ['GET messages', () => api().get(p.messages(displayId))],
    ['POST messages', () => api().post(p.messages(displayId), { content: 'intruder' })],
    ['PATCH message', () => api().patch(p.messages(displayId, `/${messageId}`), { submitted_values: [{ title: 'intruder' }] })],
  ];
}

const listed = async (session: ClientSession) => {
  const reply = await api().get(sessionPaths(session).conversations);
  expect(reply.status).toBe(200);
  return reply.body.map((c: { id: number }) => c.id).sort((a: number, b: number) => a - b);
};

describe('an unverified session', () => {
  it("lists only its own inbox's conversations", async () => {
    expect(await listed(s.x1)).toEqual([s.cx1]);
    expect(await listed(s.x2)).toEqual([s.cx2]);
    expect(await listed(s.y)).toEqual([s.cy]);
  });

  it("gets 404 on every endpoint of its own contact's conversation in another inbox, nothing written", async () => {
    for (const [title, send] of conversationCalls(s.x1, s.cx2, s.mx2))
      await expectRefused(server, send, 404, CLIENT_NOT_FOUND).catch((error) => {
        throw new Error(`${title}: ${error}`);
      });
  });
});

describe('another contact', () => {
  it("gets 404 on every endpoint of X's conversations, whatever inbox, nothing written", async () => {
    for (const displayId of [s.cx1, s.cx2])
      for (const [title, send] of conversationCalls(s.y, displayId, s.mx2))
        await expectRefused(server, send, 404, CLIENT_NOT_FOUND).catch((error) => {
          throw new Error(`${title} on ${displayId}: ${error}`);
        });
  });

  it("cannot answer X's message through its own conversation", async () => {
    await expectRefused(
      server,
      () => api().patch(sessionPaths(s.y).messages(s.cy, `/${s.mx2}`), { submitted_values: [{ title: 'intruder' }] }),
      404,
      CLIENT_NOT_FOUND,
    );
  });

  it("cannot steer a request with body params: the path's conversation and session win", async () => {
    const reply = await api().post(sessionPaths(s.y).messages(s.cy), {
      content: 'steered?',
      conversation_id: s.cx1,
      contact_identifier: s.x1.source_id,
      inbox_identifier: s.second.identifier,
      message: { conversation_id: s.cx1 },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.conversation_id).toBe(s.cy);
    const row = await db().message.findUniqueOrThrow({ where: { id: reply.body.id }, include: { conversation: true } });
    expect(row.conversation.displayId).toBe(s.cy);
    expect(row.senderContactId).toBe(s.y.id);
  });

  it("does not see X's messages or contact in its own views", async () => {
    const reply = await api().get(sessionPaths(s.y).conversations);
    expect(reply.text).not.toContain('x in the second inbox');
    expect(reply.text).not.toContain('Xavier');
    expect(reply.text).not.toContain(s.x1.pubsub_token);
  });
});

describe('identifiers that do not belong together → 404, nothing written', () => {
  const cases = (): [string, () => Promise<Reply>][] => [
    ['own source_id under another inbox of the account', () => api().get(clientPaths(s.second.identifier).conversations(s.y.source_id))],
    ["own source_id under another account's inbox", () => api().get(clientPaths(s.foreignInbox).conversations(s.y.source_id))],
    ["own source_id under another account's inbox (contact)", () => api().get(clientPaths(s.foreignInbox).contact(s.y.source_id))],
    ["another account's source_id under own inbox", () => api().get(clientPaths(s.first.identifier).conversations(s.foreign.contactInbox.sourceId))],
    ["another account's source_id under own inbox (contact)", () => api().get(clientPaths(s.first.identifier).contact(s.foreign.contactInbox.sourceId))],
    ["another account's source_id: post a message", () => api().post(clientPaths(s.first.identifier).messages(s.foreign.contactInbox.sourceId, s.foreign.conversation.displayId), { content: 'x' })],
    ['the pubsub_token as source_id', () => api().get(clientPaths(s.first.identifier).conversations(s.y.pubsub_token))],
    ['the inbox id instead of its identifier', () => api().get(clientPaths(String(s.first.id)).conversations(s.y.source_id))],
    ["X's second session's source_id under the first inbox", () => api().get(clientPaths(s.first.identifier).conversation(s.x2.source_id, s.cx2))],
  ];
  it('each is refused', async () => {
    for (const [title, send] of cases())
      await expectRefused(server, send, 404, CLIENT_NOT_FOUND).catch((error) => {
        throw new Error(`${title}: ${error}`);
      });
  });
});

describe("another account's session", () => {
  const foreignSession = () =>
    ({
      source_id: s.foreign.contactInbox.sourceId,
      paths: clientPaths(s.foreignInbox),
    }) as ClientSession;

  it('sees its own conversation, not the display ids of this account', async () => {
    const own = await api().get(sessionPaths(foreignSession()).conversations);
    expect(own.status).toBe(200);
    expect(own.body.map((c: { id: number }) => c.id)).toEqual([s.foreign.conversation.displayId]);
    expect(own.text).not.toContain('y secret');
    for (const displayId of [s.cx1, s.cx2, s.cy].filter((id) => id !== s.foreign.conversation.displayId))
      for (const [title, send] of conversationCalls(foreignSession(), displayId, s.my))
        await expectRefused(server, send, 404, CLIENT_NOT_FOUND).catch((error) => {
          throw new Error(`${title} on ${displayId}: ${error}`);
        });
  });

  it("this account's sessions do not reach its conversation by display id", async () => {
    const displayId = s.foreign.conversation.displayId;
    const reply = await api().get(sessionPaths(s.y).conversation(displayId));
    // Display ids are per account: the same number names this account's conversation (not Y's here), never the foreign one.
    expect(displayId).not.toBe(s.cy);
    expect(reply.status).toBe(404);
    expect(reply.text).not.toContain('foreign secret');
  });
});

describe('a verified session', () => {
  beforeAll(async () => {
    const proof = `identifier=${s.identifier}&identifier_hash=${hmac(s.first.hmacToken, s.identifier)}`;
    const reply = await api().get(`${sessionPaths(s.x1).contact}?${proof}`);
    expect(reply.status).toBe(200);
  });

  it("B3-2 lists every conversation of its contact in the account, not another account's with the same identifier", async () => {
    expect(await listed(s.x1)).toEqual([s.cx1, s.cx2].sort((a, b) => a - b));
    const reply = await api().get(sessionPaths(s.x1).conversations);
    expect(reply.text).not.toContain('foreign secret');
    // The other session of the contact is not verified and still sees only its own.
    expect(await listed(s.x2)).toEqual([s.cx2]);
  });

  it("shows, messages, reads and toggles its contact's conversation of the other inbox", async () => {
    const p = sessionPaths(s.x1);
    const shown = await api().get(p.conversation(s.cx2));
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id: s.cx2, inbox_id: s.second.id });
    const posted = await api().post(p.messages(s.cx2), { content: 'from the verified session' });
    expect(posted.status).toBe(200);
    const row = await db().message.findUniqueOrThrow({ where: { id: posted.body.id }, include: { conversation: true } });
    expect(row).toMatchObject({ senderContactId: s.x1.id, messageType: 'incoming', inboxId: s.second.id });
    expect((await api().get(p.messages(s.cx2))).body.map((m: { content: string }) => m.content)).toContain('from the verified session');
    expect((await api().patch(p.messages(s.cx2, `/${s.mx2}`), { submitted_values: [{ title: 'A' }] })).status).toBe(200);
    expect((await api().post(p.conversation(s.cx2, '/toggle_typing'), { typing_status: 'off' })).status).toBe(200);
    expect((await api().post(p.conversation(s.cx2, '/update_last_seen'))).status).toBe(200);
    const toggled = await api().post(p.conversation(s.cx2, '/toggle_status'));
    expect(toggled.status).toBe(200);
    expect(toggled.body.status).toBe('resolved');
  });

  it("still gets 404 on another contact's conversation, nothing written", async () => {
    for (const [title, send] of conversationCalls(s.x1, s.cy, s.my))
      await expectRefused(server, send, 404, CLIENT_NOT_FOUND).catch((error) => {
        throw new Error(`${title}: ${error}`);
      });
  });

  it("cannot prove another contact's identity (401) and stays on its own contact", async () => {
    const other = `crm-${randomUUID().slice(0, 8)}`;
    await openSession(server, s.first, { identifier: other });
    const reply = await api().get(`${sessionPaths(s.x1).contact}?identifier=${other}&identifier_hash=${hmac(s.first.hmacToken, other)}`);
    expect(reply.status).toBe(401);
    expect(await listed(s.x1)).toEqual([s.cx1, s.cx2].sort((a, b) => a - b));
  });
});

describe('a verified session whose contact is merged into another contact', () => {
  it('is verified no more and does not reach the other contact\'s conversations', async () => {
    const mine = `crm-${randomUUID().slice(0, 8)}`;
    const session = await openSession(server, s.first, { identifier: mine, identifier_hash: hmac(s.first.hmacToken, mine) });
    const own = await startConversation(server, session);
    const email = `target-${randomUUID().slice(0, 8)}@example.com`;
    const target = await openSession(server, s.second, { identifier: `crm-${randomUUID().slice(0, 8)}`, email });
    const theirs = await startConversation(server, target);
    await contactMessage(server, target, theirs, 'target private words');
    const merged = await api().patch(sessionPaths(session).contact, { email });
    expect(merged.status).toBe(200);
    expect(merged.body.id).toBe(target.id);
    const row = await db().contactInbox.findUniqueOrThrow({ where: { inboxId_sourceId: { inboxId: s.first.id, sourceId: session.source_id } } });
    expect(row).toMatchObject({ contactId: target.id, hmacVerified: false });
    expect(await listed(session)).toEqual([own]);
    for (const [title, send] of conversationCalls(session, theirs, s.mx2))
      await expectRefused(server, send, 404, CLIENT_NOT_FOUND).catch((error) => {
        throw new Error(`${title}: ${error}`);
      });
  });
});
