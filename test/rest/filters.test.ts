/**
 * Custom filters and search (spec/API.md §3.4, §3.5; CONFORMANCE.md G-10,
 * H-5, H-6): `POST /contacts/filter`, `POST /conversations/filter`,
 * `GET /conversations/search`, against the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { accountPath, addInboxMember, adminApi, createAgent, createContactInInbox, createConversation, createInbox, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const db = () => server.app.database.prisma;
const path = (p: string) => accountPath(server, p);
const api = () => adminApi(server);

type Condition = { attribute_key: string; filter_operator: string; values?: unknown; query_operator?: string | null };
const condition = (attribute_key: string, filter_operator: string, values?: unknown, query_operator?: string): Condition => ({
  attribute_key,
  filter_operator,
  values,
  ...(query_operator ? { query_operator } : {}),
});

async function newContact(body: Record<string, unknown>) {
  const reply = await api().post(path('/contacts'), { name: unique('Contact'), email: `${unique('c')}@example.com`, ...body });
  expect(reply.status).toBe(200);
  return reply.body.payload.contact as { id: number; name: string; email: string };
}

const filterContacts = (payload: unknown, query = '') => api().post(path(`/contacts/filter${query}`), { payload });
const ids = (reply: { body: { payload: { id: number }[] } }) => reply.body.payload.map((c) => c.id).sort((a, b) => a - b);

describe('POST /contacts/filter', () => {
  it('G-10 country_code equal_to ["US"] finds both US contacts (case-insensitive), in the list shape', async () => {
    const city = unique('City');
    const us1 = await newContact({ additional_attributes: { country_code: 'US', city } });
    const us2 = await newContact({ additional_attributes: { country_code: 'us', city } });
    await newContact({ additional_attributes: { country_code: 'CA', city } });
    const reply = await filterContacts([condition('country_code', 'equal_to', ['US'], 'and'), condition('city', 'equal_to', [city])]);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(['meta', 'payload']);
    expect(reply.body.meta).toEqual({ count: 2, current_page: 1 });
    expect(ids(reply)).toEqual([us1.id, us2.id].sort((a, b) => a - b));
    expect(reply.body.payload[0]).toHaveProperty('contact_inboxes');
  });

  it('G-10 operator eq → 422 naming the allowed operators', async () => {
    const reply = await filterContacts([condition('country_code', 'eq', ['US'])]);
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ error: 'Invalid operator. The allowed operators for country_code are [equal_to,not_equal_to].' });
  });

  it('G-10 empty values → 422 Invalid value', async () => {
    for (const values of [[], undefined, '', null]) {
      const reply = await filterContacts([condition('country_code', 'equal_to', values)]);
      expect(reply.status).toBe(422);
      expect(reply.body).toEqual({ error: 'Invalid value. The values provided for country_code are invalid' });
    }
  });

  it('G-10 an unknown or custom attribute key → 422 Invalid attribute key', async () => {
    for (const key of ['favourite_colour', 'status']) {
      const reply = await filterContacts([condition(key, 'equal_to', ['x'])]);
      expect(reply.status).toBe(422);
      expect(reply.body.error).toContain(`Invalid attribute key - [${key}]. The key should be one of [name,phone_number,email,`);
    }
  });

  it('G-10 chains conditions with AND binding tighter than OR', async () => {
    const [cityX, cityY] = [unique('X'), unique('Y')];
    const a = await newContact({ name: unique('Ann'), additional_attributes: { city: cityX } });
    const c = await newContact({ name: unique('Cid'), additional_attributes: { city: cityX } });
    await newContact({ name: unique('Bob'), additional_attributes: { city: cityY } });
    // name = A OR (name = C AND city = Y): only A (left to right would find nobody).
    const reply = await filterContacts([
      condition('name', 'equal_to', [a.name.toUpperCase()], 'or'),
      condition('name', 'equal_to', [c.name], 'AND'),
      condition('city', 'equal_to', [cityY]),
    ]);
    expect(reply.status).toBe(200);
    expect(ids(reply)).toEqual([a.id]);
  });

  it('G-10 text operators: contains, does_not_contain, phone_number equal_to and starts_with', async () => {
    const city = unique('Town');
    const tag = unique('tag').toLowerCase();
    const one = await newContact({ email: `${tag}-one@example.com`, phone_number: '+15550001001', additional_attributes: { city } });
    const two = await newContact({ email: `${tag}-two@example.com`, phone_number: '+15550002002', additional_attributes: { city } });
    const inCity = condition('city', 'equal_to', [city], 'and');
    expect(ids(await filterContacts([inCity, condition('email', 'contains', [`${tag.toUpperCase()}-ONE`])]))).toEqual([one.id]);
    expect(ids(await filterContacts([inCity, condition('email', 'does_not_contain', ['-one@'])]))).toEqual([two.id]);
    expect(ids(await filterContacts([inCity, condition('phone_number', 'equal_to', ['15550002002'])]))).toEqual([two.id]);
    expect(ids(await filterContacts([inCity, condition('phone_number', 'starts_with', ['+1555000'])]))).toEqual(
      [one.id, two.id].sort((a, b) => a - b),
    );
    // Wildcards in a value are text: nothing contains a literal "%".
    expect(ids(await filterContacts([inCity, condition('email', 'contains', ['%'])]))).toEqual([]);
    // `sort` orders the page as on GET /contacts.
    const order = async (sort: string) =>
      (await filterContacts([condition('city', 'equal_to', [city])], `?sort=${sort}`)).body.payload.map((c: { id: number }) => c.id);
    expect(await order('email')).toEqual([one.id, two.id]);
    expect(await order('-email')).toEqual([two.id, one.id]);
  });

  it('G-10 labels, blocked and dates', async () => {
    const city = unique('Village');
    const inCity = condition('city', 'equal_to', [city], 'and');
    const label = unique('vip').toLowerCase();
    const labelled = await newContact({ additional_attributes: { city } });
    expect((await api().post(path(`/contacts/${labelled.id}/labels`), { labels: [label] })).status).toBe(200);
    const blocked = await newContact({ blocked: true, additional_attributes: { city } });
    expect(ids(await filterContacts([inCity, condition('labels', 'equal_to', [label])]))).toEqual([labelled.id]);
    expect(ids(await filterContacts([inCity, condition('labels', 'is_not_present')]))).toEqual([blocked.id]);
    expect(ids(await filterContacts([inCity, condition('blocked', 'equal_to', [true])]))).toEqual([blocked.id]);
    expect(ids(await filterContacts([inCity, condition('blocked', 'not_equal_to', ['true'])]))).toEqual([labelled.id]);
    const both = [labelled.id, blocked.id].sort((a, b) => a - b);
    expect(ids(await filterContacts([inCity, condition('created_at', 'is_greater_than', ['2000-01-01'])]))).toEqual(both);
    expect(ids(await filterContacts([inCity, condition('created_at', 'is_less_than', ['2000-01-01'])]))).toEqual([]);
    expect(ids(await filterContacts([inCity, condition('created_at', 'days_before', ['3'])]))).toEqual([]);
    const badDate = await filterContacts([condition('created_at', 'is_greater_than', ['not a date'])]);
    expect(badDate.status).toBe(422);
    expect(badDate.body).toEqual({ error: 'Invalid value. The values provided for created_at are invalid' });
  });

  it('G-10 leaves out contacts without email, phone number or identifier, and pages 15 at a time', async () => {
    const city = unique('Hamlet');
    await api().post(path('/contacts'), { name: 'Anonymous', additional_attributes: { city } });
    for (let i = 0; i < 16; i++) await newContact({ additional_attributes: { city } });
    const payload = [condition('city', 'equal_to', [city])];
    const first = await filterContacts(payload);
    expect(first.body.meta).toEqual({ count: 16, current_page: 1 });
    expect(first.body.payload).toHaveLength(15);
    const second = await api().post(path('/contacts/filter?page=2'), { payload });
    expect(second.body.meta).toEqual({ count: 16, current_page: 2 });
    expect(second.body.payload).toHaveLength(1);
  });

  it('G-10 bad payloads → 422 with an error, never a 500', async () => {
    const cases: [unknown, string][] = [
      [undefined, 'param is missing or the value is empty: payload'],
      [{ attribute_key: 'name' }, 'payload should be an array of conditions'],
      ['name', 'payload should be an array of conditions'],
      [[1, 2], 'payload should be an array of conditions'],
      [[condition('name', 'equal_to', ['x'], 'XOR')], 'Query operator must be either "AND" or "OR".'],
      [[condition('name', 'equal_to', [{ nested: true }])], 'Invalid value. The values provided for name are invalid'],
    ];
    for (const [payload, error] of cases) {
      const reply = await api().post(path('/contacts/filter'), payload === undefined ? {} : { payload });
      expect(reply.status, JSON.stringify(payload)).toBe(422);
      expect(reply.body).toEqual({ error });
    }
    expect((await client(server.url, null).post(path('/contacts/filter'), { payload: [] })).status).toBe(401);
  });
});

/** A fresh inbox with a member agent and `count` open conversations. */
async function inboxWithConversations(count: number) {
  const inbox = await createInbox(server);
  const conversations: { id: number }[] = [];
  for (let i = 0; i < count; i++) {
    const { sourceId } = await createContactInInbox(server, inbox.id);
    conversations.push(await createConversation(server, sourceId));
  }
  return { inbox, conversations, displayIds: conversations.map((c) => c.id).sort((a, b) => a - b) };
}

