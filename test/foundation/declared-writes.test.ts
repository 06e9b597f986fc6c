/**
 * Writes declare the tables they change (src/write-tables.ts for hand-written
 * statements, src/model-writes.ts for Prisma's operations), and the write
 * epochs the read caches rest on move by those declarations: the declaration
 * reaches the driver adapter inside Prisma's transactions (operations batched
 * together included) and the raw driver transaction, on PGlite and on
 * PostgreSQL (where test/scale/global-setup.ts finds it); and a representative
 * workload over HTTP leaves no write undeclared.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database } from '../../src/db.ts';
import { Prisma } from '../../src/generated/prisma/client.ts';
import { operationDeclarations, type DataModel } from '../../src/model-writes.ts';
import type { RawSql } from '../../src/raw-sql.ts';
import { writes } from '../../src/write-tables.ts';
import { client } from '../support/http.ts';
import { accountPath, adminApi, createAgent, createContactInInbox, createConversation, createInbox } from '../support/seed.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.ts';
import { PLATFORM_TOKEN, startServer, type TestServer } from '../support/server.ts';

/** Where PostgreSQL answers, if it does (test/scale/global-setup.ts). */
const scaleOut = inject('scaleOut');

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const prisma = () => server.app.database.prisma;
const dataModel = () => (prisma() as unknown as { _runtimeDataModel: DataModel })._runtimeDataModel;

/** The tables whose epoch `work` moved, among `tables`, and how many unnamed writes it made. */
async function moved(database: Database, tables: readonly string[], work: () => Promise<unknown>) {
  const before = tables.map((table) => database.writeEpoch([table]));
  const unnamed = database.unnamedWrites();
  await work();
  return {
    tables: tables.filter((table, i) => database.writeEpoch([table]) !== before[i]),
    unnamed: database.unnamedWrites() - unnamed,
  };
}

/** The checks of one database kind, on the server `target` gives. */
function declarationsReachTheDriver(target: () => TestServer) {
  const database = () => target().app.database;
  const prisma = () => target().app.database.prisma;
  const accountId = () => target().accountId;
  const touchAccount = () => writes('accounts')`UPDATE accounts SET updated_at = now() WHERE id = ${accountId()}`;

  it('inside an interactive transaction, for operations Prisma batches into one another', async () => {
    // Prisma sends the operations of one tick in a transaction as one batch, from the first one's async context.
    const result = await moved(database(), ['accounts', 'contacts'], () =>
      prisma().$transaction(async (tx) => {
        await Promise.all([tx.contact.findMany({ take: 1 }), tx.account.updateMany({ where: { id: accountId() }, data: { locale: 'en' } })]);
      }),
    );
    expect(result).toEqual({ tables: ['accounts'], unnamed: 0 });
  });

  it('inside a batch transaction', async () => {
    const user = await prisma().user.findFirstOrThrow();
    const result = await moved(database(), ['user_login_tokens', 'users'], () =>
      prisma().$transaction([
        prisma().userLoginToken.deleteMany({ where: { userId: user.id } }),
        prisma().userLoginToken.create({ data: { userId: user.id, digest: `d-${user.id}`, expiresAt: new Date() } }),
      ]),
    );
    expect(result).toEqual({ tables: ['user_login_tokens'], unnamed: 0 });
  });

  it('inside the raw driver transaction, and through RawSql over Prisma', async () => {
    const read = Prisma.sql`SELECT id FROM users`;
    const both = (sql: RawSql) => Promise.all([sql.rows(read), sql.execute(touchAccount()), sql.rows(read)]);
    const expected = { tables: ['accounts'], unnamed: 0 };
    expect(await moved(database(), ['accounts', 'users'], () => database().rawTransaction(both))).toEqual(expected);
    expect(await moved(database(), ['accounts', 'users'], () => database().transaction((_tx, sql) => both(sql)))).toEqual(expected);
    expect(await moved(database(), ['accounts', 'users'], () => prisma().$executeRaw(touchAccount()))).toEqual(expected);
  });

  it('counts a write that came without one as unnamed, which moves every table', async () => {
    const undeclared = Prisma.sql`UPDATE accounts SET updated_at = now() WHERE id = ${accountId()}`;
    const everything = { tables: ['users', 'accounts'], unnamed: 1 };
    expect(await moved(database(), ['users', 'accounts'], () => database().rawTransaction((sql) => sql.execute(undeclared)))).toEqual(everything);
    expect(await moved(database(), ['users', 'accounts'], () => prisma().$executeRaw(undeclared))).toEqual(everything);
    // A statement declared with an undeclared one inside it names no table either.
    const composed = writes('events', undeclared)`WITH c AS (${undeclared}) SELECT 1`;
    expect(await moved(database(), ['users', 'accounts'], () => prisma().$queryRaw(composed))).toEqual(everything);
  });

  it('does not move for reads, declared ones or plain SELECTs, nor for a declared write that changed nothing', async () => {
    const result = await moved(database(), ['contacts', 'accounts'], async () => {
      await prisma().account.findMany();
      await prisma().$queryRaw`SELECT id FROM accounts FOR UPDATE`;
      await prisma().$executeRaw(writes('accounts')`UPDATE accounts SET name = name WHERE id = -1`);
      await prisma().$queryRaw(writes('accounts')`UPDATE accounts SET name = name WHERE id = -1 RETURNING id`);
      await prisma().account.updateMany({ where: { id: -1 }, data: { name: 'nobody' } });
      await database().rawTransaction((sql) => sql.rows(Prisma.sql`SELECT nextval('messages_id_seq')`));
    });
    expect(result).toEqual({ tables: [], unnamed: 0 });
  });
}

