/**
 * The Platform API (`/platform/api/v1`, swagger's 17 platform operations):
 * a platform app's token provisions accounts, account users, users and agent
 * bots, and touches only the records it created or was granted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginTokens } from '../../src/domain/platform/login-tokens.ts';
import { passwordMatches } from '../../src/domain/platform/passwords.ts';
import { client, request } from '../support/http.ts';
import { startServer, PLATFORM_TOKEN, type TestServer } from '../support/server.ts';
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
const platform = () => client(server.url, PLATFORM_TOKEN);
const email = (prefix: string) => `${prefix}-${process.pid}-${++n}@example.com`;
const PASSWORD = 'Password1!';
const INVALID_TOKEN = { error: 'Invalid access_token' };
const NON_PERMISSIBLE = { error: 'Non permissible resource' };
const NOT_FOUND = { error: 'Resource could not be found' };

/** A second platform app with its own token, to own records the default app may not touch. */
async function otherPlatformApp() {
  const token = `other-platform-token-${process.pid}-${++n}`;
  await db().platformApp.create({ data: { name: 'Other app', accessToken: { create: { token } } } });
  return client(server.url, token);
}

async function createAccount(name = `Tenant ${++n}`) {
  const reply = await platform().post('/platform/api/v1/accounts', { name });
  expect(reply.status).toBe(200);
  return reply.body as { id: number; name: string };
}

async function createUser(overrides: Record<string, unknown> = {}) {
  const reply = await platform().post('/platform/api/v1/users', {
    name: 'Pat Platform',
    email: email('pat'),
    password: PASSWORD,
    ...overrides,
  });
  expect(reply.status).toBe(200);
  return reply.body as { id: number; email: string; access_token: string };
}

/** Checks that `value` carries exactly the keys named, with JSON types as swagger declares them. */
function expectShape(value: Record<string, unknown>, types: Record<string, string | string[]>) {
  expect(Object.keys(value).sort()).toEqual(Object.keys(types).sort());
  for (const [key, type] of Object.entries(types)) {
    const actual = value[key] === null ? 'null' : Array.isArray(value[key]) ? 'array' : typeof value[key];
    expect([type].flat(), `${key} is ${actual}`).toContain(actual);
  }
}

