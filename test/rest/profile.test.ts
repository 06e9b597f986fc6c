/**
 * Profile (spec/API.md §4) and CONFORMANCE.md §J items of this area.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { createAgent } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { seedForeignTenant } from '../support/tenant.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const db = () => server.app.database.prisma;

describe('J. profile', () => {
  it('J-1 GET /api/v1/profile shows the token owner with its token and a null signature', async () => {
    const agent = await createAgent(server);
    const reply = await client(server.url, agent.token).get('/api/v1/profile');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      id: agent.id,
      email: agent.email,
      access_token: agent.token,
      custom_attributes: {},
      message_signature: null,
      pubsub_token: agent.pubsubToken,
    });
    expect(reply.body.accounts).toEqual([expect.objectContaining({ id: server.accountId, role: 'agent' })]);
  });

  it('J-2 PUT/PATCH /api/v1/profile stores name, phone_number, message_signature and ui_settings', async () => {
    const agent = await createAgent(server);
    const put = await fetch(new URL('/api/v1/profile', server.url), {
      method: 'PUT',
      headers: { api_access_token: agent.token, 'content-type': 'application/json' },
      body: JSON.stringify({ profile: { name: 'New Name', phone_number: '+14155550100' } }),
    });
    expect(put.status).toBe(200);
    const body = (await put.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ name: 'New Name', custom_attributes: { phone_number: '+14155550100' } });

    const api = client(server.url, agent.token);
    const signed = await api.patch('/api/v1/profile', {
      profile: { message_signature: 'Thanks, New', ui_settings: { is_contact_sidebar_open: false }, display_name: 'Newbie' },
    });
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({
      name: 'New Name',
      display_name: 'Newbie',
      available_name: 'Newbie',
      message_signature: 'Thanks, New',
      ui_settings: { is_contact_sidebar_open: false },
      custom_attributes: { phone_number: '+14155550100' },
    });
    const stored = await db().user.findUniqueOrThrow({ where: { id: agent.id } });
    expect(stored.messageSignature).toBe('Thanks, New');

    const topLevel = await api.patch('/api/v1/profile', { name: 'Top Level' });
    expect(topLevel.status).toBe(200);
    expect(topLevel.body.name).toBe('Top Level');
  });

  it('J-4 a name of 3996 characters is 422 with the Rails message', async () => {
    const agent = await createAgent(server);
    const reply = await client(server.url, agent.token).patch('/api/v1/profile', { profile: { name: 'a'.repeat(3996) } });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ message: 'Name is too long (maximum is 255 characters)', attributes: ['name'] });
    const blank = await client(server.url, agent.token).patch('/api/v1/profile', { profile: { name: '' } });
    expect(blank.status).toBe(422);
    expect(blank.body).toEqual({ message: "Name can't be blank", attributes: ['name'] });
    const wrongType = await client(server.url, agent.token).patch('/api/v1/profile', { profile: { ui_settings: 'nope' } });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.attributes).toEqual(['ui_settings']);
  });

  it('J-7 POST /api/v1/profile/availability sets the availability in that account', async () => {
    const agent = await createAgent(server);
    const api = client(server.url, agent.token);
    const reply = await api.post('/api/v1/profile/availability', { profile: { availability: 'busy', account_id: server.accountId } });
    expect(reply.status).toBe(200);
    expect(reply.body.accounts[0]).toMatchObject({ id: server.accountId, availability: 'busy', availability_status: 'busy' });
    const membership = await db().accountUser.findFirstOrThrow({ where: { userId: agent.id, accountId: server.accountId } });
    expect(membership.availability).toBe('busy');

    const bad = await api.post('/api/v1/profile/availability', { profile: { availability: 'asleep', account_id: server.accountId } });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ message: 'Availability is not included in the list', attributes: ['availability'] });

    const foreign = await seedForeignTenant(server);
    for (const accountId of [foreign.account.id, 999999, 'abc']) {
      const missing = await api.post('/api/v1/profile/availability', { profile: { availability: 'busy', account_id: accountId } });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: 'Resource could not be found' });
    }
  });

  it('J-8 POST /api/v1/profile/auto_offline sets auto_offline in that account', async () => {
    const agent = await createAgent(server);
    const api = client(server.url, agent.token);
    await db().accountUser.updateMany({ where: { userId: agent.id }, data: { autoOffline: true } });
    const reply = await api.post('/api/v1/profile/auto_offline', { profile: { auto_offline: false, account_id: server.accountId } });
    expect(reply.status).toBe(200);
    expect(reply.body.accounts[0].auto_offline).toBe(false);

    const missingValue = await api.post('/api/v1/profile/auto_offline', { profile: { account_id: server.accountId } });
    expect(missingValue.status).toBe(422);
    expect(missingValue.body.attributes).toEqual(['auto_offline']);

    const foreign = await seedForeignTenant(server);
    const other = await api.post('/api/v1/profile/auto_offline', { profile: { auto_offline: true, account_id: foreign.account.id } });
    expect(other.status).toBe(404);
  });

  it('J-11 POST /api/v1/profile/reset_access_token replaces the token and returns the new one', async () => {
    const agent = await createAgent(server);
    const reply = await client(server.url, agent.token).post('/api/v1/profile/reset_access_token');
    expect(reply.status).toBe(200);
    expect(reply.body.access_token).toEqual(expect.any(String));
    expect(reply.body.access_token).not.toBe(agent.token);
    const stored = await db().accessToken.findUniqueOrThrow({ where: { userId: agent.id } });
    expect(stored.token).toBe(reply.body.access_token);
    expect((await client(server.url, agent.token).get('/api/v1/profile')).status).toBe(401);
    expect((await client(server.url, reply.body.access_token).get('/api/v1/profile')).status).toBe(200);
  });

  it('refuses bot tokens on every profile endpoint', async () => {
    await db().agentBot.create({
      data: { name: 'Profile bot', accountId: server.accountId, accessToken: { create: { token: 'profile-bot-token-0123456789' } } },
    });
    const bot = client(server.url, 'profile-bot-token-0123456789');
    for (const reply of [
      await bot.patch('/api/v1/profile', { name: 'x' }),
      await bot.post('/api/v1/profile/reset_access_token'),
      await bot.post('/api/v1/profile/availability', { profile: { availability: 'busy', account_id: server.accountId } }),
      await bot.post('/api/v1/profile/auto_offline', { profile: { auto_offline: true, account_id: server.accountId } }),
    ]) {
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ error: 'Access to this endpoint is not authorized for bots' });
    }
  });
});
