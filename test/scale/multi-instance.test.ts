/**
 * The scale-out suite (issue 8): three real Snypto processes, A, B and C,
 * started together on one scratch PostgreSQL database and one Redis, behave
 * as one server. Proven with real clients only:
 * - a message created through REST on A reaches a graphql-ws subscriber on
 *   B and /cable subscribers (agent and contact) on C; typing on A reaches C;
 * - presence is shared: an agent connected on A is online for those on B and C;
 * - each webhook attempt is sent once, whichever instance committed its event;
 * - concurrent conversation creation on all instances gives display ids
 *   1..M with no gap and no duplicate;
 * - SIGKILL of an instance with deliveries in flight loses none: after their
 *   lease another instance sends them, with the same delivery id.
 *
 * It runs only when the PostgreSQL server and Redis answer (test/scale/global-setup.ts
 * probes them and says plainly when the suite is not run, and why).
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { presenceKeyOf } from '../../src/cable/presence.ts';
import { MessageCreatedDocument, ResumeMessageCreatedDocument } from '../generated/graphql.ts';
import { officialConsumer, subscribeRoom, type Broadcast } from '../support/cable.ts';
import { connectGraphqlWs, untilLive, type WsClient } from '../support/graphql-ws.ts';
import { globalId } from '../support/graphql.ts';
import { startWebhookSink, type ReceivedWebhook, type WebhookSink } from '../support/webhook-sink.ts';
import {
  createScratchDatabase,
  rest,
  SCALE_ADMIN_TOKEN,
  startInstances,
  waitFor,
  type Instance,
  type ScratchDatabase,
} from './support.ts';

const scaleOut = inject('scaleOut');

/** WEBHOOK_TIMEOUT of the instances: a delivery's lease is this plus 5 s. */
const WEBHOOK_TIMEOUT_SECONDS = 2;

let database: ScratchDatabase;
let sql: pg.Pool;
let redis: Redis;
let sink: WebhookSink;
let a: Instance, b: Instance, c: Instance;
let accountId: number;
const consumers: { disconnect(): void }[] = [];
const wsClients: WsClient[] = [];

const account = (route: string) => `/api/v1/accounts/${accountId}${route}`;
const admin = (instance: Instance, method: string, route: string, body?: unknown) => rest(instance.url, SCALE_ADMIN_TOKEN, method, route, body);
const isEvent = (name: string, test: (data: any) => boolean = () => true) => (item: Broadcast) => item.event === name && test(item.data);

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

/** An API inbox created on `instance`; its id and its Client API identifier. */
async function apiInbox(instance: Instance) {
  const inbox = await admin(instance, 'POST', account('/inboxes'), { name: unique('Inbox'), channel: { type: 'api' } });
  return { id: inbox.id as number, identifier: inbox.inbox_identifier as string };
}

/** A contact's Client API session with an open conversation, made on `instance`. */
async function contactSession(instance: Instance, inboxIdentifier: string) {
  const base = `/public/api/v1/inboxes/${inboxIdentifier}/contacts`;
  const contact = await rest(instance.url, null, 'POST', base, {});
  const conversation = await rest(instance.url, null, 'POST', `${base}/${contact.source_id}/conversations`, {});
  return {
    contactId: contact.id as number,
    sourceId: contact.source_id as string,
    pubsubToken: contact.pubsub_token as string,
    conversationId: conversation.id as number,
    conversationPath: `${base}/${contact.source_id}/conversations/${conversation.id}`,
  };
}

/**
 * A new agent of the account, made on `instance`, with the pubsub token
 * /cable needs: available, and listed only while present (auto-offline on).
 */
async function newAgent(instance: Instance) {
  const agent = await admin(instance, 'POST', account('/agents'), {
    name: 'Agent',
    email: `${unique('agent')}@example.com`,
    role: 'agent',
    availability: 'online',
    auto_offline: true,
  });
  const { rows } = await sql.query<{ pubsub_token: string }>('SELECT pubsub_token FROM users WHERE id = $1', [agent.id]);
  return { id: agent.id as number, pubsubToken: rows[0]!.pubsub_token };
}

