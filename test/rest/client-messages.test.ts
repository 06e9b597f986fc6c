/**
 * The Client API's message endpoints (spec/API.md §5.1, §5.2; CONFORMANCE.md
 * B4-1 … B4-8 except the attachment upload B4-4): the latest 20 and `before`,
 * a contact's message (always incoming, sent by the contact, presented
 * without echo id, status or privacy flag), the content limit, submitted
 * values and CSAT answers, and the `message_created` webhook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefused, invalidRecord } from '../support/bad-input.ts';
import { request } from '../support/http.ts';
import {
  CLIENT_NOT_FOUND,
  agentMessage,
  clientInbox,
  contactMessage,
  openSession,
  publicApi,
  sessionPaths,
  startConversation,
  type ClientInbox,
} from '../support/client-api.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.ts';

let server: TestServer;
let sink: WebhookSink;
let inbox: ClientInbox;
beforeAll(async () => {
  server = await startServer();
  sink = await startWebhookSink();
  inbox = await clientInbox(server, { webhookUrl: `${sink.url}/client-messages` });
});
afterAll(async () => {
  await server?.stop();
  await sink?.close();
});

const db = () => server.app.database.prisma;
const api = () => publicApi(server);

/** A session with a conversation of its own. */
async function scene(name = 'Message Contact') {
  const session = await openSession(server, inbox, { name });
  const displayId = await startConversation(server, session);
  return { session, displayId, paths: sessionPaths(session) };
}

const messageRow = (id: number) => db().message.findUniqueOrThrow({ where: { id } });

/** An interactive message from the agent side; `daysAgo` moves its creation back. */
async function interactive(displayId: number, contentType: 'input_select' | 'input_csat', daysAgo = 0) {
  const id = await agentMessage(server, displayId, {
    content: contentType === 'input_csat' ? 'Rate us' : 'Pick one',
    content_type: contentType,
    ...(contentType === 'input_select' ? { content_attributes: { items: [{ title: 'Yes', value: 'yes' }] } } : {}),
  });
  if (daysAgo > 0) await db().message.update({ where: { id }, data: { createdAt: new Date(Date.now() - daysAgo * 86_400_000) } });
  return id;
}

describe('GET …/messages', () => {
  it('B4-1 lists the conversation\'s messages (two)', async () => {
    const { session, displayId, paths } = await scene();
    await contactMessage(server, session, displayId, 'one');
    await agentMessage(server, displayId, { content: 'two' });
    const reply = await api().get(paths.messages(displayId));
    expect(reply.status).toBe(200);
    expect(reply.body.map((m: { content: string }) => m.content)).toEqual(['one', 'two']);
  });

  it('answers the latest 20 ascending, and with `before` the 20 before that id; no private notes or activity', async () => {
    const { session, displayId, paths } = await scene();
    const ids: number[] = [];
    for (let i = 1; i <= 25; i++) ids.push((await contactMessage(server, session, displayId, `m${i}`)).id);
    await agentMessage(server, displayId, { content: 'secret note', private: true });
    const conversation = await db().conversation.findFirstOrThrow({ where: { accountId: server.accountId, displayId } });
    await db().message.create({
      data: { accountId: server.accountId, inboxId: inbox.id, conversationId: conversation.id, messageType: 'activity', content: 'activity' },
    });
    const latest = await api().get(paths.messages(displayId));
    expect(latest.status).toBe(200);
    expect(latest.body.map((m: { id: number }) => m.id)).toEqual(ids.slice(5));
    const before = await api().get(paths.messages(displayId, `?before=${ids[22]}`));
    expect(before.status).toBe(200);
    expect(before.body.map((m: { id: number }) => m.id)).toEqual(ids.slice(2, 22));
    const first = await api().get(paths.messages(displayId, `?before=${ids[2]}`));
    expect(first.body.map((m: { id: number }) => m.id)).toEqual(ids.slice(0, 2));
  });
});

describe('POST …/messages', () => {
  it('B4-2 B4-8 creates an incoming message sent by the contact, presented as PublicMessage', async () => {
    const { session, displayId, paths } = await scene('Sender Contact');
    const reply = await api().post(paths.messages(displayId), { content: 'hello', echo_id: 'echo-123', message_type: 'outgoing', private: true });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      id: expect.any(Number),
      content: 'hello',
      message_type: 0,
      content_type: 'text',
      content_attributes: {},
      created_at: expect.any(Number),
      conversation_id: displayId,
      sender: expect.objectContaining({ id: session.id, name: 'Sender Contact', type: 'contact' }),
    });
    expect(reply.body).not.toHaveProperty('attachments');
    const row = await messageRow(reply.body.id);
    expect(row).toMatchObject({ messageType: 'incoming', private: false, senderType: 'Contact', senderContactId: session.id, content: 'hello' });
  });

  it('accepts the content wrapped in `message`', async () => {
    const { displayId, paths } = await scene();
    const reply = await api().post(paths.messages(displayId), { message: { content: 'wrapped' } });
    expect(reply.status).toBe(200);
    expect(reply.body.content).toBe('wrapped');
  });

  it('B4-3 content of 150 001 characters → 422 with the record envelope, nothing written', async () => {
    const { displayId, paths } = await scene();
    await expectRefused(
      server,
      () => api().post(paths.messages(displayId), { content: 'a'.repeat(150_001) }),
      422,
      invalidRecord('Content is too long (maximum is 150000 characters)', 'content'),
    );
  });

  it('produces a message_created webhook whose sender is the contact', async () => {
    const { session, displayId } = await scene('Webhook Contact');
    const message = await contactMessage(server, session, displayId, 'webhook me');
    const hook = await sink.next((h) => h.body?.event === 'message_created' && h.body?.id === message.id);
    expect(hook.body).toMatchObject({
      event: 'message_created',
      content: 'webhook me',
      message_type: 'incoming',
      private: false,
      // ContactWebhook has no `type` key (spec/EVENTS.md §1).
      sender: { id: session.id, name: 'Webhook Contact', email: null },
      conversation: { id: displayId, contact_inbox: { source_id: session.source_id, contact_id: session.id } },
    });
    expect(hook.body.sender).not.toHaveProperty('type');
  });
});