describe('a declaration reaches the driver adapter, on PGlite', () => declarationsReachTheDriver(() => server));

describe.skipIf(!scaleOut.available)('a declaration reaches the driver adapter, on PostgreSQL', () => {
  let scratch: ScratchDatabase;
  let postgres: TestServer;
  beforeAll(async () => {
    if (!scaleOut.available) return;
    scratch = await createScratchDatabase(scaleOut.databaseUrl, 'snypto_declared');
    postgres = await startServer({ DATABASE_URL: scratch.url });
  });
  afterAll(async () => {
    await postgres?.stop();
    await scratch?.drop();
  });
  declarationsReachTheDriver(() => postgres);
});

describe('Prisma operations', () => {
  it('declare the table of their model, its @@map name', () => {
    const schema = readFileSync(new URL('../../prisma/schema.prisma', import.meta.url), 'utf8');
    const maps = [...schema.matchAll(/^model (\w+) \{\n(.*?)^\}/gms)].map(([, model, body]) => [model, /@@map\("(\w+)"\)/.exec(body!)![1]]);
    expect(maps.length).toBe(Object.keys(dataModel().models).length);
    const declare = operationDeclarations(dataModel());
    for (const [model, table] of maps) {
      expect(declare(model, 'deleteMany', {})).toEqual([table]);
      expect(declare(model, 'findMany', {})).toEqual([]);
    }
  });

  it('declare the tables of their nested writes, not those of filters or selections', () => {
    const declare = operationDeclarations(dataModel());
    expect(
      declare('Contact', 'create', {
        data: { name: 'x', account: { connect: { id: 1 } }, contactInboxes: { create: { sourceId: 's', inbox: { connect: { id: 1 } } } } },
        include: { conversations: true },
      }),
    ).toEqual(['contacts', 'accounts', 'contact_inboxes', 'inboxes']);
    expect(
      declare('Inbox', 'update', {
        where: { id: 1, members: { some: { userId: 1 } } },
        data: { name: 'x', channel: { update: { data: { webhookUrl: null } } }, members: { deleteMany: {} } },
      }),
    ).toEqual(['inboxes', 'channel_api', 'inbox_members']);
    expect(
      declare('Account', 'upsert', {
        where: { id: 1 },
        create: { name: 'a', accountUsers: { createMany: { data: [{ userId: 1 }] } } },
        update: { inboxes: { updateMany: { where: {}, data: { name: 'x' } } } },
      }),
    ).toEqual(['accounts', 'account_users', 'inboxes']);
    // A Json column that happens to hold a relation's name is data, not a nested write.
    expect(declare('Event', 'create', { data: { name: 'e', data: { deliveries: { create: {} } } } })).toEqual(['events']);
  });

  it('declare unknown operations and unsafe raw SQL as nothing, so that their writes are unnamed', () => {
    const declare = operationDeclarations(dataModel());
    expect(declare('Contact', 'somethingNew', {})).toBeUndefined();
    expect(declare(undefined, '$executeRawUnsafe', ['UPDATE contacts SET name = name'])).toBeUndefined();
    expect(declare(undefined, '$executeRaw', Prisma.sql`UPDATE contacts SET name = name`)).toBeUndefined();
    expect(declare(undefined, '$executeRaw', writes('contacts')`UPDATE contacts SET name = name`)).toEqual(['contacts']);
  });
});

/** The tables some read cache (auth.ts, webhooks/planner.ts, cable/presence.ts) names in its write epoch. */
const CACHED = [
  'access_tokens',
  'users',
  'platform_apps',
  'accounts',
  'account_users',
  'agent_bots',
  'agent_bot_inboxes',
  'inboxes',
  'channel_api',
  'webhooks',
] as const;