function cableOn(instance: Instance) {
  const consumer = officialConsumer(instance.wsUrl);
  consumers.push(consumer);
  return consumer;
}

const agentRoom = (instance: Instance, agent: { id: number; pubsubToken: string }) =>
  subscribeRoom(cableOn(instance), { pubsub_token: agent.pubsubToken, user_id: agent.id, account_id: accountId });
const contactRoom = (instance: Instance, pubsubToken: string) => subscribeRoom(cableOn(instance), { pubsub_token: pubsubToken });

/** Creates an account webhook on `instance` for message_created, to `path` of the sink. */
async function accountWebhook(instance: Instance, path: string) {
  const created = await admin(instance, 'POST', account('/webhooks'), { url: `${sink.url}${path}`, subscriptions: ['message_created'] });
  return created.payload.webhook.id as number;
}

/**
 * Records each claim of a delivery (the worker's UPDATE that sets locked_by)
 * in a table of the scratch database, test_claims: every send follows one.
 */
async function recordClaims() {
  await sql.query(`
    CREATE TABLE IF NOT EXISTS test_claims (delivery_id uuid NOT NULL, claimed_by text NOT NULL);
    CREATE OR REPLACE FUNCTION test_record_claim() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO test_claims VALUES (NEW.id, NEW.locked_by); RETURN NEW; END $$;
    CREATE OR REPLACE TRIGGER test_record_claim AFTER UPDATE OF locked_by ON webhook_deliveries
      FOR EACH ROW WHEN (NEW.locked_by IS NOT NULL) EXECUTE FUNCTION test_record_claim();`);
}

/** How many claims of the webhook's deliveries test_claims holds. */
async function claimsOf(webhookId: number): Promise<number> {
  const { rows } = await sql.query<{ claims: number }>(
    'SELECT count(*)::int AS claims FROM test_claims JOIN webhook_deliveries d ON d.id = delivery_id WHERE d.webhook_id = $1',
    [webhookId],
  );
  return rows[0]!.claims;
}

/** This run's Redis channels and keys (another run, or another suite, on the same Redis never hears them). */
const NAMESPACE = `snypto-test-${process.pid}-${Date.now()}`;