const filterConversations = (payload: unknown, token = server.adminToken, query = '') =>
  client(server.url, token).post(path(`/conversations/filter${query}`), { payload });
const displayIds = (reply: { body: { payload: { id: number }[] } }) => reply.body.payload.map((c) => c.id).sort((a, b) => a - b);
const inInbox = (inboxId: number) => condition('inbox_id', 'equal_to', [inboxId], 'and');

describe('POST /conversations/filter', () => {
  it('H-6 status equal_to open → 200 {meta, payload} with the counts', async () => {
    const { inbox, displayIds: expected } = await inboxWithConversations(2);
    const reply = await filterConversations([inInbox(inbox.id), condition('status', 'equal_to', ['open'])]);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(['meta', 'payload']);
    expect(reply.body.meta).toEqual({ mine_count: 0, unassigned_count: 2, all_count: 2 });
    expect(displayIds(reply)).toEqual(expected);
    expect(reply.body.payload[0]).toMatchObject({ inbox_id: inbox.id, status: 'open' });
    expect(reply.body.payload[0]).toHaveProperty('meta.sender');
  });

  it('H-6 an invalid attribute → 422 Invalid attribute key - [phone_number]', async () => {
    const reply = await filterConversations([condition('phone_number', 'equal_to', ['123'])]);
    expect(reply.status).toBe(422);
    expect(reply.body.error).toContain('Invalid attribute key - [phone_number]');
  });

  it('H-6 an invalid operator → 422 with the exact message', async () => {
    const reply = await filterConversations([condition('status', 'contains', ['open'])]);
    expect(reply.status).toBe(422);
    expect(reply.body.error).toBe('Invalid operator. The allowed operators for status are [equal_to,not_equal_to].');
  });

  it('H-6 an agent finds only conversations of their inboxes', async () => {
    const mine = await inboxWithConversations(1);
    const other = await inboxWithConversations(1);
    const agent = await createAgent(server);
    await addInboxMember(server, mine.inbox.id, agent.id);
    const payload = [condition('inbox_id', 'equal_to', [mine.inbox.id, other.inbox.id], 'and'), condition('status', 'equal_to', ['all'])];
    const asAgent = await filterConversations(payload, agent.token);
    expect(asAgent.status).toBe(200);
    expect(displayIds(asAgent)).toEqual(mine.displayIds);
    expect(asAgent.body.meta.all_count).toBe(1);
    const asAdmin = await filterConversations(payload);
    expect(displayIds(asAdmin)).toEqual([...mine.displayIds, ...other.displayIds].sort((a, b) => a - b));
  });

  it('H-6 status, assignee, priority, labels, additional attributes and dates', async () => {
    const { inbox, conversations } = await inboxWithConversations(3);
    const [first, second, third] = conversations.map((c) => c.id) as [number, number, number];
    const agent = await createAgent(server);
    await addInboxMember(server, inbox.id, agent.id);
    const conversationPath = (id: number, suffix: string) => path(`/conversations/${id}${suffix}`);
    expect((await api().post(conversationPath(first, '/assignments'), { assignee_id: agent.id })).status).toBe(200);
    expect((await api().post(conversationPath(second, '/toggle_status'), { status: 'resolved' })).status).toBe(200);
    expect((await api().post(conversationPath(third, '/toggle_priority'), { priority: 'urgent' })).status).toBe(200);
    expect((await api().post(conversationPath(third, '/labels'), { labels: ['billing'] })).status).toBe(200);
    const row = await db().conversation.findFirstOrThrow({ where: { accountId: server.accountId, displayId: first } });
    await db().conversation.update({ where: { id: row.id }, data: { additionalAttributes: { browser_language: 'de', referer: 'https://shop.example.com/cart' } } });

    const find = async (...conditions: Condition[]) => displayIds(await filterConversations([inInbox(inbox.id), ...conditions]));
    expect(await find(condition('status', 'not_equal_to', ['open']))).toEqual([second]);
    expect(await find(condition('status', 'equal_to', ['nonsense']))).toEqual([]);
    expect(await find(condition('assignee_id', 'equal_to', [String(agent.id)]))).toEqual([first]);
    expect(await find(condition('assignee_id', 'is_present'))).toEqual([first]);
    expect(await find(condition('assignee_id', 'is_not_present'))).toEqual([second, third]);
    expect(await find(condition('priority', 'equal_to', ['urgent']))).toEqual([third]);
    expect(await find(condition('labels', 'equal_to', ['billing']))).toEqual([third]);
    expect(await find(condition('labels', 'not_equal_to', ['billing']))).toEqual([first, second]);
    expect(await find(condition('browser_language', 'equal_to', ['de']))).toEqual([first]);
    expect(await find(condition('referer', 'contains', ['SHOP.example']))).toEqual([first]);
    expect(await find(condition('display_id', 'equal_to', [second]))).toEqual([second]);
    expect(await find(condition('campaign_id', 'is_not_present'))).toEqual([first, second, third]);
    expect(await find(condition('created_at', 'is_greater_than', ['2001-02-03T04:05:06Z']))).toEqual([first, second, third]);
    expect(await find(condition('last_activity_at', 'days_before', [1]))).toEqual([]);
    // OR across the inbox condition: (inbox AND first) OR (inbox AND third).
    const either = await filterConversations([
      inInbox(inbox.id),
      condition('display_id', 'equal_to', [first], 'or'),
      inInbox(inbox.id),
      condition('display_id', 'equal_to', [third]),
    ]);
    expect(displayIds(either)).toEqual([first, third]);
    // The agent's own counts.
    const asAgent = await filterConversations([inInbox(inbox.id), condition('status', 'equal_to', ['all'])], agent.token);
    expect(asAgent.body.meta).toEqual({ mine_count: 1, unassigned_count: 2, all_count: 3 });
  });

  it('H-6 pages 25 conversations at a time, most recent activity first', async () => {
    const { inbox, conversations } = await inboxWithConversations(26);
    const payload = [inInbox(inbox.id), condition('status', 'equal_to', ['open'])];
    const first = await filterConversations(payload);
    expect(first.body.payload).toHaveLength(25);
    expect(first.body.meta.all_count).toBe(26);
    expect(first.body.payload[0].id).toBe(conversations.at(-1)!.id);
    const second = await filterConversations(payload, server.adminToken, '?page=2');
    expect(second.body.payload.map((c: { id: number }) => c.id)).toEqual([conversations[0]!.id]);
  });

  it('H-6 bad input → 422 with an error, never a 500', async () => {
    const cases: [unknown, string][] = [
      [undefined, 'param is missing or the value is empty: payload'],
      [{}, 'payload should be an array of conditions'],
      [[condition('inbox_id', 'equal_to', ['abc'])], 'Invalid value. The values provided for inbox_id are invalid'],
      [[condition('status', 'equal_to', [])], 'Invalid value. The values provided for status are invalid'],
      [[condition('status', 'equal_to', ['open'], 'nand')], 'Query operator must be either "AND" or "OR".'],
      [[condition('created_at', 'days_before', ['soon'])], 'Invalid value. The values provided for created_at are invalid'],
    ];
    for (const [payload, error] of cases) {
      const reply = await api().post(path('/conversations/filter'), payload === undefined ? {} : { payload });
      expect(reply.status, JSON.stringify(payload)).toBe(422);
      expect(reply.body).toEqual({ error });
    }
    expect((await client(server.url, null).post(path('/conversations/filter'), { payload: [] })).status).toBe(401);
  });
});

