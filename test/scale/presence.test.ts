/**
 * Presence kept in Redis (src/cable/presence.ts with a Redis URL), on its
 * own against the real Redis and a scratch PostgreSQL database, with the
 * presence clock moved by the test: entries older than 20 s are pruned,
 * each key expires 20 s after its last refresh, two Presence objects (two
 * instances) see each other's callers, and an unreachable Redis fails the
 * refresh instead of answering with this process's view. (The shared
 * presence across real processes is in multi-instance.test.ts.)
 */
import { randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Presence, presenceKeyOf } from '../../src/cable/presence.ts';

const NAMESPACE = `snypto-test-${process.pid}-${Date.now()}`;
const presenceKey = (accountId: number, kind: 'users' | 'contacts') => presenceKeyOf(NAMESPACE, accountId, kind);
import type { RoomCaller } from '../../src/cable/room-channel.ts';
import { openDatabase, type Database } from '../../src/db.ts';
import { createScratchDatabase, type ScratchDatabase } from './support.ts';

const scaleOut = inject('scaleOut');

let scratch: ScratchDatabase;
let database: Database;
let redis: Redis;
/** An account id no other run uses at the same time (presence keys are per account). */
const accountId = randomInt(1_000_000, 2_000_000_000);
let agentId: number;
let alwaysListedId: number;
const contactId = 42;
let clock = Date.now();
const presences: Presence[] = [];

const presence = (redisUrl: string, onRedisError?: (error: Error) => void) => {
  const made = new Presence(database.prisma, { writeEpoch: () => 0 }, { redisUrl, namespace: NAMESPACE, now: () => clock, onRedisError });
  presences.push(made);
  return made;
};
const agent = (userId: number): RoomCaller => ({ principal: { kind: 'user', userId }, accountId });
const contact: RoomCaller = {
  principal: { kind: 'contact', accountId, inboxId: 1, contactId, contactInboxId: 1, hmacVerified: false },
};
const dataOf = (message: string | null) => (JSON.parse(message!) as { event: string; data: any }).data;

describe.skipIf(!scaleOut.available)('presence in Redis', () => {
  beforeAll(async () => {
    if (!scaleOut.available) return;
    scratch = await createScratchDatabase(scaleOut.databaseUrl, 'snypto_presence');
    database = await openDatabase({ databaseUrl: scratch.url, databasePoolSize: 2, dataDir: tmpdir() });
    await database.startupDone();
    redis = new Redis(scaleOut.redisUrl);
    const db = database.prisma;
    await db.account.create({ data: { id: accountId, name: 'Presence' } });
    const user = (email: string, autoOffline: boolean, availability: 'online' | 'busy') =>
      db.user.create({
        data: { name: email, email, pubsubToken: `pubsub-${email}`, accountUsers: { create: { accountId, availability, autoOffline } } },
      });
    agentId = (await user('agent@presence.test', true, 'busy')).id;
    alwaysListedId = (await user('always@presence.test', false, 'online')).id;
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(presences.map((p) => p.close()));
    if (redis) {
      await redis.del(presenceKey(accountId, 'users'), presenceKey(accountId, 'contacts'));
      redis.disconnect();
    }
    await database?.close();
    await scratch?.drop();
  });

  it('shares callers between instances, with availability, and lists contacts to agents only', async () => {
    if (!scaleOut.available) return;
    const [first, second] = [presence(scaleOut.redisUrl), presence(scaleOut.redisUrl)];
    const forContact = dataOf(await first.refresh(contact));
    expect(forContact).toEqual({ account_id: accountId, users: { [String(alwaysListedId)]: 'online' } });

    const forAgent = dataOf(await second.refresh(agent(agentId)));
    expect(forAgent).toEqual({
      account_id: accountId,
      users: { [String(agentId)]: 'busy', [String(alwaysListedId)]: 'online' },
      contacts: { [String(contactId)]: 'online' },
    });
    expect(await first.onlineContactIds(accountId)).toEqual([contactId]);
    expect(dataOf(await first.refresh(contact)).users[String(agentId)]).toBe('busy');
  });

  it('prunes callers not seen for 20 s and lets each key expire 20 s after its last refresh', async () => {
    if (!scaleOut.available) return;
    const [first, second] = [presence(scaleOut.redisUrl), presence(scaleOut.redisUrl)];
    await first.refresh(contact);
    await first.refresh(agent(agentId));
    for (const kind of ['users', 'contacts'] as const) {
      const ttl = await redis.pttl(presenceKey(accountId, kind));
      expect(ttl).toBeGreaterThan(15_000);
      expect(ttl).toBeLessThanOrEqual(20_000);
    }

    clock += 20_001;
    const later = dataOf(await second.refresh(agent(alwaysListedId)));
    expect(later.users).toEqual({ [String(alwaysListedId)]: 'online' });
    expect(later.contacts).toEqual({});
    expect(await redis.zscore(presenceKey(accountId, 'users'), String(agentId))).toBeNull();
    expect(await redis.zcard(presenceKey(accountId, 'contacts'))).toBe(0);
    expect(await second.onlineContactIds(accountId)).toEqual([]);
  });

  it('fails the refresh when Redis cannot be reached, and reports the connection error', { timeout: 20_000 }, async () => {
    if (!scaleOut.available) return;
    const errors: Error[] = [];
    const unreachable = presence('redis://127.0.0.1:1', (error) => errors.push(error));
    await expect(unreachable.refresh(agent(agentId))).rejects.toThrow();
    expect(errors.length).toBeGreaterThan(0);
  });
});
