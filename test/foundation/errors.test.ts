/**
 * Authentication refusals with Chatwoot's exact bodies, and bad input: the
 * documented status and body, never a crash, nothing half-written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../support/http.ts';
import { accountPath, adminApi, createAgent, seedConversation } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('authentication (spec/API.md §1.4)', () => {
  it('answers a request without credentials with the devise body', async () => {
    const reply = await client(server.url, null).get('/api/v1/profile');
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ errors: ['You need to sign in or sign up before continuing.'] });
  });

  it('answers an unknown api_access_token with Invalid Access Token', async () => {
    const reply = await client(server.url, 'no-such-token').get(accountPath(server, '/conversations/1'));
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: 'Invalid Access Token' });
  });

  it('accepts the api-access-token spelling of the header', async () => {
    const reply = await client(server.url, null).get('/api/v1/profile', {
      headers: { 'api-access-token': server.adminToken },
    });
    expect(reply.status).toBe(200);
  });

  it('answers an unknown account with 404 Resource could not be found', async () => {
    const reply = await adminApi(server).post('/api/v1/accounts/987654/contacts', { name: 'x' });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: 'Resource could not be found' });
  });

  it('refuses a user of another account with 401', async () => {
    const prisma = server.app.database.prisma;
    const other = await prisma.account.create({ data: { name: 'Other' } });
    const reply = await adminApi(server).post(`/api/v1/accounts/${other.id}/contacts`, { name: 'x' });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: 'You are not authorized to access this account' });
  });

  it('refuses members of a suspended account', async () => {
    const prisma = server.app.database.prisma;
    const suspended = await prisma.account.create({
      data: { name: 'Suspended', status: 'suspended', accountUsers: { create: { userId: 1, role: 'administrator' } } },
    });
    const reply = await adminApi(server).get(`/api/v1/accounts/${suspended.id}/conversations/1`);
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: 'Account is suspended' });
  });

  it('limits agent-bot tokens to the allowed endpoints', async () => {
    const prisma = server.app.database.prisma;
    await prisma.agentBot.create({
      data: { name: 'Bot', accountId: server.accountId, accessToken: { create: { token: 'bot-token-0123456789' } } },
    });
    const bot = client(server.url, 'bot-token-0123456789');
    const profile = await bot.get('/api/v1/profile');
    expect(profile.status).toBe(401);
    expect(profile.body).toEqual({ error: 'Access to this endpoint is not authorized for bots' });
    const contacts = await bot.post(accountPath(server, '/contacts'), { name: 'x' });
    expect(contacts.body).toEqual({ error: 'Access to this endpoint is not authorized for bots' });

    const { conversation } = await seedConversation(server);
    const message = await bot.post(accountPath(server, `/conversations/${conversation.id}/messages`), { content: 'beep' });
    expect(message.status).toBe(200);
    expect(message.body.sender).toMatchObject({ type: 'agent_bot', name: 'Bot' });
  });

  it('answers policy denials with 401, never 403', async () => {
    const agent = await createAgent(server);
    const { conversation, inbox } = await seedConversation(server);
    const api = client(server.url, agent.token);
    const inboxReply = await api.post(accountPath(server, '/inboxes'), { name: 'x', channel: { type: 'api' } });
    expect(inboxReply.status).toBe(401);
    expect(inboxReply.body).toEqual({ error: 'You are not authorized to do this action' });
    const notMember = await api.get(accountPath(server, `/conversations/${conversation.id}`));
    expect(notMember.status).toBe(401);
    const members = await api.get(accountPath(server, `/inbox_members/${inbox.id}`));
    expect(members.status).toBe(401);
  });
});

describe('bad input', () => {
  it('answers an unknown route with a JSON 404', async () => {
    const reply = await adminApi(server).get('/api/v1/nothing-here');
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ status: 404, error: 'Not Found' });
  });

  it('answers malformed JSON with a JSON 400', async () => {
    const reply = await adminApi(server).post(accountPath(server, '/contacts'), undefined, {
      raw: { contentType: 'application/json', data: '{"name": ' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'The request body is not valid JSON' });
  });

  it('accepts form bodies with Rails-style nested keys', async () => {
    const reply = await adminApi(server).post(accountPath(server, '/contacts'), undefined, {
      raw: { contentType: 'application/x-www-form-urlencoded', data: 'contact[name]=Form+Person&contact[email]=form@example.com' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.payload.contact).toMatchObject({ name: 'Form Person', email: 'form@example.com' });
  });

  it('refuses message content over 150 000 characters with the exception body', async () => {
    const { conversation } = await seedConversation(server);
    const path = accountPath(server, `/conversations/${conversation.id}/messages`);
    const reply = await adminApi(server).post(path, { content: 'a'.repeat(150_001) });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ error: 'Validation failed: Content is too long (maximum is 150000 characters)' });
    const list = await adminApi(server).get(path);
    expect(list.body.payload).toEqual([]);
  });

  it('refuses an unknown message_type', async () => {
    const { conversation } = await seedConversation(server);
    const reply = await adminApi(server).post(accountPath(server, `/conversations/${conversation.id}/messages`), {
      content: 'x',
      message_type: 'sideways',
    });
    expect(reply.status).toBe(422);
    expect(reply.body.error).toBe('Validation failed: Message type is not included in the list');
  });

  it('refuses malformed and duplicate contact attributes in the record shape', async () => {
    const api = adminApi(server);
    const badEmail = await api.post(accountPath(server, '/contacts'), { name: 'x', email: 'not-an-email' });
    expect(badEmail.status).toBe(422);
    expect(badEmail.body).toEqual({ message: 'Email is invalid', attributes: ['email'] });
    const badPhone = await api.post(accountPath(server, '/contacts'), { name: 'x', phone_number: '12345' });
    expect(badPhone.body).toEqual({ message: 'Phone number is invalid', attributes: ['phone_number'] });
    const longName = await api.post(accountPath(server, '/contacts'), { name: 'n'.repeat(3996) });
    expect(longName.body).toEqual({ message: 'Name is too long (maximum is 255 characters)', attributes: ['name'] });

    await api.post(accountPath(server, '/contacts'), { name: 'a', email: 'dup@example.com' });
    const duplicate = await api.post(accountPath(server, '/contacts'), { name: 'b', email: 'DUP@example.com' });
    expect(duplicate.status).toBe(422);
    expect(duplicate.body).toEqual({ message: 'Email has already been taken', attributes: ['email'] });
  });

  it('writes nothing when a contact create names an unknown inbox', async () => {
    const prisma = server.app.database.prisma;
    const before = await prisma.contact.count();
    const reply = await adminApi(server).post(accountPath(server, '/contacts'), { name: 'ghost', inbox_id: 999_999 });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: 'Resource could not be found' });
    expect(await prisma.contact.count()).toBe(before);
  });

  it('answers unknown conversations and source ids with 404 and consumes no display id', async () => {
    const prisma = server.app.database.prisma;
    const { lastConversationDisplayId } = await prisma.account.findUniqueOrThrow({ where: { id: server.accountId } });
    const unknownSource = await adminApi(server).post(accountPath(server, '/conversations'), { source_id: 'nobody' });
    expect(unknownSource.status).toBe(404);
    const unknownConversation = await adminApi(server).post(accountPath(server, '/conversations/999999/messages'), {
      content: 'x',
    });
    expect(unknownConversation.status).toBe(404);
    const notANumber = await adminApi(server).get(accountPath(server, '/conversations/abc'));
    expect(notANumber.status).toBe(404);
    const after = await prisma.account.findUniqueOrThrow({ where: { id: server.accountId } });
    expect(after.lastConversationDisplayId).toBe(lastConversationDisplayId);
  });

  it('refuses a source_id that another contact holds in the inbox', async () => {
    const { inbox, sourceId } = await seedConversation(server);
    const other = await adminApi(server).post(accountPath(server, '/contacts'), { name: 'Other' });
    const reply = await adminApi(server).post(accountPath(server, '/conversations'), {
      inbox_id: inbox.id,
      contact_id: other.body.payload.contact.id,
      source_id: sourceId,
    });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ error: 'source_id should be unique' });
  });

  it('refuses inbox members that are not users of the account', async () => {
    const { inbox } = await seedConversation(server);
    const reply = await adminApi(server).post(accountPath(server, '/inbox_members'), {
      inbox_id: inbox.id,
      user_ids: ['invalid'],
    });
    expect(reply.status).toBe(422);
    expect(JSON.stringify(reply.body)).toContain('User must exist');
  });
});