describe.skipIf(!scaleOut.available)('three instances on one PostgreSQL database and one Redis', () => {
  beforeAll(async () => {
    if (!scaleOut.available) return;
    database = await createScratchDatabase(scaleOut.databaseUrl, 'snypto_scale');
    sql = new pg.Pool({ connectionString: database.url, max: 2 });
    redis = new Redis(scaleOut.redisUrl);
    sink = await startWebhookSink();
    const instances = await startInstances(['A', 'B', 'C'], {
      DATABASE_URL: database.url,
      REDIS_URL: scaleOut.redisUrl,
      SNYPTO_REDIS_NAMESPACE: NAMESPACE,
      WEBHOOK_TIMEOUT: String(WEBHOOK_TIMEOUT_SECONDS),
      DATABASE_POOL_SIZE: '5',
    });
    [a, b, c] = [instances[0]!, instances[1]!, instances[2]!];
    accountId = (await admin(a, 'GET', '/api/v1/profile')).account_id;
  }, 60_000);

  afterAll(async () => {
    for (const consumer of consumers) consumer.disconnect();
    await Promise.allSettled(wsClients.map((client) => client.dispose()));
    await Promise.allSettled([a, b, c].filter(Boolean).map((instance) => instance.stop()));
    await sink?.close();
    await sql?.end();
    redis?.disconnect();
    await database?.drop();
  }, 30_000);

  it('delivers a message created on A to graphql-ws on B and to /cable (agent and contact) on C; typing on A reaches C', async () => {
    const inbox = await apiInbox(a);
    const session = await contactSession(a, inbox.identifier);
    const profile = await admin(c, 'GET', '/api/v1/profile');
    const messages = account(`/conversations/${session.conversationId}/messages`);

    const ws = connectGraphqlWs(b.wsUrl, { api_access_token: SCALE_ADMIN_TOKEN });
    wsClients.push(ws);
    await ws.connected;
    const onB = ws.subscribe(MessageCreatedDocument, { scope: { accountId: globalId('Account', accountId) } });
    const isProbe = (result: { data?: { messageCreated?: { content?: string | null } } | null }) => result.data?.messageCreated?.content === 'probe';
    await untilLive(onB, () => admin(a, 'POST', messages, { content: 'probe', message_type: 'incoming' }), isProbe);

    const contactOnC = contactRoom(c, session.pubsubToken);
    const agentOnC = agentRoom(c, { id: profile.id, pubsubToken: profile.pubsub_token });
    for (const room of [contactOnC, agentOnC]) {
      expect(await room.outcome).toBe('connected');
      await room.received.next(isEvent('presence.update'));
    }

    const created = await admin(a, 'POST', messages, { content: 'Across instances', message_type: 'outgoing' });
    const result = await onB.nextMatching((r) => !isProbe(r));
    expect(result.errors).toBeUndefined();
    expect(result.data?.messageCreated).toMatchObject({
      databaseId: created.id,
      content: 'Across instances',
      messageType: 'OUTGOING',
      private: false,
      conversation: { displayId: session.conversationId, inbox: { databaseId: inbox.id } },
    });
    for (const room of [contactOnC, agentOnC]) {
      const { data } = await room.received.next(isEvent('message.created', (d) => d.id === created.id));
      expect(data).toMatchObject({
        id: created.id,
        content: 'Across instances',
        account_id: accountId,
        inbox_id: inbox.id,
        conversation_id: session.conversationId,
        message_type: 1,
        private: false,
        content_type: 'text',
        sender_type: 'User',
        sender_id: profile.id,
        conversation: { contact_inbox: { source_id: session.sourceId } },
        sender: { id: profile.id, type: 'user' },
      });
      expect(typeof data.created_at).toBe('number');
    }

    await rest(a.url, null, 'POST', `${session.conversationPath}/toggle_typing`, { typing_status: 'on' });
    const contactTyping = await agentOnC.received.next(isEvent('conversation.typing_on'));
    expect(contactTyping.data).toMatchObject({
      conversation: { id: session.conversationId },
      user: { id: session.contactId, type: 'contact' },
      is_private: false,
      account_id: accountId,
    });
    await admin(a, 'POST', account(`/conversations/${session.conversationId}/toggle_typing_status`), { typing_status: 'on' });
    const agentTyping = await contactOnC.received.next(isEvent('conversation.typing_on'));
    expect(agentTyping.data).toMatchObject({ conversation: { id: session.conversationId }, user: { id: profile.id, type: 'user' } });
  });

  it('shares presence: an agent connected on A is online for a contact on B and an agent on C, who also sees the contact', async () => {
    const inbox = await apiInbox(b);
    const session = await contactSession(b, inbox.identifier);
    const agent = await newAgent(a);
    const observer = await newAgent(c);
    // With Redis, each instance caches an account's members within the current wall-clock second only
    // (src/cable/presence.ts): once the second in which the agents were created has passed, every instance shows them.
    const createdAt = Math.floor(Date.now() / 1000);
    await waitFor(async () => Math.floor(Date.now() / 1000) > createdAt, 'the wall-clock second after the agents were created');

    const contactOnB = contactRoom(b, session.pubsubToken);
    expect(await contactOnB.outcome).toBe('connected');
    const before = await contactOnB.received.next(isEvent('presence.update'));
    expect(before.data.users[String(agent.id)]).toBeUndefined();

    const agentOnA = agentRoom(a, agent);
    expect(await agentOnA.outcome).toBe('connected');
    const own = await agentOnA.received.next(isEvent('presence.update'));
    expect(own.data.users[String(agent.id)]).toBe('online');
    expect(own.data.contacts[String(session.contactId)]).toBe('online');

    contactOnB.perform('update_presence');
    const after = await contactOnB.received.next(isEvent('presence.update'));
    expect(after.data).toMatchObject({ account_id: accountId, users: { [String(agent.id)]: 'online' } });
    expect(after.data.contacts).toBeUndefined();

    const observerOnC = agentRoom(c, observer);
    expect(await observerOnC.outcome).toBe('connected');
    const seen = await observerOnC.received.next(isEvent('presence.update'));
    expect(seen.data.users).toMatchObject({ [String(agent.id)]: 'online', [String(observer.id)]: 'online' });
    expect(seen.data.contacts[String(session.contactId)]).toBe('online');

    // Kept in Redis with an expiry: nothing outlives the presence duration.
    for (const kind of ['users', 'contacts'] as const) {
      const ttl = await redis.pttl(presenceKeyOf(NAMESPACE, accountId, kind));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(20_000);
    }
    expect(await redis.zscore(presenceKeyOf(NAMESPACE, accountId, 'users'), String(agent.id))).not.toBeNull();
  });

  it('sends each webhook attempt once, whichever instance created the message', async () => {
    await recordClaims();
    const webhookId = await accountWebhook(b, '/once');
    const inbox = await apiInbox(c);
    const session = await contactSession(c, inbox.identifier);
    const instances = [a, b, c];
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        admin(instances[i % 3]!, 'POST', account(`/conversations/${session.conversationId}/messages`), {
          content: `once ${i}`,
          message_type: 'incoming',
        }),
      ),
    );
    const ids = created.map((m) => m.id as number);
    const hooks = () => sink.received.filter((hook) => hook.path === '/once' && hook.body.event === 'message_created');
    await waitFor(async () => ids.every((id) => hooks().some((hook) => hook.body.id === id)), 'every message_created webhook', 20_000);
    // A send follows each claim. Once every delivery has succeeded none can be claimed again (a claim takes only
    // pending ones), so the sends there will ever be are those of the claims made so far: wait until they have arrived.
    await waitFor(
      async () => {
        const { rows } = await sql.query<{ open: number }>(
          `SELECT count(*)::int AS open FROM webhook_deliveries WHERE webhook_id = $1 AND (state <> 'succeeded' OR locked_by IS NOT NULL)`,
          [webhookId],
        );
        return rows[0]!.open === 0 && hooks().length >= (await claimsOf(webhookId));
      },
      'the send of every claim',
      20_000,
    );

    const received = hooks();
    expect(received).toHaveLength(ids.length);
    expect(new Set(received.map((hook) => hook.body.id))).toEqual(new Set(ids));
    expect(new Set(received.map((hook) => hook.headers['webhook-id'])).size).toBe(ids.length);
    const { rows } = await sql.query<{ state: string; attempts: number }>(
      'SELECT state, attempts FROM webhook_deliveries WHERE webhook_id = $1',
      [webhookId],
    );
    expect(rows).toHaveLength(ids.length);
    expect(rows.every((row) => row.state === 'succeeded' && row.attempts === 1)).toBe(true);
    await admin(a, 'DELETE', account(`/webhooks/${webhookId}`));
    await sql.query('DROP TRIGGER test_record_claim ON webhook_deliveries');
  });

  it('gives conversations created concurrently on every instance the display ids 1..M, without gap or duplicate', async () => {
    const inbox = await apiInbox(a);
    const perInstance = 15;
    const instances = [a, b, c];
    const sourceIds = await Promise.all(
      Array.from({ length: perInstance * 3 }, async (_, i) => {
        const sourceId = unique('display');
        await admin(instances[i % 3]!, 'POST', account('/contacts'), { name: `Customer ${i}`, inbox_id: inbox.id, source_id: sourceId });
        return sourceId;
      }),
    );
    const created = await Promise.all(
      sourceIds.map((sourceId, i) => admin(instances[i % 3]!, 'POST', account('/conversations'), { source_id: sourceId })),
    );
    const returned = created.map((conversation) => conversation.id as number);
    expect(new Set(returned).size).toBe(returned.length);

    const { rows } = await sql.query<{ display_id: number }>(
      'SELECT display_id FROM conversations WHERE account_id = $1 ORDER BY display_id',
      [accountId],
    );
    const displayIds = rows.map((row) => row.display_id);
    expect(displayIds).toEqual(Array.from({ length: displayIds.length }, (_, i) => i + 1));
    for (const id of returned) expect(displayIds).toContain(id);
  });

  it('keeps every instance\'s read caches true to writes made on another', async () => {
    const profileOn = (instance: Instance, token: string) => fetch(`${instance.url}/api/v1/profile`, { headers: { api_access_token: token } });
    // A token B has cached stops working there as soon as A has reset it.
    const agent = await admin(a, 'POST', account('/agents'), { name: 'Cached', email: `${unique('cached')}@scale.test`, role: 'agent' });
    const { rows } = await sql.query<{ token: string }>('SELECT token FROM access_tokens WHERE user_id = $1', [agent.id]);
    const oldToken = rows[0]!.token;
    expect((await profileOn(b, oldToken)).status).toBe(200);
    const reset = await rest(a.url, oldToken, 'POST', '/api/v1/profile/reset_access_token');
    expect(reset.access_token).not.toBe(oldToken);
    expect((await profileOn(b, oldToken)).status).toBe(401);
    expect((await profileOn(b, reset.access_token)).status).toBe(200);

    // A GraphQL answer B has cached follows a change made on A.
    const myName = async () => {
      const response = await fetch(`${b.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', api_access_token: SCALE_ADMIN_TOKEN },
        body: JSON.stringify({ query: '{ me { name } }' }),
      });
      return ((await response.json()) as { data: { me: { name: string } } }).data.me.name;
    };
    expect(await myName()).toBe(await myName());
    const name = unique('Renamed');
    await admin(a, 'PUT', '/api/v1/profile', { name });
    expect(await myName()).toBe(name);
  });

  it('lets a graphql-ws subscriber that keeps reconnecting to another instance resume without loss or repeat while all three write at once', async () => {
    const inbox = await apiInbox(a);
    const session = await contactSession(a, inbox.identifier);
    const messages = account(`/conversations/${session.conversationId}/messages`);
    const scope = { accountId: globalId('Account', accountId) };
    const instances = [a, b, c];
    const content = (result: { data?: { messageCreated?: { content?: string | null } } | null }) => result.data?.messageCreated?.content;

    let ws = connectGraphqlWs(b.wsUrl, { api_access_token: SCALE_ADMIN_TOKEN });
    wsClients.push(ws);
    let subscription = ws.subscribe(ResumeMessageCreatedDocument, { scope });
    const first = await untilLive(subscription, () => admin(a, 'POST', messages, { content: 'mark' }), (r) => content(r) === 'mark');
    let cursor = first.extensions!.cursor as string;
    expect(cursor).toMatch(/:\d+$/);

    // 90 messages, 30 through each instance, 6 at a time on each: transactions commit in every order their ids allow.
    const written: number[] = [];
    const writing = Promise.all(
      instances.map(async (instance, i) => {
        for (let round = 0; round < 5; round++) {
          const ids = await Promise.all(
            Array.from({ length: 6 }, async (_, k) => (await admin(instance, 'POST', messages, { content: `w${i}-${round}-${k}` })).id as number),
          );
          written.push(...ids);
        }
      }),
    );
    const heard: number[] = [];
    // Once every written message was heard (and the writes are over), one last message: nothing may come twice before it.
    let writingDone = false;
    let doneSent = false;
    const maybeDone = async () => {
      if (doneSent || !writingDone || !written.every((id) => heard.includes(id))) return;
      doneSent = true;
      await admin(c, 'POST', messages, { content: 'done' });
    };
    void writing.then(() => ((writingDone = true), maybeDone()));

    // Meanwhile, every 5 results, the subscriber drops its socket and resumes on the next instance.
    let hop = 0;
    for (;;) {
      const result = await subscription.next(15_000);
      expect(result.errors).toBeUndefined();
      cursor = result.extensions!.cursor as string;
      if (content(result) === 'done') break;
      if (content(result) === 'mark') continue; // a probe heard late
      heard.push(result.data!.messageCreated!.databaseId);
      await maybeDone();
      if (!doneSent && heard.length % 5 === 0) {
        await ws.dispose();
        ws = connectGraphqlWs(instances[++hop % 3]!.wsUrl, { api_access_token: SCALE_ADMIN_TOKEN });
        wsClients.push(ws);
        subscription = ws.subscribe(ResumeMessageCreatedDocument, { scope, after: cursor });
      }
    }
    await writing;
    expect(hop).toBeGreaterThan(5);
    expect(new Set(heard).size).toBe(heard.length);
    expect([...heard].sort((x, y) => x - y)).toEqual([...written].sort((x, y) => x - y));
  }, 60_000);

  it('loses no delivery when an instance is killed with deliveries in flight', { timeout: 45_000 }, async () => {
    let release!: () => void;
    const held = new Promise<number>((resolve) => (release = () => resolve(200)));
    sink.respondWith((hook) => (hook.path === '/kill' ? held : 200));
    const webhookId = await accountWebhook(a, '/kill');
    const inbox = await apiInbox(a);
    const session = await contactSession(a, inbox.identifier);
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      const message = await admin(a, 'POST', account(`/conversations/${session.conversationId}/messages`), {
        content: `backlog ${i}`,
        message_type: 'incoming',
      });
      ids.push(message.id);
    }
    const hooks = () => sink.received.filter((hook) => hook.path === '/kill' && hook.body.event === 'message_created');
    await waitFor(async () => hooks().length >= 5, 'deliveries to be in flight');

    await a.kill();
    const cutShort = new Map(hooks().map((hook) => [hook.body.id as number, hook.headers['webhook-id']]));
    const receivedBeforeKill = hooks().length;
    sink.respondWith(() => 200);
    release();

    // A's claims are leased for WEBHOOK_TIMEOUT + 5 s; then B and C send them.
    await waitFor(
      async () => {
        const { rows } = await sql.query<{ pending: number }>(
          `SELECT count(*)::int AS pending FROM webhook_deliveries WHERE webhook_id = $1 AND state <> 'succeeded'`,
          [webhookId],
        );
        return rows[0]!.pending === 0 && ids.every((id) => hooks().some((hook) => hook.body.id === id));
      },
      'every delivery to arrive after the kill',
      30_000,
    );
    const received: ReceivedWebhook[] = hooks();
    expect(cutShort.size).toBeGreaterThan(0);
    expect(new Set(received.map((hook) => hook.body.id))).toEqual(new Set(ids));
    // One delivery (one id) per message, however often it was sent; a resend carries the id of the attempt A cut short.
    expect(new Set(received.map((hook) => hook.headers['webhook-id'])).size).toBe(ids.length);
    for (const [id, deliveryId] of cutShort)
      expect(received.filter((hook) => hook.body.id === id).every((hook) => hook.headers['webhook-id'] === deliveryId)).toBe(true);
    expect(received.length).toBeGreaterThanOrEqual(receivedBeforeKill);
    const { rows } = await sql.query<{ state: string }>('SELECT state FROM webhook_deliveries WHERE webhook_id = $1', [webhookId]);
    expect(rows).toHaveLength(ids.length);
  });
});