describe('Platform API: who may call', () => {
  const endpoints: [string, string][] = [
    ['POST', '/platform/api/v1/accounts'],
    ['GET', '/platform/api/v1/accounts/1'],
    ['PATCH', '/platform/api/v1/accounts/1'],
    ['DELETE', '/platform/api/v1/accounts/1'],
    ['GET', '/platform/api/v1/accounts/1/account_users'],
    ['POST', '/platform/api/v1/accounts/1/account_users'],
    ['DELETE', '/platform/api/v1/accounts/1/account_users'],
    ['POST', '/platform/api/v1/users'],
    ['GET', '/platform/api/v1/users/1'],
    ['PATCH', '/platform/api/v1/users/1'],
    ['DELETE', '/platform/api/v1/users/1'],
    ['GET', '/platform/api/v1/users/1/login'],
    ['GET', '/platform/api/v1/agent_bots'],
    ['POST', '/platform/api/v1/agent_bots'],
    ['GET', '/platform/api/v1/agent_bots/1'],
    ['PATCH', '/platform/api/v1/agent_bots/1'],
    ['DELETE', '/platform/api/v1/agent_bots/1'],
  ];

  it('answers 401 {"error":"Invalid access_token"} on all 17 operations without a token, with an unknown one, a user\'s or an agent bot\'s', async () => {
    const bot = await db().agentBot.create({
      data: { accountId: server.accountId, name: 'Account bot', accessToken: { create: { token: `bot-token-${process.pid}-${++n}` } } },
      include: { accessToken: true },
    });
    const accountsBefore = await db().account.count();
    for (const token of [null, 'not-a-token-at-all', server.adminToken, bot.accessToken!.token]) {
      for (const [method, path] of endpoints) {
        const body = method === 'POST' || method === 'PATCH' ? { name: 'Intruder', user_id: 1 } : undefined;
        const reply = await request(server.url, method, path, { token, body });
        expect(reply.status, `${method} ${path} with ${token}`).toBe(401);
        expect(reply.body).toEqual(INVALID_TOKEN);
      }
    }
    expect(await db().account.count()).toBe(accountsBefore);
  });

  it('refuses records another platform app created, and records nobody granted, with 401 "Non permissible resource"', async () => {
    const other = await otherPlatformApp();
    const theirs = await other.post('/platform/api/v1/accounts', { name: 'Theirs' });
    const theirUser = await other.post('/platform/api/v1/users', { name: 'Their user', email: email('their'), password: PASSWORD });
    const theirBot = await other.post('/platform/api/v1/agent_bots', { name: 'Their bot' });
    expect([theirs.status, theirUser.status, theirBot.status]).toEqual([200, 200, 200]);
    const foreign = await seedForeignTenant(server);

    const refused = [
      await platform().get(`/platform/api/v1/accounts/${theirs.body.id}`),
      await platform().patch(`/platform/api/v1/accounts/${theirs.body.id}`, { name: 'Stolen' }),
      await platform().delete(`/platform/api/v1/accounts/${theirs.body.id}`),
      await platform().get(`/platform/api/v1/accounts/${foreign.account.id}`),
      await platform().get(`/platform/api/v1/accounts/${server.accountId}/account_users`),
      await platform().post(`/platform/api/v1/accounts/${foreign.account.id}/account_users`, { user_id: theirUser.body.id, role: 'administrator' }),
      await platform().delete(`/platform/api/v1/accounts/${foreign.account.id}/account_users`, { body: { user_id: foreign.admin.id } }),
      await platform().get(`/platform/api/v1/users/${theirUser.body.id}`),
      await platform().patch(`/platform/api/v1/users/${theirUser.body.id}`, { name: 'Stolen' }),
      await platform().delete(`/platform/api/v1/users/${foreign.admin.id}`),
      await platform().get(`/platform/api/v1/users/${foreign.admin.id}/login`),
      await platform().get(`/platform/api/v1/agent_bots/${theirBot.body.id}`),
      await platform().patch(`/platform/api/v1/agent_bots/${foreign.bot.id}`, { name: 'Stolen' }),
      await platform().delete(`/platform/api/v1/agent_bots/${theirBot.body.id}`),
      // A bot may not be put into an account the app does not manage: its token would reach that tenant.
      await platform().post('/platform/api/v1/agent_bots', { name: 'Infiltrator', account_id: foreign.account.id }),
    ];
    for (const reply of refused) {
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(NON_PERMISSIBLE);
    }
    expect((await db().account.findUniqueOrThrow({ where: { id: theirs.body.id } })).name).toBe('Theirs');
    expect(await db().accountUser.count({ where: { accountId: foreign.account.id } })).toBe(1);
    expect(await db().user.findUnique({ where: { id: foreign.admin.id } })).not.toBeNull();
    expect(await db().agentBot.count({ where: { name: 'Infiltrator' } })).toBe(0);
    expect((await platform().get('/platform/api/v1/agent_bots')).body.map((bot: { id: number }) => bot.id)).not.toContain(theirBot.body.id);
  });

  it('answers 404 "Resource could not be found" for unknown and malformed ids', async () => {
    for (const path of [
      '/platform/api/v1/accounts/999999',
      '/platform/api/v1/accounts/abc',
      '/platform/api/v1/accounts/999999/account_users',
      '/platform/api/v1/users/999999',
      '/platform/api/v1/users/999999/login',
      '/platform/api/v1/agent_bots/999999',
    ]) {
      const reply = await platform().get(path);
      expect(reply.status, path).toBe(404);
      expect(reply.body).toEqual(NOT_FOUND);
    }
    expect((await platform().patch('/platform/api/v1/users/999999', { name: 'x' })).status).toBe(404);
    expect((await platform().delete('/platform/api/v1/accounts/999999')).status).toBe(404);
    expect((await platform().delete('/platform/api/v1/agent_bots/999999')).status).toBe(404);
  });
});

