/**
 * Routing conventions of spec/API.md §1.1: Rails' path normalisation (a
 * trailing slash, repeated slashes, the `.json` format suffix), and path
 * parameters of any length reaching the route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../../src/rest/table.ts';
import { clientInbox, openSession, startConversation } from '../support/client-api.ts';
import { request } from '../support/http.ts';
import { accountPath, adminApi, createInbox, seedConversation } from '../support/seed.ts';
import { PLATFORM_TOKEN, startServer, type TestServer } from '../support/server.ts';

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

/** What each GET route of the table reads in its path: a record of the scene seeded below. */
async function seedPathValues(server: TestServer): Promise<Record<string, string>> {
  const api = adminApi(server);
  const { inbox, contactId, conversation } = await seedConversation(server);
  const webhook = await api.post(accountPath(server, '/webhooks'), { url: 'https://routing.invalid/hook' });
  const session = await openSession(server, await clientInbox(server));
  const platform = (path: string, body: unknown) => request(server.url, 'POST', `/platform/api/v1${path}`, { token: PLATFORM_TOKEN, body });
  const platformAccount = await platform('/accounts', { name: 'Routed' });
  const platformUser = await platform('/users', { name: 'Routed', email: 'routed@example.com', password: 'Passw0rd!' });
  const platformBot = await platform('/agent_bots', { name: 'Routed bot' });
  return {
    account_id: String(server.accountId),
    inbox_id: String(inbox.id),
    conversation_id: String(conversation.id),
    webhook: String(webhook.body.payload.webhook.id),
    contact: String(contactId),
    inbox_identifier: session.inbox.identifier,
    contact_identifier: session.source_id,
    client_conversation: String(await startConversation(server, session)),
    platform_account: String(platformAccount.body.id),
    platform_user: String(platformUser.body.id),
    platform_bot: String(platformBot.body.id),
  };
}

/** The concrete path of a route: each `:param` filled with the scene's record of that kind. */
function concretePath(routePath: string, values: Record<string, string>): string {
  const platform = routePath.startsWith('/platform/');
  return routePath.replace(/:(\w+)/g, (_whole, name: string, offset: number) => {
    const before = routePath.slice(0, offset);
    if (name === 'account_id') return platform ? values.platform_account! : values.account_id!;
    if (name === 'conversation_id') return before.startsWith('/public/') ? values.client_conversation! : values.conversation_id!;
    if (name === 'id') {
      const kind = { '/webhooks/': 'webhook', '/contacts/': 'contact', '/users/': 'platform_user', '/agent_bots/': 'platform_bot' };
      return values[Object.entries(kind).find(([segment]) => before.endsWith(segment))?.[1] ?? ''] ?? '1';
    }
    return values[name] ?? '1';
  });
}

describe('a trailing slash, repeated slashes and the .json suffix (Rails normalises the path)', () => {
  const getRoutes = routeTable.filter((route) => [route.method].flat().includes('GET'));
  let values: Record<string, string>;
  beforeAll(async () => {
    values = await seedPathValues(server);
  });

  const tokenFor = (path: string) => (path.startsWith('/platform/') ? PLATFORM_TOKEN : path.startsWith('/public/') ? null : server.adminToken);

  for (const route of getRoutes)
    it(`GET ${route.path}: the same answer with /, // and .json as without`, async () => {
      const path = concretePath(route.path, values);
      // contactable_inboxes offers a new source_id and login a new single-use token on every call (as Chatwoot does): the rest must match.
      const get = async (variant: string) => {
        const reply = await request(server.url, 'GET', variant, { token: tokenFor(path) });
        return { ...reply, body: JSON.parse(reply.text.replace(/"source_id":"[0-9a-f-]{36}"/g, '"source_id":"…"').replace(/sso_auth_token=[^"&]+/g, 'sso_auth_token=…')) };
      };
      const plain = await get(path);
      // The route itself answered (the unknown-route 404 is the only answer that would not prove it).
      expect(plain.status, plain.text).toBe(200);
      const variants = [`${path}/`, `${path}.json`, `${path}/?page=1`, path.replace('/v1/', '/v1//'), `${path}.json/`];
      for (const variant of variants) {
        const reply = await get(variant);
        expect({ variant, status: reply.status, body: reply.body }).toEqual({ variant, status: plain.status, body: plain.body });
      }
    });

  it('a write reaches its route with a trailing slash, as swagger.json documents POST …/inboxes/', async () => {
    const created = await adminApi(server).post(accountPath(server, '/inboxes/'), { name: 'Slashed', channel: { type: 'api' } });
    expect(created.status, created.text).toBe(200);
    const updated = await adminApi(server).patch(accountPath(server, `/inboxes/${created.body.id}/`), { name: 'Slashed again' });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.name).toBe('Slashed again');
  });

  it('unknown paths keep the 404 body, with or without the slash; paths outside the REST surfaces are left alone', async () => {
    for (const path of ['/api/v1/nothing-here', '/api/v1/nothing-here/', '/api/v1/nothing-here.json/', '/public/api/v1/nothing/'])
      expect(await request(server.url, 'GET', path, { token: server.adminToken })).toMatchObject({ status: 404, body: { status: 404, error: 'Not Found' } });
    expect((await request(server.url, 'GET', '/health/')).status).toBe(404);
  });
});
