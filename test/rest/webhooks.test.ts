/**
 * Account webhooks (spec/API.md §3.7).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { accountPath, adminApi, createAgent, createInbox } from '../support/seed.ts';
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

const url = () => `https://hooks.example.invalid/${process.pid}/${++n}`;
const NOT_AUTHORIZED = { error: 'You are not authorized to do this action' };
const NOT_FOUND = { error: 'Resource could not be found' };
const DEFAULTS = [
  'conversation_status_changed',
  'conversation_updated',
  'conversation_created',
  'contact_created',
  'contact_updated',
  'message_created',
  'message_updated',
  'webwidget_triggered',
];

describe('account webhooks', () => {
  it('creates a webhook (wrapped or top-level) with the default subscriptions', async () => {
    const address = url();
    const reply = await adminApi(server).post(accountPath(server, '/webhooks'), { webhook: { url: address, name: 'Hook' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      payload: {
        webhook: { id: expect.any(Number), name: 'Hook', url: address, account_id: server.accountId, subscriptions: DEFAULTS },
      },
    });
    const top = await adminApi(server).post(accountPath(server, '/webhooks'), { url: url(), subscriptions: ['message_created'] });
    expect(top.status).toBe(200);
    expect(top.body.payload.webhook.subscriptions).toEqual(['message_created']);
  });

  it('shows the inbox of a webhook bound to one', async () => {
    const inbox = await createInbox(server);
    const reply = await adminApi(server).post(accountPath(server, '/webhooks'), { url: url(), inbox_id: inbox.id });
    expect(reply.status).toBe(200);
    expect(reply.body.payload.webhook.inbox).toEqual({ id: inbox.id, name: inbox.name });
  });

  it('lists the account webhooks and nobody else’s', async () => {
    const foreign = await seedForeignTenant(server);
    const created = await adminApi(server).post(accountPath(server, '/webhooks'), { url: url() });
    const reply = await adminApi(server).get(accountPath(server, '/webhooks'));
    expect(reply.status).toBe(200);
    const ids = reply.body.payload.webhooks.map((hook: { id: number }) => hook.id);
    expect(ids).toContain(created.body.payload.webhook.id);
    expect(ids).not.toContain(foreign.webhook.id);
    expect(reply.body.payload.webhooks.every((hook: { account_id: number }) => hook.account_id === server.accountId)).toBe(true);
  });

  it('updates with PATCH and PUT, and deletes', async () => {
    const created = await adminApi(server).post(accountPath(server, '/webhooks'), { url: url() });
    const id = created.body.payload.webhook.id;
    const patched = await adminApi(server).patch(accountPath(server, `/webhooks/${id}`), {
      webhook: { name: 'Renamed', subscriptions: ['contact_created', 'contact_updated'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.payload.webhook).toMatchObject({ id, name: 'Renamed', subscriptions: ['contact_created', 'contact_updated'] });

    const address = url();
    const put = await fetch(new URL(accountPath(server, `/webhooks/${id}`), server.url), {
      method: 'PUT',
      headers: { api_access_token: server.adminToken, 'content-type': 'application/json' },
      body: JSON.stringify({ url: address }),
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { payload: { webhook: { url: string } } }).payload.webhook.url).toBe(address);

    const deleted = await adminApi(server).delete(accountPath(server, `/webhooks/${id}`));
    expect(deleted.status).toBe(200);
    expect(deleted.text).toBe('');
    expect(await server.app.database.prisma.webhook.findUnique({ where: { id } })).toBeNull();
  });

  it('refuses agents with 401 on every action', async () => {
    const agent = await createAgent(server);
    const created = await adminApi(server).post(accountPath(server, '/webhooks'), { url: url() });
    const id = created.body.payload.webhook.id;
    const api = client(server.url, agent.token);
    for (const reply of [
      await api.get(accountPath(server, '/webhooks')),
      await api.post(accountPath(server, '/webhooks'), { url: url() }),
      await api.patch(accountPath(server, `/webhooks/${id}`), { name: 'x' }),
      await api.delete(accountPath(server, `/webhooks/${id}`)),
    ]) {
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(NOT_AUTHORIZED);
    }
  });

  it('answers unknown, foreign and malformed ids with 404', async () => {
    const foreign = await seedForeignTenant(server);
    for (const id of ['999999', String(foreign.webhook.id), 'abc']) {
      const patched = await adminApi(server).patch(accountPath(server, `/webhooks/${id}`), { name: 'x' });
      expect(patched.status).toBe(404);
      expect(patched.body).toEqual(NOT_FOUND);
      const deleted = await adminApi(server).delete(accountPath(server, `/webhooks/${id}`));
      expect(deleted.status).toBe(404);
      expect(deleted.body).toEqual(NOT_FOUND);
    }
    expect(await server.app.database.prisma.webhook.findUnique({ where: { id: foreign.webhook.id } })).not.toBeNull();
  });

  it('answers a foreign inbox_id with 404', async () => {
    const foreign = await seedForeignTenant(server);
    const reply = await adminApi(server).post(accountPath(server, '/webhooks'), { url: url(), inbox_id: foreign.inbox.id });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual(NOT_FOUND);
  });

  it('rejects invalid, missing and duplicate urls and bad subscriptions with 422', async () => {
    const invalid = await adminApi(server).post(accountPath(server, '/webhooks'), { url: 'ftp://nope' });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toEqual({ message: 'Url is invalid', attributes: ['url'] });

    const missing = await adminApi(server).post(accountPath(server, '/webhooks'), { name: 'no url' });
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ message: "Url can't be blank", attributes: ['url'] });

    const address = url();
    expect((await adminApi(server).post(accountPath(server, '/webhooks'), { url: address })).status).toBe(200);
    const duplicate = await adminApi(server).post(accountPath(server, '/webhooks'), { url: address });
    expect(duplicate.status).toBe(422);
    expect(duplicate.body).toEqual({ message: 'Url has already been taken', attributes: ['url'] });

    const unknown = await adminApi(server).post(accountPath(server, '/webhooks'), { url: url(), subscriptions: ['nope'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toEqual({ message: 'Subscriptions Invalid events', attributes: ['subscriptions'] });

    const empty = await adminApi(server).post(accountPath(server, '/webhooks'), { url: url(), subscriptions: [] });
    expect(empty.status).toBe(422);
    expect(empty.body.attributes).toEqual(['subscriptions']);

    const wrongType = await adminApi(server).post(accountPath(server, '/webhooks'), { url: url(), subscriptions: 'message_created' });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.attributes).toEqual(['subscriptions']);
  });
});
