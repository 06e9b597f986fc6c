/**
 * Agents (spec/API.md §3.3) and CONFORMANCE.md §F. The agent's REST id is its user id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { accountPath, adminApi, createAgent } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';

let server: TestServer;
let n = 0;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const db = () => server.app.database.prisma;
const email = (prefix: string) => `${prefix}-${process.pid}-${++n}@example.com`;
const NOT_AUTHORIZED = { error: 'You are not authorized to do this action' };
const NOT_FOUND = { error: 'Resource could not be found' };

describe('F. agents', () => {
  it('F-1 GET /agents as an agent lists every account user, with custom_attributes when present', async () => {
    const agent = await createAgent(server);
    await db().user.update({ where: { id: agent.id }, data: { customAttributes: { team: 'blue' } } });
    const reply = await client(server.url, agent.token).get(accountPath(server, '/agents'));
    expect(reply.status).toBe(200);
    expect(Array.isArray(reply.body)).toBe(true);
    expect(reply.body).toHaveLength(await db().accountUser.count({ where: { accountId: server.accountId } }));
    const listed = reply.body.find((row: { id: number }) => row.id === agent.id);
    expect(listed).toMatchObject({
      id: agent.id,
      account_id: server.accountId,
      email: agent.email,
      role: 'agent',
      availability_status: 'offline',
      auto_offline: false,
      custom_attributes: { team: 'blue' },
    });
    const names = reply.body.map((row: { name: string }) => row.name.toLowerCase());
    expect(names).toEqual([...names].sort());
  });

  it('F-2 DELETE /agents/{id}: agent 401; admin removes the link and the user without other accounts', async () => {
    const agent = await createAgent(server);
    const victim = await createAgent(server);
    const denied = await client(server.url, agent.token).delete(accountPath(server, `/agents/${victim.id}`));
    expect(denied.status).toBe(401);
    expect(denied.body).toEqual(NOT_AUTHORIZED);

    const removed = await adminApi(server).delete(accountPath(server, `/agents/${victim.id}`));
    expect(removed.status).toBe(200);
    expect(removed.text).toBe('');
    expect(await db().user.findUnique({ where: { id: victim.id } })).toBeNull();

    const shared = await createAgent(server);
    const other = await db().account.create({ data: { name: 'Other F-2' } });
    await db().accountUser.create({ data: { accountId: other.id, userId: shared.id, role: 'agent' } });
    const unlinked = await adminApi(server).delete(accountPath(server, `/agents/${shared.id}`));
    expect(unlinked.status).toBe(200);
    expect(await db().user.findUnique({ where: { id: shared.id } })).not.toBeNull();
    expect(await db().accountUser.findMany({ where: { userId: shared.id } })).toEqual([
      expect.objectContaining({ accountId: other.id }),
    ]);
  });

  it('F-3 PUT /agents/{id}: agent 401; admin updates name, role, availability and auto_offline', async () => {
    const agent = await createAgent(server);
    const target = await createAgent(server);
    const denied = await client(server.url, agent.token).patch(accountPath(server, `/agents/${target.id}`), { name: 'x' });
    expect(denied.status).toBe(401);
    expect(denied.body).toEqual(NOT_AUTHORIZED);

    const renamed = await adminApi(server).patch(accountPath(server, `/agents/${target.id}`), { name: 'Renamed Agent' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: target.id, name: 'Renamed Agent' });

    const put = await fetch(new URL(accountPath(server, `/agents/${target.id}`), server.url), {
      method: 'PUT',
      headers: { api_access_token: server.adminToken, 'content-type': 'application/json' },
      body: JSON.stringify({ agent: { role: 'administrator', availability: 'busy', auto_offline: false } }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ role: 'administrator', availability_status: 'busy', auto_offline: false });
  });

  it('F-3 update failures: unknown, foreign and malformed ids are 404; a bad role is 422', async () => {
    const target = await createAgent(server);
    const foreign = await seedForeignTenant(server);
    for (const id of ['999999', String(foreign.admin.id), 'abc']) {
      const reply = await adminApi(server).patch(accountPath(server, `/agents/${id}`), { name: 'x' });
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual(NOT_FOUND);
      const deleted = await adminApi(server).delete(accountPath(server, `/agents/${id}`));
      expect(deleted.status).toBe(404);
    }
    expect(await db().user.findUnique({ where: { id: foreign.admin.id } })).not.toBeNull();
    const bad = await adminApi(server).patch(accountPath(server, `/agents/${target.id}`), { role: 'owner' });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ message: 'Role is not included in the list', attributes: ['role'] });
  });

  it('F-4 POST /agents: agent 401; admin creates (auto-wrapped JSON) with the email and name stored', async () => {
    const agent = await createAgent(server);
    const address = email('new');
    const denied = await client(server.url, agent.token).post(accountPath(server, '/agents'), { name: 'N', email: address });
    expect(denied.status).toBe(401);
    expect(denied.body).toEqual(NOT_AUTHORIZED);

    const created = await adminApi(server).post(accountPath(server, '/agents'), { name: 'New Agent', email: address, role: 'agent' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ email: address, role: 'agent', availability_status: 'offline', auto_offline: false });
    const user = await db().user.findUniqueOrThrow({ where: { email: address } });
    expect(user.name).toBe('New Agent');
    expect(created.body.id).toBe(user.id);

    const wrapped = await adminApi(server).post(accountPath(server, '/agents'), { agent: { name: 'Wrapped', email: email('wrapped') } });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body.name).toBe('Wrapped');
  });

  it('F-4 create failures: a missing email or name is 422 with the Rails wording', async () => {
    const reply = await adminApi(server).post(accountPath(server, '/agents'), { name: 'No Email' });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ message: "Email can't be blank", attributes: ['email'] });
    const invalid = await adminApi(server).post(accountPath(server, '/agents'), { name: 'Bad', email: 'not-an-email' });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toEqual({ message: 'Email is invalid', attributes: ['email'] });
  });

  it('F-5 POST /agents/bulk_create creates new users and silently skips existing members', async () => {
    const agent = await createAgent(server);
    const denied = await client(server.url, agent.token).post(accountPath(server, '/agents/bulk_create'), {
      emails: [email('denied')],
    });
    expect(denied.status).toBe(401);

    const before = await db().user.count();
    const first = [email('bulk'), email('bulk'), email('bulk')];
    const reply = await adminApi(server).post(accountPath(server, '/agents/bulk_create'), { emails: first });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    expect(await db().user.count()).toBe(before + 3);
    const members = await db().accountUser.findMany({ where: { accountId: server.accountId, user: { email: { in: first } } } });
    expect(members.map((m) => m.role)).toEqual(['agent', 'agent', 'agent']);

    const second = [first[0], email('bulk'), email('bulk')];
    const again = await adminApi(server).post(accountPath(server, '/agents/bulk_create'), { emails: second });
    expect(again.status).toBe(200);
    expect(await db().user.count()).toBe(before + 5);
  });
});