describe('Platform API: accounts', () => {
  it('POST creates an account with its permissible row, in swagger\'s platform_account shape', async () => {
    const reply = await platform().post('/platform/api/v1/accounts', {
      name: 'Acme',
      locale: 'es',
      domain: 'acme.example',
      support_email: 'support@acme.example',
      limits: { agents: 5, inboxes: 10 },
      custom_attributes: { plan: 'pro' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      id: expect.any(Number),
      name: 'Acme',
      locale: 'es',
      domain: 'acme.example',
      support_email: 'support@acme.example',
      enabled_features: {},
      custom_attributes: { plan: 'pro' },
      limits: { agents: 5, inboxes: 10 },
      status: 'active',
    });
    const app = await db().accessToken.findUniqueOrThrow({ where: { token: PLATFORM_TOKEN } });
    expect(
      await db().platformAppPermissible.count({
        where: { platformAppId: app.platformAppId!, permissibleType: 'Account', permissibleId: reply.body.id },
      }),
    ).toBe(1);
    const shown = await platform().get(`/platform/api/v1/accounts/${reply.body.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(reply.body);
  });

  it('PATCH and PUT change only what is given; an account suspended this way refuses its members', async () => {
    const account = await createAccount('Before');
    const user = await createUser();
    await platform().post(`/platform/api/v1/accounts/${account.id}/account_users`, { user_id: user.id, role: 'administrator' });
    const patched = await platform().patch(`/platform/api/v1/accounts/${account.id}`, { name: 'After', limits: { agents: 2 } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'After', locale: 'en', limits: { agents: 2 }, status: 'active' });
    const put = await client(server.url, PLATFORM_TOKEN).patch(`/platform/api/v1/accounts/${account.id}`, undefined, {
      raw: { contentType: 'application/json', data: JSON.stringify({ account: { status: 'suspended' } }) },
    });
    expect(put.body).toMatchObject({ name: 'After', status: 'suspended' });
    const viaPut = await fetch(new URL(`/platform/api/v1/accounts/${account.id}`, server.url), {
      method: 'PUT',
      headers: { api_access_token: PLATFORM_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ custom_attributes: { tier: 'gold' } }),
    });
    expect(viaPut.status).toBe(200);
    expect(await viaPut.json()).toMatchObject({ status: 'suspended', custom_attributes: { tier: 'gold' } });
    const refused = await client(server.url, user.access_token).get(`/api/v1/accounts/${account.id}/agents`);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'Account is suspended' });
  });

  it('answers 422 in the record shape for a missing name, a bad status, locale or domain', async () => {
    const missing = await platform().post('/platform/api/v1/accounts', { locale: 'en' });
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ message: "Name can't be blank", attributes: ['name'] });
    const bad = await platform().post('/platform/api/v1/accounts', {
      name: 'Bad',
      status: 'deleted',
      locale: 'not a locale',
      domain: 'x'.repeat(101),
    });
    expect(bad.status).toBe(422);
    expect(bad.body.attributes.sort()).toEqual(['domain', 'locale', 'status']);
    expect(bad.body.message).toContain('Domain is too long (maximum is 100 characters)');
    const account = await createAccount();
    const blank = await platform().patch(`/platform/api/v1/accounts/${account.id}`, { name: '  ' });
    expect(blank.status).toBe(422);
    expect(blank.body).toEqual({ message: "Name can't be blank", attributes: ['name'] });
  });

  it('DELETE removes the account and everything in it, its bots and their permissible rows; users stay', async () => {
    const account = await createAccount();
    const user = await createUser();
    await platform().post(`/platform/api/v1/accounts/${account.id}/account_users`, { user_id: user.id, role: 'administrator' });
    const tenant = client(server.url, user.access_token);
    const inbox = await tenant.post(`/api/v1/accounts/${account.id}/inboxes`, { name: 'Doomed', channel: { type: 'api' } });
    expect(inbox.status).toBe(200);
    const contact = await tenant.post(`/api/v1/accounts/${account.id}/contacts`, { name: 'Doomed', inbox_id: inbox.body.id, source_id: 'doomed-1' });
    expect(contact.status).toBe(200);
    const conversation = await tenant.post(`/api/v1/accounts/${account.id}/conversations`, { source_id: 'doomed-1' });
    expect(conversation.status).toBe(200);
    expect((await tenant.post(`/api/v1/accounts/${account.id}/conversations/${conversation.body.id}/messages`, { content: 'hi' })).status).toBe(200);
    const bot = await platform().post('/platform/api/v1/agent_bots', { name: 'Tenant bot', account_id: account.id });
    expect(bot.status).toBe(200);

    const removed = await platform().delete(`/platform/api/v1/accounts/${account.id}`);
    expect(removed.status).toBe(200);
    expect(removed.text).toBe('');
    const accountId = account.id;
    expect(await db().account.findUnique({ where: { id: accountId } })).toBeNull();
    for (const count of [
      db().accountUser.count({ where: { accountId } }),
      db().inbox.count({ where: { accountId } }),
      db().channelApi.count({ where: { accountId } }),
      db().contact.count({ where: { accountId } }),
      db().conversation.count({ where: { accountId } }),
      db().message.count({ where: { accountId } }),
      db().event.count({ where: { accountId } }),
      db().agentBot.count({ where: { id: bot.body.id } }),
      db().accessToken.count({ where: { agentBotId: bot.body.id } }),
      db().platformAppPermissible.count({ where: { permissibleType: 'Account', permissibleId: accountId } }),
      db().platformAppPermissible.count({ where: { permissibleType: 'AgentBot', permissibleId: bot.body.id } }),
    ])
      expect(await count).toBe(0);
    expect(await db().user.findUnique({ where: { id: user.id } })).not.toBeNull();
    expect((await platform().get(`/platform/api/v1/accounts/${accountId}`)).status).toBe(404);
  });
});

describe('Platform API: account users', () => {
  it('GET lists, POST finds-or-creates then sets the role, DELETE removes the membership (account_user shape)', async () => {
    const account = await createAccount();
    const user = await createUser();
    const empty = await platform().get(`/platform/api/v1/accounts/${account.id}/account_users`);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual([]);

    const created = await platform().post(`/platform/api/v1/accounts/${account.id}/account_users`, { user_id: user.id, role: 'agent' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ account_id: account.id, user_id: user.id, role: 'agent' });
    const promoted = await platform().post(`/platform/api/v1/accounts/${account.id}/account_users`, {
      account_user: { user_id: String(user.id), role: 'administrator' },
    });
    expect(promoted.body).toMatchObject({ id: created.body.id, role: 'administrator' });
    const defaulted = await platform().post(`/platform/api/v1/accounts/${account.id}/account_users`, { user_id: (await createUser()).id });
    expect(defaulted.body.role).toBe('agent');

    const listed = await platform().get(`/platform/api/v1/accounts/${account.id}/account_users`);
    expect(listed.body).toHaveLength(2);
    const row = listed.body[0];
    expectShape(row, {
      id: 'number',
      account_id: 'number',
      user_id: 'number',
      role: 'string',
      inviter_id: ['number', 'null'],
      availability: 'string',
      auto_offline: 'boolean',
      active_at: ['string', 'null'],
      created_at: 'string',
      updated_at: 'string',
    });
    expect(row).toMatchObject({ account_id: account.id, user_id: user.id, role: 'administrator' });

    const tenant = client(server.url, user.access_token);
    const inbox = await tenant.post(`/api/v1/accounts/${account.id}/inboxes`, { name: 'Members', channel: { type: 'api' } });
    await tenant.post(`/api/v1/accounts/${account.id}/inbox_members`, { inbox_id: inbox.body.id, user_ids: [user.id] });
    expect(await db().inboxMember.count({ where: { userId: user.id, inboxId: inbox.body.id } })).toBe(1);

    const removed = await platform().delete(`/platform/api/v1/accounts/${account.id}/account_users`, { body: { user_id: user.id } });
    expect(removed.status).toBe(200);
    expect(removed.text).toBe('');
    expect(await db().accountUser.count({ where: { accountId: account.id, userId: user.id } })).toBe(0);
    expect(await db().inboxMember.count({ where: { userId: user.id } })).toBe(0);
    expect((await tenant.get(`/api/v1/accounts/${account.id}/agents`)).status).toBe(401);
    expect(await db().user.findUnique({ where: { id: user.id } })).not.toBeNull();
    const again = await platform().delete(`/platform/api/v1/accounts/${account.id}/account_users`, { body: { user_id: user.id } });
    expect(again.status).toBe(200);
  });

  it('answers 422 "User must exist" for a missing or unknown user_id, and for a bad role', async () => {
    const account = await createAccount();
    for (const body of [{ role: 'agent' }, { user_id: 999999, role: 'agent' }]) {
      const reply = await platform().post(`/platform/api/v1/accounts/${account.id}/account_users`, body);
      expect(reply.status).toBe(422);
      expect(reply.body).toEqual({ message: 'User must exist', attributes: ['user'] });
    }
    const user = await createUser();
    const badRole = await platform().post(`/platform/api/v1/accounts/${account.id}/account_users`, { user_id: user.id, role: 'owner' });
    expect(badRole.status).toBe(422);
    expect(badRole.body).toEqual({ message: 'Role is not included in the list', attributes: ['role'] });
  });
});

describe('Platform API: users', () => {
  it('POST creates a confirmed user with an access token, hashed password and permissible row (swagger user shape)', async () => {
    const address = email('Dana');
    const reply = await platform().post('/platform/api/v1/users', {
      name: 'Dana',
      display_name: 'Dee',
      email: address.toUpperCase(),
      password: PASSWORD,
      custom_attributes: { crm_id: 42 },
    });
    expect(reply.status).toBe(200);
    expectShape(reply.body, {
      access_token: 'string',
      account_id: 'null',
      available_name: 'string',
      avatar_url: 'string',
      confirmed: 'boolean',
      display_name: ['string', 'null'],
      message_signature: ['string', 'null'],
      email: 'string',
      id: 'number',
      name: 'string',
      provider: 'string',
      pubsub_token: 'string',
      custom_attributes: 'object',
      role: 'null',
      ui_settings: 'object',
      uid: 'string',
      accounts: 'array',
    });
    expect(reply.body).toMatchObject({
      name: 'Dana',
      display_name: 'Dee',
      available_name: 'Dee',
      email: address.toLowerCase(),
      uid: address.toLowerCase(),
      confirmed: true,
      provider: 'email',
      custom_attributes: { crm_id: 42 },
      accounts: [],
    });
    const user = await db().user.findUniqueOrThrow({ where: { id: reply.body.id }, include: { accessToken: true } });
    expect(user.accessToken!.token).toBe(reply.body.access_token);
    expect(user.encryptedPassword).not.toContain(PASSWORD);
    expect(await passwordMatches(PASSWORD, user.encryptedPassword!)).toBe(true);
    expect(await passwordMatches('Password2!', user.encryptedPassword!)).toBe(false);
    expect(await db().platformAppPermissible.count({ where: { permissibleType: 'User', permissibleId: user.id } })).toBe(1);
  });

  it('POST with an existing email reuses that user unchanged and grants it to the platform app, as Chatwoot does', async () => {
    const existing = await createUser({ name: 'Old name' });
    const other = await otherPlatformApp();
    const reply = await other.post('/platform/api/v1/users', { name: 'New name', email: existing.email, password: 'Different1!' });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: existing.id, name: 'Old name' });
    expect((await other.get(`/platform/api/v1/users/${existing.id}`)).status).toBe(200);
    expect(await db().user.count({ where: { email: existing.email } })).toBe(1);
  });

  it('answers 422 for a missing name, email or password, a bad email, a weak password and a taken email', async () => {
    const missing = await platform().post('/platform/api/v1/users', {});
    expect(missing.status).toBe(422);
    expect(missing.body.attributes.sort()).toEqual(['email', 'name', 'password']);
    expect(missing.body.message).toContain("Name can't be blank");
    expect(missing.body.message).toContain("Email can't be blank");
    expect(missing.body.message).toContain("Password can't be blank");

    const badEmail = await platform().post('/platform/api/v1/users', { name: 'X', email: 'not-an-email', password: PASSWORD });
    expect(badEmail.status).toBe(422);
    expect(badEmail.body).toEqual({ message: 'Email is invalid', attributes: ['email'] });

    const weak = await platform().post('/platform/api/v1/users', { name: 'X', email: email('weak'), password: 'password' });
    expect(weak.status).toBe(422);
    expect(weak.body.attributes).toEqual(['password']);
    expect(weak.body.message).toContain('Password must contain at least 1 uppercase letter');
    expect(weak.body.message).toContain('Password must contain at least 1 special character');

    const first = await createUser();
    const second = await createUser();
    const taken = await platform().patch(`/platform/api/v1/users/${second.id}`, { email: first.email.toUpperCase() });
    expect(taken.status).toBe(422);
    expect(taken.body).toEqual({ message: 'Email has already been taken', attributes: ['email'] });
  });

  it('GET shows and PATCH updates name, email and password, merging custom attributes', async () => {
    const user = await createUser({ custom_attributes: { a: 1, b: 2 } });
    const shown = await platform().get(`/platform/api/v1/users/${user.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id: user.id, email: user.email, custom_attributes: { a: 1, b: 2 } });
    const newEmail = email('renamed');
    const updated = await platform().patch(`/platform/api/v1/users/${user.id}`, {
      user: { name: 'Renamed', email: newEmail, password: 'NewPass9?', custom_attributes: { b: 3, c: 4 } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Renamed', email: newEmail, custom_attributes: { a: 1, b: 3, c: 4 } });
    const stored = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(await passwordMatches('NewPass9?', stored.encryptedPassword!)).toBe(true);
    const blank = await platform().patch(`/platform/api/v1/users/${user.id}`, { name: '' });
    expect(blank.status).toBe(422);
    expect(blank.body).toEqual({ message: "Name can't be blank", attributes: ['name'] });
  });

  it('GET /users/{id}/login returns a single-use SSO link whose token is stored only as a digest and expires', async () => {
    const user = await createUser({ email: `dev+${process.pid}-${++n}@example.com` });
    const reply = await platform().get(`/platform/api/v1/users/${user.id}/login`);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['url']);
    const url = new URL(reply.body.url);
    expect(url.pathname).toBe('/app/login');
    expect(reply.body.url).toContain(`email=${encodeURIComponent(user.email)}&sso_auth_token=`);
    expect(reply.body.url).toContain('%2B');
    const token = url.searchParams.get('sso_auth_token')!;
    expect(token).toMatch(/^[1-9A-HJ-NP-Za-km-z]{24}$/);
    const rows = await db().userLoginToken.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.digest).not.toContain(token);
    expect(rows[0]!.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(5 * 60 * 1000);

    const tokens = new LoginTokens(db());
    expect(await tokens.redeem('someone@else.example', token)).toBeNull();
    const second = new URL((await platform().get(`/platform/api/v1/users/${user.id}/login`)).body.url).searchParams.get('sso_auth_token')!;
    expect(await tokens.redeem(user.email.toUpperCase(), second)).toBe(user.id);
    expect(await tokens.redeem(user.email, second)).toBeNull();
    const third = new URL((await platform().get(`/platform/api/v1/users/${user.id}/login`)).body.url).searchParams.get('sso_auth_token')!;
    const sixMinutesLater = new LoginTokens(db(), () => new Date(Date.now() + 6 * 60 * 1000));
    expect(await sixMinutesLater.redeem(user.email, third)).toBeNull();
    await db().userLoginToken.create({ data: { userId: user.id, digest: 'e'.repeat(64), expiresAt: new Date(Date.now() - 1000) } });
    expect(await db().userLoginToken.count({ where: { userId: user.id } })).toBe(1);
    await platform().get(`/platform/api/v1/users/${user.id}/login`);
    expect(await db().userLoginToken.count({ where: { userId: user.id, expiresAt: { lte: new Date() } } })).toBe(0);
  });

  it('DELETE removes the user, their token, memberships and login tokens, and unassigns their conversations', async () => {
    const account = await createAccount();
    const user = await createUser();
    await platform().post(`/platform/api/v1/accounts/${account.id}/account_users`, { user_id: user.id, role: 'administrator' });
    const tenant = client(server.url, user.access_token);
    const inbox = await tenant.post(`/api/v1/accounts/${account.id}/inboxes`, { name: 'Inbox', channel: { type: 'api' } });
    await tenant.post(`/api/v1/accounts/${account.id}/inbox_members`, { inbox_id: inbox.body.id, user_ids: [user.id] });
    await tenant.post(`/api/v1/accounts/${account.id}/contacts`, { name: 'C', inbox_id: inbox.body.id, source_id: 'gone-1' });
    const conversation = await tenant.post(`/api/v1/accounts/${account.id}/conversations`, { source_id: 'gone-1', assignee_id: user.id });
    const message = await tenant.post(`/api/v1/accounts/${account.id}/conversations/${conversation.body.id}/messages`, { content: 'bye' });
    expect(message.status).toBe(200);
    await platform().get(`/platform/api/v1/users/${user.id}/login`);
    expect((await db().conversation.findFirstOrThrow({ where: { accountId: account.id } })).assigneeId).toBe(user.id);
    expect(await db().inboxMember.count({ where: { userId: user.id } })).toBe(1);
    expect(await db().userLoginToken.count({ where: { userId: user.id } })).toBe(1);

    const removed = await platform().delete(`/platform/api/v1/users/${user.id}`);
    expect(removed.status).toBe(200);
    expect(removed.text).toBe('');
    const userId = user.id;
    expect(await db().user.findUnique({ where: { id: userId } })).toBeNull();
    for (const count of [
      db().accessToken.count({ where: { userId } }),
      db().accountUser.count({ where: { userId } }),
      db().inboxMember.count({ where: { userId } }),
      db().userLoginToken.count({ where: { userId } }),
      db().conversation.count({ where: { assigneeId: userId } }),
      db().platformAppPermissible.count({ where: { permissibleType: 'User', permissibleId: userId } }),
    ])
      expect(await count).toBe(0);
    const kept = await db().message.findUniqueOrThrow({ where: { id: message.body.id } });
    expect(kept.senderUserId).toBeNull();
    expect((await client(server.url, user.access_token).get('/api/v1/profile')).status).toBe(401);
  });
});

describe('Platform API: agent bots', () => {
  it('POST creates, GET lists and shows, PATCH updates, DELETE removes (swagger agent_bot shape)', async () => {
    const account = await createAccount();
    const created = await platform().post('/platform/api/v1/agent_bots', {
      name: 'Helper',
      description: 'Answers FAQs',
      outgoing_url: 'https://bots.example/hook',
      avatar_url: 'https://bots.example/avatar.png',
      account_id: account.id,
    });
    expect(created.status).toBe(200);
    expectShape(created.body, {
      id: 'number',
      name: 'string',
      description: ['string', 'null'],
      thumbnail: 'string',
      outgoing_url: ['string', 'null'],
      bot_type: 'string',
      bot_config: 'object',
      account_id: ['number', 'null'],
      access_token: 'string',
      system_bot: 'boolean',
    });
    expect(created.body).toMatchObject({
      name: 'Helper',
      description: 'Answers FAQs',
      thumbnail: 'https://bots.example/avatar.png',
      outgoing_url: 'https://bots.example/hook',
      bot_type: 'webhook',
      account_id: account.id,
      system_bot: false,
    });
    const global = await platform().post('/platform/api/v1/agent_bots', { agent_bot: { name: 'Global helper' } });
    expect(global.body).toMatchObject({ account_id: null, system_bot: true });

    const listed = await platform().get('/platform/api/v1/agent_bots');
    expect(listed.status).toBe(200);
    const ids = listed.body.map((bot: { id: number }) => bot.id);
    expect(ids.indexOf(created.body.id)).toBeLessThan(ids.indexOf(global.body.id));
    expect(await db().platformAppPermissible.count({ where: { permissibleType: 'AgentBot', permissibleId: { in: ids } } })).toBe(ids.length);

    const shown = await platform().get(`/platform/api/v1/agent_bots/${created.body.id}`);
    expect(shown.body).toEqual(created.body);
    const updated = await platform().patch(`/platform/api/v1/agent_bots/${created.body.id}`, { name: 'Helper 2', account_id: null });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Helper 2', description: 'Answers FAQs', account_id: null });

    const removed = await platform().delete(`/platform/api/v1/agent_bots/${created.body.id}`);
    expect(removed.status).toBe(200);
    expect(await db().agentBot.findUnique({ where: { id: created.body.id } })).toBeNull();
    expect(await db().accessToken.count({ where: { agentBotId: created.body.id } })).toBe(0);
    expect(await db().platformAppPermissible.count({ where: { permissibleType: 'AgentBot', permissibleId: created.body.id } })).toBe(0);
    expect((await platform().get(`/platform/api/v1/agent_bots/${created.body.id}`)).status).toBe(404);
  });

  it('answers 422 for a missing name and an unknown account', async () => {
    const missing = await platform().post('/platform/api/v1/agent_bots', { description: 'nameless' });
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ message: "Name can't be blank", attributes: ['name'] });
    const unknown = await platform().post('/platform/api/v1/agent_bots', { name: 'Lost', account_id: 999999 });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toEqual({ message: 'Account must exist', attributes: ['account'] });
  });
});

describe('Platform API: provisioning a tenant end to end', () => {
  it('an account, an administrator and a bot provisioned here work on the Application API in that account only', async () => {
    const account = await createAccount('Provisioned Inc');
    const admin = await createUser({ name: 'Provisioned admin' });
    const membership = await platform().post(`/platform/api/v1/accounts/${account.id}/account_users`, {
      user_id: admin.id,
      role: 'administrator',
    });
    expect(membership.status).toBe(200);
    const shown = await platform().get(`/platform/api/v1/users/${admin.id}`);
    expect(shown.body).toMatchObject({ account_id: account.id, role: 'administrator', accounts: [{ id: account.id, name: 'Provisioned Inc', role: 'administrator' }] });

    const tenant = client(server.url, admin.access_token);
    const profile = await tenant.get('/api/v1/profile');
    expect(profile.status).toBe(200);
    expect(profile.body.accounts.map((a: { id: number }) => a.id)).toEqual([account.id]);
    const inbox = await tenant.post(`/api/v1/accounts/${account.id}/inboxes`, { name: 'Web', channel: { type: 'api' } });
    expect(inbox.status).toBe(200);
    const agent = await tenant.post(`/api/v1/accounts/${account.id}/agents`, { name: 'Agent', email: email('agent'), role: 'agent' });
    expect(agent.status).toBe(200);
    const agents = await tenant.get(`/api/v1/accounts/${account.id}/agents`);
    expect(agents.body.map((a: { id: number }) => a.id).sort()).toEqual([admin.id, agent.body.id].sort());

    const contact = await tenant.post(`/api/v1/accounts/${account.id}/contacts`, { name: 'Customer', inbox_id: inbox.body.id, source_id: 'customer-1' });
    expect(contact.status).toBe(200);
    const bot = await platform().post('/platform/api/v1/agent_bots', { name: 'Tenant bot', account_id: account.id });
    const opened = await client(server.url, bot.body.access_token).post(`/api/v1/accounts/${account.id}/conversations`, { source_id: 'customer-1' });
    expect(opened.status).toBe(200);
    expect(opened.body.inbox_id).toBe(inbox.body.id);

    const elsewhere = await tenant.get(`/api/v1/accounts/${server.accountId}/agents`);
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body).toEqual({ error: 'You are not authorized to access this account' });
  });
});