describe('a representative workload over HTTP', () => {
  it('declares every write, and moves the epoch of each cached table on its writes only', async () => {
    const api = adminApi(server);
    const path = (suffix: string) => accountPath(server, suffix);
    const platform = client(server.url, PLATFORM_TOKEN);
    const ok = async <T extends { status: number }>(reply: Promise<T>) => {
      const answer = await reply;
      expect(answer.status).toBe(200);
      return answer as T & { body: any };
    };
    const step = (work: () => Promise<unknown>) => moved(server.app.database, CACHED, work);

    const seen: Record<string, { tables: string[]; unnamed: number }> = {};
    let inbox!: Awaited<ReturnType<typeof createInbox>>;
    seen['create an inbox'] = await step(async () => (inbox = await createInbox(server)));
    seen['update the inbox'] = await step(() => ok(api.patch(path(`/inboxes/${inbox.id}`), { name: 'Renamed', webhook_url: 'https://example.com/hook' })));
    let contact!: Awaited<ReturnType<typeof createContactInInbox>>;
    seen['create a contact'] = await step(async () => (contact = await createContactInInbox(server, inbox.id)));
    seen['update the contact'] = await step(() => ok(api.patch(path(`/contacts/${contact.contactId}`), { name: 'Janet' })));
    let conversation!: Awaited<ReturnType<typeof createConversation>>;
    seen['create a conversation'] = await step(async () => (conversation = await createConversation(server, contact.sourceId)));
    const messages = path(`/conversations/${conversation.id}/messages`);
    let message!: { body: { id: number } };
    seen['post messages'] = await step(async () => {
      message = await ok(api.post(messages, { content: 'hello', message_type: 'incoming' }));
      await ok(api.post(messages, { content: 'hi there', message_type: 'outgoing' }));
      await ok(api.post(messages, { content: 'note', message_type: 'outgoing', private: true }));
    });
    seen['change the status'] = await step(async () => {
      await ok(api.post(path(`/conversations/${conversation.id}/toggle_status`), { status: 'resolved' }));
      await ok(api.post(path(`/conversations/${conversation.id}/toggle_status`), { status: 'open' }));
    });
    seen['delete a message'] = await step(() => ok(api.delete(`${messages}/${message.body.id}`)));
    let webhook!: { body: { payload: { webhook: { id: number } } } };
    seen['create a webhook'] = await step(async () => (webhook = await ok(api.post(path('/webhooks'), { url: 'https://example.com/w', subscriptions: ['message_created'] }))));
    seen['update the webhook'] = await step(() => ok(api.patch(path(`/webhooks/${webhook.body.payload.webhook.id}`), { url: 'https://example.com/w2' })));
    seen['delete the webhook'] = await step(() => ok(api.delete(path(`/webhooks/${webhook.body.payload.webhook.id}`))));
    let agent!: Awaited<ReturnType<typeof createAgent>>;
    seen['create an agent'] = await step(async () => (agent = await createAgent(server)));
    seen['add the agent to the inbox'] = await step(() => ok(api.post(path('/inbox_members'), { inbox_id: inbox.id, user_ids: [agent.id] })));
    seen['change the agent role'] = await step(() => ok(api.patch(path(`/agents/${agent.id}`), { role: 'administrator' })));
    seen["reset the agent's token"] = await step(() => ok(client(server.url, agent.token).post('/api/v1/profile/reset_access_token')));
    const bot = await prisma().agentBot.create({ data: { accountId: server.accountId, name: 'Workload bot' } });
    seen['connect a bot'] = await step(() => ok(api.post(path(`/inboxes/${inbox.id}/set_agent_bot`), { agent_bot: bot.id })));
    let platformBot!: { body: { id: number } };
    seen['create a platform bot'] = await step(async () => (platformBot = await ok(platform.post('/platform/api/v1/agent_bots', { name: 'Platform bot' }))));
    seen['delete the platform bot'] = await step(() => ok(platform.delete(`/platform/api/v1/agent_bots/${platformBot.body.id}`)));
    let account!: { body: { id: number } };
    seen['create an account'] = await step(async () => (account = await ok(platform.post('/platform/api/v1/accounts', { name: 'Workload account' }))));
    seen['rename the account'] = await step(() => ok(platform.patch(`/platform/api/v1/accounts/${account.body.id}`, { name: 'Renamed account' })));
    seen['delete the contact'] = await step(() => ok(api.delete(path(`/contacts/${contact.contactId}`))));
    seen['remove the agent'] = await step(() => ok(api.delete(path(`/agents/${agent.id}`))));
    seen['delete the inbox'] = await step(() => ok(api.delete(path(`/inboxes/${inbox.id}`))));

    // Cascades do not count (a platform bot's token, an inbox deleted with its channel): caches name parent tables too.
    const expected: Record<string, (typeof CACHED)[number][]> = {
      'create an inbox': ['inboxes', 'channel_api'],
      'update the inbox': ['inboxes'],
      'create a contact': [],
      'update the contact': [],
      // The account keeps the last display id.
      'create a conversation': ['accounts'],
      'post messages': [],
      'change the status': [],
      'delete a message': [],
      'create a webhook': ['webhooks'],
      'update the webhook': ['webhooks'],
      'delete the webhook': ['webhooks'],
      'create an agent': ['access_tokens', 'users', 'account_users'],
      'add the agent to the inbox': [],
      'change the agent role': ['account_users'],
      "reset the agent's token": ['access_tokens'],
      'connect a bot': ['agent_bot_inboxes'],
      'create a platform bot': ['access_tokens', 'agent_bots'],
      'delete the platform bot': ['agent_bots'],
      'create an account': ['accounts'],
      'rename the account': ['accounts'],
      'delete the contact': [],
      'remove the agent': ['users', 'account_users'],
      'delete the inbox': ['channel_api'],
    };
    expect(seen).toEqual(Object.fromEntries(Object.entries(expected).map(([name, tables]) => [name, { tables, unnamed: 0 }])));
  });
});
