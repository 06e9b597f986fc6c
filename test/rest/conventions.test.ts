/**
 * Routing conventions of spec/API.md §1.1: Rails' `.json` format suffix, and
 * path parameters of any length reaching the route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../support/http.ts';
import { accountPath, adminApi, createInbox } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('the .json format suffix', () => {
  it('is accepted on reads, with or without a query string, and answers as without it', async () => {
    const plain = await adminApi(server).get('/api/v1/profile');
    const suffixed = await adminApi(server).get('/api/v1/profile.json');
    expect(suffixed.status).toBe(200);
    expect(suffixed.body).toEqual(plain.body);
    const inbox = await createInbox(server);
    const shown = await adminApi(server).get(accountPath(server, `/inboxes/${inbox.id}.json`));
    expect(shown.status).toBe(200);
    expect(shown.body.id).toBe(inbox.id);
    const listed = await adminApi(server).get(accountPath(server, '/contacts.json?page=1&sort=name'));
    expect(listed.status).toBe(200);
    expect(listed.body.meta.current_page).toBe(1);
  });

  it('is accepted on writes', async () => {
    const inbox = await createInbox(server);
    const created = await adminApi(server).post(accountPath(server, '/contacts.json'), { name: 'Suffixed', inbox_id: inbox.id });
    expect(created.status).toBe(200);
    expect(created.body.payload.contact.name).toBe('Suffixed');
  });

  it('is left alone outside the REST surfaces, and inside a path segment', async () => {
    expect((await request(server.url, 'GET', '/health.json')).status).toBe(404);
    const odd = await adminApi(server).get(accountPath(server, '/inboxes/1.json.json'));
    expect(odd.status).toBe(404);
    expect(odd.body).toEqual({ error: 'Resource could not be found' });
  });
});

describe('path parameters', () => {
  it('of any length reach the route, which answers 404 for an id no record has', async () => {
    const reply = await adminApi(server).get(accountPath(server, `/contacts/${'9'.repeat(500)}`));
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: 'Resource could not be found' });
  });
});
