/**
 * CONFORMANCE.md §A: cross-cutting authentication of the Application API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { accountPath, adminApi, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let n = 0;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const db = () => server.app.database.prisma;

async function userWithToken(type: string | null = null) {
  const token = `auth-test-token-${++n}-0123456789`;
  const user = await db().user.create({
    data: {
      name: `User ${n}`,
      email: `auth-user-${n}@example.com`,
      pubsubToken: `auth-pubsub-${n}`,
      type,
      accessToken: { create: { token } },
    },
  });
  return { user, token };
}

async function botWithToken(inboxId?: number) {
  const token = `auth-bot-token-${++n}-0123456789`;
  const bot = await db().agentBot.create({
    data: { name: `Bot ${n}`, accountId: server.accountId, accessToken: { create: { token } } },
  });
  if (inboxId !== undefined)
    await db().agentBotInbox.create({ data: { inboxId, agentBotId: bot.id, accountId: server.accountId } });
  return { bot, token };
}

describe('A. cross-cutting authentication', () => {
  it('A-1 a valid user token on an account route runs as that user (200, id is the display_id)', async () => {
    const { conversation } = await seedConversation(server);
    const reply = await adminApi(server).get(accountPath(server, `/conversations/${conversation.id}`));
    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(conversation.id);
    const row = await db().conversation.findFirstOrThrow({ where: { accountId: server.accountId, displayId: conversation.id } });
    expect(row.id).toBeGreaterThan(0);
  });

  it('A-2 an invalid api_access_token on GET /api/v1/profile is 401', async () => {
    const reply = await client(server.url, 'not-a-real-token').get('/api/v1/profile');
    expect(reply.status).toBe(401);
  });

  it('A-3 a valid user token on GET /api/v1/profile is 200 with the owner id and email', async () => {
    const { user, token } = await userWithToken();
    const reply = await client(server.url, token).get('/api/v1/profile');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: user.id, email: user.email });
  });

  it('A-4 a SuperAdmin token owner works the same (200 on profile)', async () => {
    const { user, token } = await userWithToken('SuperAdmin');
    const reply = await client(server.url, token).get('/api/v1/profile');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: user.id, email: user.email });
  });

  it('A-5 a bot token on a route outside the allow-list (GET /api/v1/profile) is 401', async () => {
    const { token } = await botWithToken();
    const reply = await client(server.url, token).get('/api/v1/profile');
    expect(reply.status).toBe(401);
    const agents = await client(server.url, token).get(accountPath(server, '/agents'));
    expect(agents.status).toBe(401);
  });

  it('A-6 a bot token on toggle_status of a conversation in its inbox opens a pending conversation', async () => {
    const { inbox, conversation } = await seedConversation(server);
    const { token } = await botWithToken(inbox.id);
    await db().conversation.updateMany({
      where: { accountId: server.accountId, displayId: conversation.id },
      data: { status: 'pending' },
    });
    const reply = await client(server.url, token).post(accountPath(server, `/conversations/${conversation.id}/toggle_status`), {
      status: 'open',
    });
    expect(reply.status).toBe(200);
    expect(reply.body.payload).toMatchObject({ conversation_id: conversation.id, current_status: 'open' });
  });

  it('A-7 a member of a suspended account is refused with 401', async () => {
    const { user, token } = await userWithToken();
    const account = await db().account.create({
      data: { name: 'Suspended A-7', status: 'suspended', accountUsers: { create: { userId: user.id, role: 'administrator' } } },
    });
    // canned_responses is not served by Snypto; the agents list stands in for it.
    const reply = await client(server.url, token).get(`/api/v1/accounts/${account.id}/agents`);
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: 'Account is suspended' });
  });

  it('A-8 a non-member of a suspended account is refused with 401', async () => {
    const { token } = await userWithToken();
    const account = await db().account.create({ data: { name: 'Suspended A-8', status: 'suspended' } });
    const reply = await client(server.url, token).get(`/api/v1/accounts/${account.id}/agents`);
    expect(reply.status).toBe(401);
    expect(reply.body).toHaveProperty('error');
  });

  it('A-9 401 bodies are worded exactly', async () => {
    const invalid = await client(server.url, 'still-not-a-token').get('/api/v1/profile');
    expect(invalid.body).toEqual({ error: 'Invalid Access Token' });

    const { token: botToken } = await botWithToken();
    const bot = await client(server.url, botToken).get('/api/v1/profile');
    expect(bot.body).toEqual({ error: 'Access to this endpoint is not authorized for bots' });

    const none = await client(server.url, null).get('/api/v1/profile');
    expect(none.body).toEqual({ errors: ['You need to sign in or sign up before continuing.'] });

    const { user, token } = await userWithToken();
    const suspended = await db().account.create({
      data: { name: 'Suspended A-9', status: 'suspended', accountUsers: { create: { userId: user.id, role: 'agent' } } },
    });
    const susp = await client(server.url, token).get(`/api/v1/accounts/${suspended.id}/agents`);
    expect(susp.body).toEqual({ error: 'Account is suspended' });

    const nonMember = await client(server.url, token).get(accountPath(server, '/agents'));
    expect(nonMember.status).toBe(401);
    expect(nonMember.body).toEqual({ error: 'You are not authorized to access this account' });
  });

  it('A-10 every endpoint of this area answers 401 without credentials', async () => {
    const agent = await createAgent(server);
    const anonymous = client(server.url, null);
    const unauthenticated = { errors: ['You need to sign in or sign up before continuing.'] };
    const calls = [
      anonymous.get(accountPath(server, '/agents')),
      anonymous.post(accountPath(server, '/agents'), { name: 'x', email: 'x@example.com' }),
      anonymous.patch(accountPath(server, `/agents/${agent.id}`), { name: 'x' }),
      anonymous.delete(accountPath(server, `/agents/${agent.id}`)),
      anonymous.post(accountPath(server, '/agents/bulk_create'), { emails: ['y@example.com'] }),
      anonymous.get(accountPath(server, '/webhooks')),
      anonymous.post(accountPath(server, '/webhooks'), { url: 'https://hooks.example.invalid/x' }),
      anonymous.patch(accountPath(server, '/webhooks/1'), { url: 'https://hooks.example.invalid/y' }),
      anonymous.delete(accountPath(server, '/webhooks/1')),
      anonymous.get('/api/v1/profile'),
      anonymous.patch('/api/v1/profile', { profile: { name: 'x' } }),
      anonymous.post('/api/v1/profile/reset_access_token'),
      anonymous.post('/api/v1/profile/availability', { profile: { account_id: server.accountId, availability: 'busy' } }),
      anonymous.post('/api/v1/profile/auto_offline', { profile: { account_id: server.accountId, auto_offline: false } }),
    ];
    for (const reply of await Promise.all(calls)) {
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(unauthenticated);
    }
  });
});
