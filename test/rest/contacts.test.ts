/**
 * REST contacts and contact inboxes (spec/API.md §3.4; CONFORMANCE.md §G).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { accountPath, addInboxMember, adminApi, createAgent, createInbox } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';

let server: TestServer;
let n = 0;
const unique = (prefix: string) => `${prefix}${++n}x${process.pid}`;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const api = () => adminApi(server);
const path = (p: string) => accountPath(server, p);

async function newContact(body: Record<string, unknown> = {}) {
  const reply = await api().post(path('/contacts'), { name: unique('Contact '), email: `${unique('c')}@example.com`, ...body });
  expect(reply.status).toBe(200);
  return reply.body.payload.contact as { id: number; name: string; email: string };
}

async function labelled(label: string, body: Record<string, unknown> = {}) {
  const contact = await newContact(body);
  expect((await api().post(path(`/contacts/${contact.id}/labels`), { labels: [label] })).status).toBe(200);
  return contact;
}

describe('GET /contacts', () => {
  it('G-1 lists resolved contacts with their contact_inboxes source ids, 15 a page', async () => {
    const inbox = await createInbox(server);
    const sourceId = unique('src');
    const created = await api().post(path('/contacts'), { name: 'Listed', email: `${unique('l')}@example.com`, inbox_id: inbox.id, source_id: sourceId });
    const unresolved = await newContact({ email: undefined, name: unique('Nameonly') });
    const reply = await api().get(path('/contacts?sort=-created_at'));
    expect(reply.status).toBe(200);
    expect(reply.body.meta).toMatchObject({ current_page: 1 });
    expect(reply.body.payload.length).toBeLessThanOrEqual(15);
    const listed = reply.body.payload.find((c: { id: number }) => c.id === created.body.payload.contact.id);
    expect(listed.contact_inboxes.map((ci: { source_id: string }) => ci.source_id)).toEqual([sourceId]);
    expect(reply.body.payload.some((c: { id: number }) => c.id === unresolved.id)).toBe(false);
  });

  it('G-1 pages 15 contacts per page with meta.count', async () => {
    const label = unique('page');
    for (let i = 0; i < 16; i++) await labelled(label);
    const first = await api().get(path(`/contacts?labels[]=${label}`));
    expect(first.body.meta).toEqual({ count: 16, current_page: 1 });
    expect(first.body.payload).toHaveLength(15);
    const second = await api().get(path(`/contacts?labels[]=${label}&page=2`));
    expect(second.body.meta).toEqual({ count: 16, current_page: 2 });
    expect(second.body.payload).toHaveLength(1);
  });

  it('G-2 include_contact_inboxes=false leaves contact_inboxes out', async () => {
    const label = unique('noinbox');
    await labelled(label);
    const reply = await api().get(path(`/contacts?labels[]=${label}&include_contact_inboxes=false`));
    expect(reply.status).toBe(200);
    expect(reply.body.payload[0].contact_inboxes ?? []).toEqual([]);
  });

  it('G-3 contact_inboxes[].inbox shows only the slim inbox fields', async () => {
    const inbox = await createInbox(server);
    const label = unique('slim');
    const contact = await newContact({ inbox_id: inbox.id });
    await api().post(path(`/contacts/${contact.id}/labels`), { labels: [label] });
    const reply = await api().get(path(`/contacts?labels[]=${label}`));
    const slim = reply.body.payload[0].contact_inboxes[0].inbox;
    expect(Object.keys(slim).sort()).toEqual(['avatar_url', 'channel_id', 'channel_type', 'id', 'name', 'provider']);
    expect(slim.id).toBe(inbox.id);
  });

  it('G-4 sorts by company descending and by country ascending, nulls last', async () => {
    const label = unique('sort');
    const a = await labelled(label, { additional_attributes: { company_name: 'Acme', country: 'Brazil' } });
    const b = await labelled(label, { additional_attributes: { company_name: 'Zeta', country: 'Austria' } });
    const none = await labelled(label);
    const ids = async (sort: string) =>
      (await api().get(path(`/contacts?labels[]=${label}&sort=${sort}`))).body.payload.map((c: { id: number }) => c.id);
    expect(await ids('-company')).toEqual([b.id, a.id, none.id]);
    expect(await ids('country')).toEqual([b.id, a.id, none.id]);
  });

  it('G-5 labels[] lists contacts having any of the labels', async () => {
    const l1 = unique('label');
    const l2 = unique('label');
    const one = await labelled(l1);
    const two = await labelled(l2);
    const reply = await api().get(path(`/contacts?labels[]=${l1}&labels[]=${l2}`));
    expect(reply.body.meta.count).toBe(2);
    expect(reply.body.payload.map((c: { id: number }) => c.id).sort()).toEqual([one.id, two.id].sort());
  });

  it('refuses a request without a token with 401', async () => {
    expect((await client(server.url, null).get(path('/contacts'))).status).toBe(401);
  });
});

describe('GET /contacts/search', () => {
  it('G-9 matches email and name case-insensitively, company name, and identifier case-sensitively', async () => {
    const tag = unique('srch').toLowerCase();
    const byEmail = await newContact({ email: `${tag}mail@example.com` });
    const byName = await newContact({ name: `${tag}Name Person`, email: undefined, phone_number: undefined, identifier: unique('id') });
    const byCompany = await newContact({ additional_attributes: { company_name: `${tag}Company` } });
    const byIdentifier = await newContact({ identifier: `${tag}IDENT` });
    const other = await newContact();
    const ids = async (q: string) =>
      (await api().get(path(`/contacts/search?q=${encodeURIComponent(q)}`))).body.payload.map((c: { id: number }) => c.id);
    expect(await ids(`${tag.toUpperCase()}MAIL`)).toEqual([byEmail.id]);
    expect(await ids(`${tag}NAME`)).toEqual([byName.id]);
    expect(await ids(`${tag}company`)).toEqual([byCompany.id]);
    expect(await ids(`${tag}IDENT`)).toEqual([byIdentifier.id]);
    expect(await ids(`${tag}ident`)).toEqual([]);
    const all = await api().get(path(`/contacts/search?q=${tag}`));
    expect(all.body.meta).toEqual({ count: 4, current_page: 1 });
    expect(all.body.payload.some((c: { id: number }) => c.id === other.id)).toBe(false);
  });

  it('answers a blank q with the unreachable-422 quirk: 200 and an empty page', async () => {
    for (const query of ['', '?q=', '?q=%20']) {
      const reply = await api().get(path(`/contacts/search${query}`));
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ meta: { count: null, current_page: 1 }, payload: [] });
    }
  });
});

describe('GET /contacts/{id}', () => {
  it('G-11 shows the contact with its contact_inboxes', async () => {
    const inbox = await createInbox(server);
    const contact = await newContact({ inbox_id: inbox.id, source_id: unique('s') });
    const reply = await api().get(path(`/contacts/${contact.id}`));
    expect(reply.status).toBe(200);
    expect(reply.body.payload).toMatchObject({ id: contact.id, name: contact.name, email: contact.email });
    expect(reply.body.payload.contact_inboxes).toHaveLength(1);
  });

  it('G-17 answers 404 for an unknown id, a malformed id and another account\'s contact', async () => {
    const foreign = await seedForeignTenant(server);
    for (const id of ['999999', 'abc', String(foreign.contact.id)]) {
      const reply = await api().get(path(`/contacts/${id}`));
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ error: 'Resource could not be found' });
    }
    expect((await api().patch(path(`/contacts/${foreign.contact.id}`), { name: 'x' })).status).toBe(404);
    expect((await api().delete(path(`/contacts/${foreign.contact.id}`))).status).toBe(404);
    expect((await api().get(path(`/contacts/${foreign.contact.id}/labels`))).status).toBe(404);
  });
});

describe('POST /contacts', () => {
  it('G-13 creates a contact echoing custom_attributes', async () => {
    const before = await server.app.database.prisma.contact.count();
    const reply = await api().post(path('/contacts'), { name: 'Custom', custom_attributes: { plan: 'pro' } });
    expect(reply.status).toBe(200);
    expect(reply.body.payload.contact.custom_attributes).toEqual({ plan: 'pro' });
    expect(await server.app.database.prisma.contact.count()).toBe(before + 1);
  });

  it('G-14 refuses a name over 255 characters with the Rails message', async () => {
    const reply = await api().post(path('/contacts'), { name: 'a'.repeat(3996) });
    expect(reply.status).toBe(422);
    expect(reply.body.message).toBe('Name is too long (maximum is 255 characters)');
  });

  it('G-15 creates a contact inbox with inbox_id', async () => {
    const inbox = await createInbox(server);
    const reply = await api().post(path('/contacts'), { name: 'With inbox', inbox_id: inbox.id });
    expect(reply.status).toBe(200);
    expect(reply.body.payload.contact_inbox.source_id).toEqual(expect.any(String));
    const count = await server.app.database.prisma.contactInbox.count({ where: { contactId: reply.body.payload.contact.id } });
    expect(count).toBe(1);
  });
});

describe('PATCH/PUT /contacts/{id}', () => {
  it('G-16 merges custom_attributes and additional_attributes', async () => {
    const contact = await newContact({ custom_attributes: { keep: 1, change: 'old' }, additional_attributes: { city: 'Lyon', company_name: 'A' } });
    const reply = await api().patch(path(`/contacts/${contact.id}`), {
      custom_attributes: { change: 'new', added: true },
      additional_attributes: { company_name: 'B' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.payload.custom_attributes).toEqual({ keep: 1, change: 'new', added: true });
    expect(reply.body.payload.additional_attributes).toEqual({ city: 'Lyon', company_name: 'B' });
  });

  it('G-16 accepts PUT and the wrapped contact key alike', async () => {
    const contact = await newContact();
    const put = await client(server.url, server.adminToken).get(path(`/contacts/${contact.id}`));
    expect(put.status).toBe(200);
    const reply = await fetch(new URL(path(`/contacts/${contact.id}`), server.url), {
      method: 'PUT',
      headers: { 'content-type': 'application/json', api_access_token: server.adminToken },
      body: JSON.stringify({ contact: { name: 'Renamed' } }),
    });
    expect(reply.status).toBe(200);
    expect(((await reply.json()) as { payload: { name: string } }).payload.name).toBe('Renamed');
  });

  it('G-18 refuses a duplicate email or phone number naming the attribute', async () => {
    const first = await newContact({ phone_number: '+15550001111' });
    const second = await newContact();
    const email = await api().patch(path(`/contacts/${second.id}`), { email: first.email });
    expect(email.status).toBe(422);
    expect(email.body.attributes).toContain('email');
    const phone = await api().patch(path(`/contacts/${second.id}`), { phone_number: '+15550001111' });
    expect(phone.status).toBe(422);
    expect(phone.body.attributes).toContain('phone_number');
  });

  it('G-20 blocked true/false toggles the flag', async () => {
    const contact = await newContact();
    expect((await api().patch(path(`/contacts/${contact.id}`), { blocked: true })).body.payload.blocked).toBe(true);
    expect((await api().patch(path(`/contacts/${contact.id}`), { blocked: false })).body.payload.blocked).toBe(false);
  });
});

describe('DELETE /contacts/{id}', () => {
  it('G-21 an administrator deletes the contact with its contact inboxes and conversations', async () => {
    const inbox = await createInbox(server);
    const sourceId = unique('del');
    const contact = await newContact({ inbox_id: inbox.id, source_id: sourceId });
    expect((await api().post(path('/conversations'), { source_id: sourceId })).status).toBe(200);
    const reply = await api().delete(path(`/contacts/${contact.id}`));
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    const db = server.app.database.prisma;
    expect(await db.contact.count({ where: { id: contact.id } })).toBe(0);
    expect(await db.contactInbox.count({ where: { contactId: contact.id } })).toBe(0);
    expect(await db.conversation.count({ where: { contactId: contact.id } })).toBe(0);
    expect((await api().get(path(`/contacts/${contact.id}`))).status).toBe(404);
  });

  it('G-21 an agent is refused with 401', async () => {
    const agent = await createAgent(server);
    const contact = await newContact();
    const reply = await client(server.url, agent.token).delete(path(`/contacts/${contact.id}`));
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: 'You are not authorized to do this action' });
  });
});

describe('POST /contacts/{id}/destroy_custom_attributes', () => {
  it('G-22 removes only the named keys', async () => {
    const contact = await newContact({ custom_attributes: { test: 1, other: 2 } });
    const reply = await api().post(path(`/contacts/${contact.id}/destroy_custom_attributes`), { custom_attributes: ['test'] });
    expect(reply.status).toBe(200);
    expect(reply.body.payload.custom_attributes).toEqual({ other: 2 });
  });
});

describe('GET/POST /contacts/{id}/labels', () => {
  it('replaces and lists the labels', async () => {
    const contact = await newContact();
    const set = await api().post(path(`/contacts/${contact.id}/labels`), { labels: ['b', 'a', 'a'] });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ payload: ['b', 'a'] });
    expect((await api().get(path(`/contacts/${contact.id}/labels`))).body).toEqual({ payload: ['b', 'a'] });
    expect((await api().post(path(`/contacts/${contact.id}/labels`), { labels: ['c'] })).body).toEqual({ payload: ['c'] });
  });
});

describe('GET /contacts/{id}/contactable_inboxes', () => {
  it('G-12 lists only the inboxes the agent can access', async () => {
    const agent = await createAgent(server);
    const mine = await createInbox(server);
    const notMine = await createInbox(server);
    await addInboxMember(server, mine.id, agent.id);
    const contact = await newContact();
    const reply = await client(server.url, agent.token).get(path(`/contacts/${contact.id}/contactable_inboxes`));
    expect(reply.status).toBe(200);
    const ids = reply.body.payload.map((row: { inbox: { id: number } }) => row.inbox.id);
    expect(ids).toEqual([mine.id]);
    expect(ids).not.toContain(notMine.id);
    expect(reply.body.payload[0].source_id).toEqual(expect.any(String));
  });

  it('gives the contact\'s existing source_id for an inbox it is already in', async () => {
    const inbox = await createInbox(server);
    const sourceId = unique('ex');
    const contact = await newContact({ inbox_id: inbox.id, source_id: sourceId });
    const reply = await api().get(path(`/contacts/${contact.id}/contactable_inboxes`));
    const row = reply.body.payload.find((r: { inbox: { id: number } }) => r.inbox.id === inbox.id);
    expect(row.source_id).toBe(sourceId);
  });
});

describe('POST /contacts/{id}/contact_inboxes', () => {
  it('G-24 creates a contact inbox in an API inbox, hmac_verified false', async () => {
    const inbox = await createInbox(server);
    const contact = await newContact();
    const reply = await api().post(path(`/contacts/${contact.id}/contact_inboxes`), { inbox_id: inbox.id });
    expect(reply.status).toBe(200);
    expect(reply.body.source_id).toEqual(expect.any(String));
    expect(reply.body.inbox.id).toBe(inbox.id);
    const stored = await server.app.database.prisma.contactInbox.findMany({ where: { contactId: contact.id } });
    expect(stored).toHaveLength(1);
    expect(stored[0]!.hmacVerified).toBe(false);
  });

  it('G-26 stores hmac_verified true', async () => {
    const inbox = await createInbox(server);
    const contact = await newContact();
    const reply = await api().post(path(`/contacts/${contact.id}/contact_inboxes`), { inbox_id: inbox.id, hmac_verified: true });
    expect(reply.status).toBe(200);
    const stored = await server.app.database.prisma.contactInbox.findFirstOrThrow({ where: { contactId: contact.id } });
    expect(stored.hmacVerified).toBe(true);
  });

  it('G-32 G-33 is idempotent for the same source_id and adds a new one for a different source_id', async () => {
    const inbox = await createInbox(server);
    const contact = await newContact();
    const post = (source_id: string) => api().post(path(`/contacts/${contact.id}/contact_inboxes`), { inbox_id: inbox.id, source_id });
    expect((await post('same')).body.source_id).toBe('same');
    expect((await post('same')).body.source_id).toBe('same');
    expect((await post('different')).body.source_id).toBe('different');
    expect(await server.app.database.prisma.contactInbox.count({ where: { contactId: contact.id } })).toBe(2);
  });

  it('G-34 generates a source_id when none is given', async () => {
    const inbox = await createInbox(server);
    const contact = await newContact();
    const reply = await api().post(path(`/contacts/${contact.id}/contact_inboxes`), { inbox_id: inbox.id });
    expect(reply.body.source_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('G-35 refuses a source_id another contact holds in that inbox', async () => {
    const inbox = await createInbox(server);
    const sourceId = unique('taken');
    await newContact({ inbox_id: inbox.id, source_id: sourceId });
    const contact = await newContact();
    const reply = await api().post(path(`/contacts/${contact.id}/contact_inboxes`), { inbox_id: inbox.id, source_id: sourceId });
    expect(reply.status).toBe(422);
    expect(await server.app.database.prisma.contactInbox.count({ where: { contactId: contact.id } })).toBe(0);
  });

  it('answers 404 for an unknown inbox or contact and 401 for an agent outside the inbox', async () => {
    const inbox = await createInbox(server);
    const contact = await newContact();
    expect((await api().post(path(`/contacts/${contact.id}/contact_inboxes`), { inbox_id: 999999 })).status).toBe(404);
    expect((await api().post(path(`/contacts/${contact.id}/contact_inboxes`), {})).status).toBe(404);
    expect((await api().post(path('/contacts/999999/contact_inboxes'), { inbox_id: inbox.id })).status).toBe(404);
    const agent = await createAgent(server);
    const refused = await client(server.url, agent.token).post(path(`/contacts/${contact.id}/contact_inboxes`), { inbox_id: inbox.id });
    expect(refused.status).toBe(401);
  });
});

describe('POST /contact_inboxes/filter', () => {
  it('G-28 answers an unknown source_id with 404 and an empty body', async () => {
    const inbox = await createInbox(server);
    const reply = await api().post(path('/contact_inboxes/filter'), { inbox_id: inbox.id, source_id: 'nobody' });
    expect(reply.status).toBe(404);
    expect(reply.text).toBe('');
  });

  it('G-29 finds the contact holding the source_id', async () => {
    const inbox = await createInbox(server);
    const sourceId = unique('filter');
    const contact = await newContact({ inbox_id: inbox.id, source_id: sourceId });
    const reply = await api().post(path('/contact_inboxes/filter'), { inbox_id: inbox.id, source_id: sourceId });
    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(contact.id);
    expect(reply.body.contact_inboxes[0].source_id).toBe(sourceId);
  });

  it('G-30 refuses an agent without inbox access with 401 and answers a member agent', async () => {
    const inbox = await createInbox(server);
    const sourceId = unique('member');
    await newContact({ inbox_id: inbox.id, source_id: sourceId });
    const agent = await createAgent(server);
    const agentApi = client(server.url, agent.token);
    expect((await agentApi.post(path('/contact_inboxes/filter'), { inbox_id: inbox.id, source_id: sourceId })).status).toBe(401);
    await addInboxMember(server, inbox.id, agent.id);
    expect((await agentApi.post(path('/contact_inboxes/filter'), { inbox_id: inbox.id, source_id: sourceId })).status).toBe(200);
  });

  it('answers 404 for an unknown or foreign inbox', async () => {
    const foreign = await seedForeignTenant(server);
    const reply = await api().post(path('/contact_inboxes/filter'), { inbox_id: foreign.inbox.id, source_id: foreign.contactInbox.sourceId });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: 'Resource could not be found' });
  });
});

describe('GET /contacts/{id}/conversations', () => {
  it('G-31 shows admins every conversation of the contact and agents only those of their inboxes', async () => {
    const agent = await createAgent(server);
    const outsider = await createAgent(server);
    const mine = await createInbox(server);
    const other = await createInbox(server);
    await addInboxMember(server, mine.id, agent.id);
    const contact = await newContact();
    const ids: Record<string, number[]> = { mine: [], other: [] };
    for (const [key, inbox] of [['mine', mine], ['other', other], ['mine', mine], ['other', other]] as const) {
      const sourceId = unique('conv');
      await api().post(path(`/contacts/${contact.id}/contact_inboxes`), { inbox_id: inbox.id, source_id: sourceId });
      const conversation = await api().post(path('/conversations'), { source_id: sourceId });
      expect(conversation.status).toBe(200);
      ids[key]!.push(conversation.body.id);
    }
    const list = async (token: string) => {
      const reply = await client(server.url, token).get(path(`/contacts/${contact.id}/conversations`));
      expect(reply.status).toBe(200);
      return reply.body.payload.map((c: { id: number }) => c.id).sort();
    };
    expect(await list(server.adminToken)).toEqual([...ids.mine!, ...ids.other!].sort());
    expect(await list(agent.token)).toEqual([...ids.mine!].sort());
    expect(await list(outsider.token)).toEqual([]);
    const shown = await api().get(path(`/contacts/${contact.id}/conversations`));
    expect(shown.body.payload[0]).toMatchObject({ inbox_id: expect.any(Number), meta: expect.any(Object) });
  });

  it('answers 404 for another account\'s contact', async () => {
    const foreign = await seedForeignTenant(server);
    expect((await api().get(path(`/contacts/${foreign.contact.id}/conversations`))).status).toBe(404);
  });
});
