/**
 * Read caches across instances. Each instance's caches (token owners,
 * memberships, webhook destinations, GraphQL query results) hold what was
 * read until the next write to the tables it came from (db.ts
 * `writeEpoch`). With several instances (REDIS_URL), an instance also has to
 * hear of the others' writes: each one publishes the tables its writes
 * declared (src/write-tables.ts) on the Redis channel `<namespace>:writes`
 * once the write is visible to them (as a statement outside a transaction
 * runs, as a transaction ends), and every other instance raises its write
 * epochs for them (`noteWrites`).
 *
 * The tables go out in the same tick as the write is reported, before the
 * answer to the request that wrote is sent: a client that writes through one
 * instance and reads through another is one hop through Redis behind the
 * write, where its own request takes two (answer, then new request).
 */
import { randomUUID } from 'node:crypto';
import type { Database } from './db.ts';
import { connectRedis } from './redis.ts';

export interface SharedWritesOptions {
  redisUrl: string;
  namespace: string;
  onRedisError: (error: Error) => void;
}

/** A table as it travels: null for a write that named no table (it may have changed any). */
type WireTable = string | null;

/** Publishes this instance's writes and notes the others'; returns the function that stops it. */
export function shareWrites(database: Pick<Database, 'onWrite' | 'noteWrites'>, options: SharedWritesOptions): () => Promise<void> {
  const channel = `${options.namespace}:writes`;
  const instance = randomUUID();
  const publisher = connectRedis(options.redisUrl, options.onRedisError);
  const subscriber = connectRedis(options.redisUrl, options.onRedisError);
  subscriber.subscribe(channel).catch(options.onRedisError);
  subscriber.on('message', (_channel: string, text: string) => {
    const { from, tables } = JSON.parse(text) as { from: string; tables: WireTable[] };
    if (from !== instance) database.noteWrites(tables.map((table) => table ?? undefined));
  });

  // The writes reported in one tick (a transaction's end reports each of its tables) go out as one message.
  let pending: Set<WireTable> | undefined;
  const stopListening = database.onWrite((table) => {
    if (!pending) {
      pending = new Set();
      queueMicrotask(() => {
        const tables = [...pending!];
        pending = undefined;
        publisher.publish(channel, JSON.stringify({ from: instance, tables })).catch(options.onRedisError);
      });
    }
    pending.add(table ?? null);
  });

  return async () => {
    stopListening();
    await Promise.allSettled([publisher.quit(), subscriber.quit()]);
  };
}