describe('GET /conversations/search', () => {
  async function conversationWithMessages(contents: { content: string; message_type?: string; private?: boolean }[]) {
    const seeded = await seedConversation(server);
    for (const body of contents) {
      const reply = await api().post(path(`/conversations/${seeded.conversation.id}/messages`), body);
      expect(reply.status).toBe(200);
    }
    return seeded;
  }

  it('H-5 q matches message content; only the matching messages are included', async () => {
    const word = unique('test1');
    const seeded = await conversationWithMessages([
      { content: `about ${word.toUpperCase()} here`, message_type: 'incoming' },
      { content: 'something else' },
      { content: `${word} in a note`, private: true },
    ]);
    await conversationWithMessages([{ content: 'nothing to see' }]);
    const reply = await api().get(path(`/conversations/search?q=${encodeURIComponent(word)}`));
    expect(reply.status).toBe(200);
    expect(reply.body.meta).toEqual({ mine_count: 0, unassigned_count: 1, all_count: 1 });
    expect(reply.body.payload).toHaveLength(1);
    const found = reply.body.payload[0];
    expect(Object.keys(found).sort()).toEqual(['account_id', 'contact', 'created_at', 'id', 'inbox', 'messages', 'uuid']);
    expect(found).toMatchObject({
      id: seeded.conversation.id,
      uuid: seeded.conversation.uuid,
      account_id: server.accountId,
      contact: { id: seeded.contactId, name: 'Jane Doe' },
      inbox: { id: seeded.inbox.id, channel_type: 'Channel::Api' },
    });
    expect(found.messages.map((m: { content: string }) => m.content)).toEqual([`about ${word.toUpperCase()} here`, `${word} in a note`]);
    expect(found.messages[0]).toMatchObject({ message_type: 0, sender_name: 'Jane Doe' });
    expect(found.messages[1]).toMatchObject({ message_type: 1, sender_name: expect.any(String) });
    expect(typeof found.messages[0].created_at).toBe('number');
  });

  it('H-5 an agent finds only conversations of their inboxes; resolved ones too', async () => {
    const word = unique('needle');
    const seen = await conversationWithMessages([{ content: word, message_type: 'incoming' }]);
    await conversationWithMessages([{ content: word, message_type: 'incoming' }]);
    expect((await api().post(path(`/conversations/${seen.conversation.id}/toggle_status`), { status: 'resolved' })).status).toBe(200);
    const agent = await createAgent(server);
    await addInboxMember(server, seen.inbox.id, agent.id);
    const reply = await client(server.url, agent.token).get(path(`/conversations/search?q=${word}`));
    expect(reply.status).toBe(200);
    expect(reply.body.payload.map((c: { id: number }) => c.id)).toEqual([seen.conversation.id]);
    expect(reply.body.meta.all_count).toBe(1);
  });

  it('H-5 q is text, not a pattern; no token → 401', async () => {
    const word = unique('sale');
    await conversationWithMessages([{ content: `${word}: 50 percent off`, message_type: 'incoming' }]);
    const asPattern = await api().get(path(`/conversations/search?q=${encodeURIComponent(`${word}%off`)}`));
    expect(asPattern.status).toBe(200);
    expect(asPattern.body).toEqual({ meta: { mine_count: 0, unassigned_count: 0, all_count: 0 }, payload: [] });
    const asText = await api().get(path(`/conversations/search?q=${encodeURIComponent(`${word}: 50`)}`));
    expect(asText.body.meta.all_count).toBe(1);
    expect((await client(server.url, null).get(path('/conversations/search?q=x'))).status).toBe(401);
  });
});

describe('paging edge cases', () => {
  it('G-10 H-6 H-5 a huge or malformed page answers an empty page, never a 500', async () => {
    for (const page of ['999999999999999', 'abc', '-3']) {
      const contacts = await api().post(path(`/contacts/filter?page=${page}`), { payload: [] });
      expect(contacts.status, `contacts page ${page}`).toBe(200);
      const conversations = await api().post(path(`/conversations/filter?page=${page}`), { payload: [] });
      expect(conversations.status, `conversations page ${page}`).toBe(200);
      const search = await api().get(path(`/conversations/search?q=x&page=${page}`));
      expect(search.status, `search page ${page}`).toBe(200);
    }
  });
});