describe('webhooks of the contact\'s actions', () => {
  it('toggle_status sends conversation_status_changed with the conversation resolved', async () => {
    const { displayId, paths } = await scene();
    expect((await api().post(paths.conversation(displayId, '/toggle_status'))).status).toBe(200);
    const hook = await sink.next((h) => h.body?.event === 'conversation_status_changed' && h.body?.id === displayId);
    expect(hook.body).toMatchObject({ status: 'resolved', inbox_id: inbox.id });
  });
});

describe('PATCH …/messages/{message_id}', () => {
  let s: Awaited<ReturnType<typeof scene>>;
  beforeAll(async () => {
    s = await scene();
  });
  const patch = (messageId: number, body: unknown) => api().patch(s.paths.messages(s.displayId, `/${messageId}`), body);

  it('B4-5 stores submitted values on an interactive message', async () => {
    const id = await interactive(s.displayId, 'input_select');
    const reply = await patch(id, { submitted_values: [{ title: 'test', value: 'yes', name: 'choice', ignored: 'x' }] });
    expect(reply.status).toBe(200);
    expect(reply.body.content_attributes.submitted_values).toEqual([{ title: 'test', value: 'yes', name: 'choice' }]);
    expect(reply.body.content_attributes.items).toEqual([{ title: 'Yes', value: 'yes' }]);
    expect(reply.body).not.toHaveProperty('status');
    expect(reply.body).not.toHaveProperty('private');
    expect((await messageRow(id)).contentAttributes).toMatchObject({ submitted_values: [{ title: 'test' }] });
  });

  it('PUT works too', async () => {
    const id = await interactive(s.displayId, 'input_select');
    const reply = await request(server.url, 'PUT', s.paths.messages(s.displayId, `/${id}`), { body: { submitted_values: [{ title: 'put' }] } });
    expect(reply.status).toBe(200);
    expect(reply.body.content_attributes.submitted_values).toEqual([{ title: 'put' }]);
  });

  it('B4-6 answers a CSAT survey: feedback_message and rating', async () => {
    const id = await interactive(s.displayId, 'input_csat');
    const reply = await patch(id, { submitted_values: { csat_survey_response: { rating: 4, feedback_message: 'amazing experience' } } });
    expect(reply.status).toBe(200);
    expect(reply.body.content_attributes.submitted_values.csat_survey_response).toEqual({ rating: 4, feedback_message: 'amazing experience' });
  });

  it('a CSAT survey of 14 days ago can still be answered', async () => {
    const id = await interactive(s.displayId, 'input_csat', 14);
    expect((await patch(id, { submitted_values: { csat_survey_response: { rating: 5 } } })).status).toBe(200);
  });

  it('B4-7 a CSAT survey older than 14 days → 422 {"error": …}, nothing written', async () => {
    const id = await interactive(s.displayId, 'input_csat', 15);
    await expectRefused(server, () => patch(id, { submitted_values: { csat_survey_response: { rating: 4 } } }), 422, {
      error: 'You cannot update the CSAT survey after 14 days',
    });
  });

  for (const rating of [0, 6, 4.5, 'abc', null])
    it(`a CSAT rating of ${JSON.stringify(rating)} → 422, nothing written`, async () => {
      const id = await interactive(s.displayId, 'input_csat');
      await expectRefused(
        server,
        () => patch(id, { submitted_values: { csat_survey_response: { rating, feedback_message: 'x' } } }),
        422,
        invalidRecord('Rating is not included in the list', 'rating'),
      );
    });

  it('a private note, an activity message or an unknown id → 404, nothing written', async () => {
    const note = await agentMessage(server, s.displayId, { content: 'note', private: true, content_type: 'input_select', content_attributes: { items: [{ title: 'A', value: 'a' }] } });
    const conversation = await db().conversation.findFirstOrThrow({ where: { accountId: server.accountId, displayId: s.displayId } });
    const activity = await db().message.create({
      data: { accountId: server.accountId, inboxId: inbox.id, conversationId: conversation.id, messageType: 'activity', content: 'a' },
    });
    for (const id of [note, activity.id, 99_999_999])
      await expectRefused(server, () => patch(id, { submitted_values: [{ title: 'x' }] }), 404, CLIENT_NOT_FOUND);
  });

  it("a message of another of the contact's conversations → 404, nothing written", async () => {
    const otherConversation = await startConversation(server, s.session);
    const elsewhere = await interactive(otherConversation, 'input_select');
    await expectRefused(server, () => patch(elsewhere, { submitted_values: [{ title: 'x' }] }), 404, CLIENT_NOT_FOUND);
    // Through its own conversation it works.
    const own = await api().patch(s.paths.messages(otherConversation, `/${elsewhere}`), { submitted_values: [{ title: 'x' }] });
    expect(own.status).toBe(200);
  });
});
