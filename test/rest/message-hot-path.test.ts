/**
 * The message-creation hot path (bench/rest): what one REST create sends to
 * the database, and that what it no longer re-reads (credentials, webhook
 * destinations) still follows every change to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { accountPath, adminApi, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { messageViewInclude, presentMessage } from '../../src/domain/messages/presenter.ts';
import { loadMessageView } from '../../src/domain/messages/view-sql.ts';
import { messageInsert } from '../../src/domain/messages/insert.ts';
import { Prisma } from '../../src/generated/prisma/client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const messagesPath = (id: number) => accountPath(server, `/conversations/${id}/messages`);

/** The SQL statements the server sends while `work` runs. */
async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
  const statements: string[] = [];
  const stop = server.app.database.onStatement((sql) => statements.push(sql.replace(/\s+/g, ' ').trim()));
  try {
    await work();
  } finally {
    stop();
  }
  return statements;
}

const deliveriesOf = (messageId: number) =>
  server.app.database.prisma.webhookDelivery.findMany({
    where: { eventName: 'message_created', event: { data: { path: ['messageId'], equals: messageId } } },
    select: { destination: true, url: true },
  });

describe('creating a message over REST', () => {
  it('locks and reads the conversation once and writes in one statement', async () => {
    const { conversation } = await seedConversation(server);
    const post = (content: string) => adminApi(server).post(messagesPath(conversation.id), { content, message_type: 'incoming' });
    expect((await post('warm-up')).status).toBe(200);

    const statements = await statementsOf(async () => expect((await post('hello')).status).toBe(200));
    // PostgreSQL's adapter sends COMMIT as a statement, PGlite's does not.
    const kinds = statements.map((sql) => sql.split(' ').slice(0, 3).join(' ')).filter((kind) => kind !== 'COMMIT');
    expect(statements[0]).toMatch(/FROM conversations c .* FOR UPDATE OF c$/);
    // The message's INSERT and the conversation's and the contact's updates ride in the event's INSERT;
    // the contact's message needs no read-back.
    expect(kinds.slice(1)).toEqual(['WITH change_0 AS']);
    expect(statements[1]).toMatch(
      /^WITH change_0 AS \( INSERT INTO messages .*\),\s*change_1 AS \(UPDATE conversations .*\),\s*change_2 AS \(UPDATE contacts .*\) INSERT INTO events/,
    );
    // Nothing re-reads the token, the membership or the webhook destinations while they stay unchanged.
    const rootTable = (sql: string) => /FROM "public"\."(\w+)" AS "t0"/.exec(sql)?.[1];
    expect(statements.map(rootTable).filter((table) => table && table !== 'messages')).toEqual([]);
  });

  it('sees a token reset at once, though message writes keep the credentials cached', async () => {
    const agent = await createAgent(server, 'administrator');
    const { conversation } = await seedConversation(server);
    const api = client(server.url, agent.token);
    expect((await api.post(messagesPath(conversation.id), { content: 'one' })).status).toBe(200);
    const reset = await api.post('/api/v1/profile/reset_access_token', {});
    expect(reset.status).toBe(200);
    expect((await api.post(messagesPath(conversation.id), { content: 'two' })).status).toBe(401);
    expect((await client(server.url, reset.body.access_token).post(messagesPath(conversation.id), { content: 'three' })).status).toBe(200);
  });

  it('plans deliveries for a webhook added, changed or removed since the last message', async () => {
    const { conversation } = await seedConversation(server);
    const send = async (content: string) => {
      const reply = await adminApi(server).post(messagesPath(conversation.id), { content, message_type: 'incoming' });
      expect(reply.status).toBe(200);
      return deliveriesOf(reply.body.id);
    };
    expect(await send('before any webhook')).toEqual([]);

    const created = await adminApi(server).post(accountPath(server, '/webhooks'), {
      url: 'https://hooks.example.invalid/hot-path/1',
      subscriptions: ['message_created'],
    });
    expect(created.status).toBe(200);
    const id = created.body.payload.webhook.id;
    expect(await send('after it was added')).toEqual([{ destination: 'account_webhook', url: 'https://hooks.example.invalid/hot-path/1' }]);

    const moved = await adminApi(server).patch(accountPath(server, `/webhooks/${id}`), { url: 'https://hooks.example.invalid/hot-path/2' });
    expect(moved.status).toBe(200);
    expect(await send('after it moved')).toEqual([{ destination: 'account_webhook', url: 'https://hooks.example.invalid/hot-path/2' }]);

    expect((await adminApi(server).delete(accountPath(server, `/webhooks/${id}`))).status).toBe(200);
    expect(await send('after it was removed')).toEqual([]);
  });

  it('plans a delivery to the inbox webhook_url once it is set', async () => {
    const { inbox, conversation } = await seedConversation(server);
    const send = async () => {
      const reply = await adminApi(server).post(messagesPath(conversation.id), { content: 'hi', message_type: 'incoming' });
      expect(reply.status).toBe(200);
      return deliveriesOf(reply.body.id);
    };
    expect(await send()).toEqual([]);
    const updated = await adminApi(server).patch(accountPath(server, `/inboxes/${inbox.id}`), {
      channel: { webhook_url: 'https://hooks.example.invalid/hot-path/inbox' },
    });
    expect(updated.status).toBe(200);
    expect(await send()).toEqual([{ destination: 'api_inbox_webhook', url: 'https://hooks.example.invalid/hot-path/inbox' }]);
  });

  it('marks the contact active when the contact sends', async () => {
    const { conversation, contactId } = await seedConversation(server);
    const before = await server.app.database.prisma.contact.findUniqueOrThrow({ where: { id: contactId } });
    const reply = await adminApi(server).post(messagesPath(conversation.id), { content: 'hi', message_type: 'incoming' });
    expect(reply.status).toBe(200);
    const after = await server.app.database.prisma.contact.findUniqueOrThrow({ where: { id: contactId } });
    expect(after.lastActivityAt?.getTime()).toBe(reply.body.created_at * 1000 + (after.lastActivityAt!.getTime() % 1000));
    expect(before.lastActivityAt?.getTime() ?? 0).toBeLessThan(after.lastActivityAt!.getTime());
    const shown = await adminApi(server).get(accountPath(server, `/contacts/${contactId}`));
    expect(shown.body.payload.last_activity_at).toBe(Math.floor(after.lastActivityAt!.getTime() / 1000));
  });

  it('answers with what Prisma would load and present, for a contact, a user and a bot as sender', async () => {
    const { conversation } = await seedConversation(server);
    const bot = await server.app.database.prisma.agentBot.create({
      data: { accountId: server.accountId, name: 'View bot', description: 'checks the view', botConfig: { a: 1 } },
    });
    const post = (body: object) => adminApi(server).post(messagesPath(conversation.id), body);
    const sent = [
      await post({ content: 'from the contact', message_type: 'incoming', content_attributes: { x: { y: 'z' } } }),
      await post({ content: 'from the admin', echo_id: 'e-1', private: true }),
      await post({ content: 'from the bot', sender_type: 'AgentBot', sender_id: bot.id, external_created_at: 1_700_000_000 }),
    ];
    for (const reply of sent) {
      expect(reply.status).toBe(200);
      const prismaView = await server.app.database.prisma.message.findUniqueOrThrow({
        where: { id: reply.body.id },
        include: messageViewInclude(server.accountId),
      });
      const sqlView = await server.app.database.transaction((_tx, sql) => loadMessageView(sql, server.accountId, reply.body.id));
      expect(sqlView).toEqual(prismaView);
      // The answer (assembled without a read for the contact's message) is what the stored message presents.
      expect(reply.body).toEqual(presentMessage(prismaView));
    }
    expect(sent.map((reply) => reply.body.sender.type)).toEqual(['contact', 'user', 'agent_bot']);
  });

  it('knows the row a message INSERT writes, the defaults of the columns it leaves out included', async () => {
    const { conversation } = await seedConversation(server);
    const prisma = server.app.database.prisma;
    const stored = await prisma.conversation.findFirstOrThrow({ where: { accountId: server.accountId, displayId: conversation.id } });
    const [written, read] = await server.app.database.rawTransaction(async (sql) => {
      const [reserved] = await sql.rows<{ id: number }>(Prisma.sql`SELECT nextval('messages_id_seq')::int AS id`);
      const insert = messageInsert(
        reserved!.id,
        stored,
        { messageType: 'incoming', content: 'x', contentAttributes: { a: { b: 1 } }, sourceId: 's-1', senderType: 'Contact', senderContactId: stored.contactId },
        new Date(),
      );
      await sql.execute(insert.statement);
      const [row] = await sql.rows<{ row: Record<string, unknown> }>(Prisma.sql`SELECT to_jsonb(m) AS row FROM messages m WHERE id = ${reserved!.id}`);
      return [insert.row, row!.row];
    });
    const times = (row: Record<string, unknown>) => ({ ...row, created_at: Date.parse(String(row.created_at)), updated_at: Date.parse(String(row.updated_at)) });
    expect(times(written)).toEqual(times(read));
  });
});
