/**
 * The Action Cable protocol on /cable (spec/EVENTS.md §2.1–2.2) frame by
 * frame with a raw WebSocket: welcome, pings, identifiers echoed byte for
 * byte, duplicate and refused subscriptions, a malformed frame ignored
 * (test/cable/malformed-frames.test.ts has the rest), the per-connection
 * limit, unsubscribing, and the restart handshake.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SUBSCRIPTIONS_PER_CONNECTION } from '../../src/cable/connection.ts';
import { rawCable } from '../support/cable.ts';
import { clientInbox, openSession, startConversation } from '../support/client-api.ts';
import { migratedDataDir } from '../support/pglite-template.ts';
import { accountPath, adminApi } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

async function contactSession(target: TestServer) {
  const session = await openSession(target, await clientInbox(target));
  return { pubsubToken: session.pubsub_token, conversationId: await startConversation(target, session) };
}

const identifierFor = (token: string, extra = '') => `{"channel": "RoomChannel",  "pubsub_token": "${token}"${extra}}`;

describe('the connection', () => {
  it('speaks actioncable-v1-json, welcomes, and pings every 3 seconds with unix seconds', async () => {
    const cable = await rawCable(server.wsUrl);
    expect(cable.socket.protocol).toBe('actioncable-v1-json');
    expect(await cable.frames.next()).toEqual({ type: 'welcome' });
    const ping = await cable.frames.next((f) => f.type === 'ping', 4_000);
    expect(Math.abs(ping.message - Date.now() / 1000)).toBeLessThan(5);
    cable.close();
  });

  it('spreads the pings of many connections over the 3 seconds, each connection pinged every 3 seconds', async () => {
    const cables = await Promise.all(Array.from({ length: 30 }, () => rawCable(server.wsUrl)));
    const isPing = (f: { type?: string }) => f.type === 'ping';
    const times = await Promise.all(
      cables.map(async (cable) => {
        await cable.frames.next(isPing, 4_000);
        const first = performance.now();
        await cable.frames.next(isPing, 4_000);
        return { first, interval: performance.now() - first };
      }),
    );
    for (const { interval } of times) {
      expect(interval).toBeGreaterThan(2_500);
      expect(interval).toBeLessThan(4_000);
    }
    // All at once, a broadcast would wait behind a ping written to every socket.
    const firsts = times.map((t) => t.first);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(1_500);
    for (const cable of cables) cable.close();
  });

  it('echoes the identifier byte for byte, ignores a duplicate subscribe and rejects what names nobody', async () => {
    const session = await contactSession(server);
    const cable = await rawCable(server.wsUrl);
    const identifier = identifierFor(session.pubsubToken);
    cable.subscribe(identifier);
    cable.subscribe(identifier);
    expect(await cable.frames.next((f) => f.type === 'confirm_subscription')).toEqual({ identifier, type: 'confirm_subscription' });
    await cable.frames.nothing(300, (f) => f.type === 'confirm_subscription');

    for (const refused of ['not json', '"a string"', '{"channel":"ChatChannel","pubsub_token":"x"}', '{"channel":"RoomChannel"}', identifierFor('unknown-token')]) {
      cable.subscribe(refused);
      expect(await cable.frames.next((f) => f.type === 'reject_subscription')).toEqual({ identifier: refused, type: 'reject_subscription' });
    }
    cable.close();
  });

  it('stops sending events after unsubscribe', async () => {
    const session = await contactSession(server);
    const cable = await rawCable(server.wsUrl);
    const identifier = identifierFor(session.pubsubToken);
    cable.subscribe(identifier);
    await cable.frames.next((f) => f.type === 'confirm_subscription');
    const first = await adminApi(server).post(accountPath(server, `/conversations/${session.conversationId}/messages`), { content: 'one' });
    const heard = await cable.frames.next((f) => f.message?.event === 'message.created');
    expect(heard).toMatchObject({ identifier, message: { data: { id: first.body.id } } });
    cable.send({ command: 'unsubscribe', identifier });
    // Commands are answered in order: once a later subscribe is confirmed, the unsubscribe has taken effect.
    const witness = identifierFor(session.pubsubToken, ',"n":"witness"');
    cable.subscribe(witness);
    await cable.frames.next((f) => f.type === 'confirm_subscription' && f.identifier === witness);
    for (const content of ['two', 'three']) {
      const posted = await adminApi(server).post(accountPath(server, `/conversations/${session.conversationId}/messages`), { content });
      await cable.frames.next((f) => f.identifier === witness && f.message?.event === 'message.created' && f.message.data.id === posted.body.id);
    }
    // One socket's frames arrive in order: whatever the old subscription heard of 'two' came before 'three'.
    await cable.frames.nothing(0, (f) => f.identifier === identifier && f.message?.event === 'message.created');
    cable.close();
  });

  it(`holds at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection`, async () => {
    const session = await contactSession(server);
    const cable = await rawCable(server.wsUrl);
    for (let i = 0; i <= MAX_SUBSCRIPTIONS_PER_CONNECTION; i++) cable.subscribe(identifierFor(session.pubsubToken, `,"n":${i}`));
    const answers = [];
    for (let i = 0; i <= MAX_SUBSCRIPTIONS_PER_CONNECTION; i++)
      answers.push(await cable.frames.next((f) => f.type === 'confirm_subscription' || f.type === 'reject_subscription'));
    expect(answers.filter((f) => f.type === 'confirm_subscription')).toHaveLength(MAX_SUBSCRIPTIONS_PER_CONNECTION);
    expect(answers.filter((f) => f.type === 'reject_subscription')).toHaveLength(1);
    cable.close();
  });

  it('ignores a frame that is not a command and answers the next one (malformed-frames.test.ts has every kind)', async () => {
    const cable = await rawCable(server.wsUrl);
    await cable.frames.next((f) => f.type === 'welcome');
    cable.send('{"command":');
    cable.subscribe('after');
    expect(await cable.frames.next((f) => f.type === 'reject_subscription' || f.type === 'disconnect')).toEqual({
      identifier: 'after',
      type: 'reject_subscription',
    });
    cable.close();
  });
});

describe('restart', () => {
  it('tells clients to reconnect on shutdown, and a restarted server accepts the same tokens', async () => {
    const dataDir = await migratedDataDir('snypto-cable-');
    try {
      const first = await startServer({}, dataDir);
      const session = await contactSession(first);
      const cable = await rawCable(first.wsUrl);
      cable.subscribe(identifierFor(session.pubsubToken));
      await cable.frames.next((f) => f.type === 'confirm_subscription');
      await first.stop();
      expect(await cable.frames.next((f) => f.type === 'disconnect')).toEqual({
        type: 'disconnect',
        reason: 'server_restart',
        reconnect: true,
      });
      await cable.closedWith;

      const second = await startServer({}, dataDir);
      try {
        const again = await rawCable(second.wsUrl);
        again.subscribe(identifierFor(session.pubsubToken));
        expect(await again.frames.next((f) => f.type === 'confirm_subscription' || f.type === 'reject_subscription')).toMatchObject({
          type: 'confirm_subscription',
        });
        again.close();
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
