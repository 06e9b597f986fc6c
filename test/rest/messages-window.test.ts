/**
 * One message window (src/domain/messages/window.ts) behind REST's
 * `GET …/conversations/{id}/messages` and the Client API's list: internal
 * messages (private notes, activity) are left out in the query, so a page of
 * `filter_internal_messages=true` is as full as the chat messages allow, and
 * `before` / `after` page over the filtered set with REST's sizes (20 latest,
 * 20 before, up to 100 after, [after, before) up to 1000). The interleavings
 * of chat and internal messages are generated.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { accountPath, adminApi, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { fuzzParameters } from '../fuzz/settings.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

type Kind = 'incoming' | 'outgoing' | 'private' | 'activity';
const isChat = (kind: Kind) => kind === 'incoming' || kind === 'outgoing';

/**
 * 21 to 45 chat messages, each preceded by up to 3 internal ones, and up to
 * 3 internal ones at the end: always more chat messages than one page holds.
 */
const interleavings = fc
  .record({
    chats: fc.array(
      fc.record({
        before: fc.array(fc.constantFrom<Kind>('private', 'activity'), { maxLength: 3 }),
        kind: fc.constantFrom<Kind>('incoming', 'outgoing'),
      }),
      { minLength: 21, maxLength: 45 },
    ),
    tail: fc.array(fc.constantFrom<Kind>('private', 'activity'), { maxLength: 3 }),
  })
  .map(({ chats, tail }) => [...chats.flatMap(({ before, kind }) => [...before, kind]), ...tail]);

/** Writes the messages in this order into a new conversation; its display id and the messages, ascending by id. */
async function conversationWith(kinds: Kind[]) {
  const seeded = await seedConversation(server);
  const prisma = server.app.database.prisma;
  const conversation = await prisma.conversation.findFirstOrThrow({
    where: { accountId: server.accountId, displayId: seeded.conversation.id },
  });
  const written: { id: number; kind: Kind }[] = [];
  for (const [index, kind] of kinds.entries()) {
    const message = await prisma.message.create({
      data: {
        accountId: conversation.accountId,
        inboxId: conversation.inboxId,
        conversationId: conversation.id,
        messageType: kind === 'private' ? 'outgoing' : kind,
        private: kind === 'private',
        content: `${kind} ${index}`,
      },
    });
    written.push({ id: message.id, kind });
  }
  return { ...seeded, written };
}

describe('GET /conversations/{id}/messages over one window', () => {
  it('fills every page with chat messages when internal ones are filtered, and pages over the filtered set', async () => {
    await fc.assert(
      fc.asyncProperty(interleavings, async (kinds) => {
        const { conversation, inbox, sourceId, written } = await conversationWith(kinds);
        const all = written.map((m) => m.id);
        const chat = written.filter((m) => isChat(m.kind)).map((m) => m.id);
        const path = accountPath(server, `/conversations/${conversation.id}/messages`);
        const list = async (query: string) => {
          const reply = await adminApi(server).get(`${path}?${query}`);
          expect(reply.status).toBe(200);
          return (reply.body.payload as { id: number; private: boolean; message_type: number }[]).map((m) => m.id);
        };

        // The latest 20 chat messages: a full page, however many internal ones lie between them.
        const latest = await list('filter_internal_messages=true');
        expect(latest).toEqual(chat.slice(-20));
        expect(latest).toHaveLength(20);
        // Unfiltered, the latest 20 of all.
        expect(await list('')).toEqual(all.slice(-20));

        // `before`: the 20 chat messages older than the page's first.
        const oldest = latest[0]!;
        expect(await list(`filter_internal_messages=true&before=${oldest}`)).toEqual(chat.filter((id) => id < oldest).slice(-20));
        // `before` an internal message's id pages from there, too.
        const internal = written.filter((m) => !isChat(m.kind)).at(-1);
        if (internal)
          expect(await list(`filter_internal_messages=true&before=${internal.id}`)).toEqual(chat.filter((id) => id < internal.id).slice(-20));

        // `after`: up to 100 newer chat messages, ascending.
        const from = all[Math.floor(all.length / 3)]!;
        expect(await list(`filter_internal_messages=true&after=${from}`)).toEqual(chat.filter((id) => id > from).slice(0, 100));
        expect(await list(`after=${from}`)).toEqual(all.filter((id) => id > from).slice(0, 100));

        // Both: ids in [after, before), up to 1000.
        const to = all[Math.floor((all.length * 2) / 3)]!;
        expect(await list(`filter_internal_messages=true&after=${from}&before=${to}`)).toEqual(chat.filter((id) => id >= from && id < to));
        expect(await list(`after=${from}&before=${to}`)).toEqual(all.filter((id) => id >= from && id < to));

        // The contact's list (Client API) is the same window, never with internal messages.
        const contactPath = `/public/api/v1/inboxes/${inbox.inbox_identifier}/contacts/${sourceId}/conversations/${conversation.id}/messages`;
        const contactList = async (query: string) => {
          const reply = await client(server.url, null).get(`${contactPath}${query}`);
          expect(reply.status).toBe(200);
          return (reply.body as { id: number }[]).map((m) => m.id);
        };
        expect(await contactList('')).toEqual(chat.slice(-20));
        expect(await contactList(`?before=${oldest}`)).toEqual(chat.filter((id) => id < oldest).slice(-20));
      }),
      fuzzParameters(5),
    );
  });
});
