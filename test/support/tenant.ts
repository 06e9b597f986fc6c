/**
 * A second tenant, written straight into the database (there is no API to
 * create accounts until the Platform API): an account with an administrator
 * (and their token), an agent bot, a team, an API inbox with a contact, its
 * session, a conversation and a message, and an account webhook. Tests use it
 * to prove that nobody reaches another account.
 */
import type { TestServer } from './server.ts';

let tenants = 0;

export async function seedForeignTenant(server: TestServer) {
  const db = server.app.database.prisma;
  const n = `${process.pid}-${++tenants}`;
  const account = await db.account.create({ data: { name: `Foreign ${n}` } });
  const adminToken = `foreign-admin-token-${n}-000000`;
  const admin = await db.user.create({
    data: {
      name: 'Foreign admin',
      email: `admin-${n}@foreign.test`,
      pubsubToken: `foreign-pubsub-${n}`,
      accessToken: { create: { token: adminToken } },
      accountUsers: { create: { accountId: account.id, role: 'administrator' } },
    },
    include: { accountUsers: true },
  });
  const channel = await db.channelApi.create({
    data: { accountId: account.id, identifier: `foreign-inbox-${n}`, hmacToken: `foreign-hmac-${n}`, secret: 'whsec_foreign' },
  });
  const inbox = await db.inbox.create({ data: { accountId: account.id, channelId: channel.id, name: 'Foreign inbox', workingHours: [] } });
  const contact = await db.contact.create({ data: { accountId: account.id, name: 'Foreign contact' } });
  const contactInbox = await db.contactInbox.create({
    data: { accountId: account.id, contactId: contact.id, inboxId: inbox.id, sourceId: `foreign-source-${n}`, pubsubToken: `foreign-session-${n}` },
  });
  const conversation = await db.conversation.create({
    data: { accountId: account.id, displayId: 1, inboxId: inbox.id, contactId: contact.id, contactInboxId: contactInbox.id },
  });
  const message = await db.message.create({
    data: {
      accountId: account.id,
      inboxId: inbox.id,
      conversationId: conversation.id,
      messageType: 'incoming',
      content: 'foreign secret',
      senderType: 'Contact',
      senderContactId: contact.id,
    },
  });
  const bot = await db.agentBot.create({ data: { accountId: account.id, name: 'Foreign bot' } });
  const team = await db.team.create({ data: { accountId: account.id, name: 'Foreign team' } });
  const webhook = await db.webhook.create({ data: { accountId: account.id, url: `https://foreign.test/${n}/hook`, secret: 'whsec_hook' } });
  return { account, admin, adminToken, agent: admin.accountUsers[0]!, inbox, contact, contactInbox, conversation, message, bot, team, webhook };
}
