/**
 * Vitest global setup for the scale-out suite: before any test file runs,
 * probes the PostgreSQL server and the Redis the suite needs (each within
 * 2 s) and `provide`s the outcome as `scaleOut`. When either does not
 * answer, it prints one plain line saying the suite was not run and why
 * (before the run, and again after it); the rest of `npm test` runs as usual.
 * With SNYPTO_REQUIRE_SCALE_OUT=1 (.ci/run sets it) a missing service fails
 * the run instead.
 *
 * Where it looks: SCALE_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test)
 * and SCALE_REDIS_URL (default redis://127.0.0.1:6379).
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

/** What the scale-out suite is told: where to run, or why it cannot. */
export type ScaleOutAvailability =
  | { available: true; databaseUrl: string; redisUrl: string }
  | { available: false; reason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    scaleOut: ScaleOutAvailability;
  }
}

const PROBE_TIMEOUT_MS = 2_000;

export const scaleDatabaseUrl = () => process.env.SCALE_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const scaleRedisUrl = () => process.env.SCALE_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The address part of a URL, for messages (no credentials). */
const where = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol.startsWith('redis') ? 6379 : 5432)}`;
};

const reasonOf = (error: unknown) => (error instanceof Error ? error.message || error.name : String(error));

/** Null when PostgreSQL answers, else why not. */
async function probePostgres(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return `PostgreSQL at ${where(url)} did not answer (${reasonOf(error)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Null when Redis answers PING, else why not. */
async function probeRedis(url: string): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: PROBE_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // The socket's error (ECONNREFUSED…) says more than the rejection ("Connection is closed.").
  let socketError: unknown;
  redis.on('error', (error: unknown) => (socketError ??= error));
  try {
    await redis.connect();
    const pong = await redis.ping();
    return pong === 'PONG' ? null : `Redis at ${where(url)} answered PING with ${pong}`;
  } catch (error) {
    return `Redis at ${where(url)} did not answer (${reasonOf(socketError ?? error)})`;
  } finally {
    redis.disconnect();
  }
}

/** Probes, provides the outcome, and returns the teardown that repeats the line after the run (where it is read). */
export default async function setup(project: TestProject): Promise<(() => void) | void> {
  const databaseUrl = scaleDatabaseUrl();
  const redisUrl = scaleRedisUrl();
  const problems = (await Promise.all([probePostgres(databaseUrl), probeRedis(redisUrl)])).filter((p): p is string => p !== null);
  if (problems.length === 0) {
    project.provide('scaleOut', { available: true, databaseUrl, redisUrl });
    return;
  }
  const reason = problems.join('; ');
  // CI proves scale-out: there, a missing service fails the run instead of leaving the suite out.
  if (process.env.SNYPTO_REQUIRE_SCALE_OUT === '1') throw new Error(`The scale-out suite must run here but cannot: ${reason}`);
  project.provide('scaleOut', { available: false, reason });
  const line = `[scale-out] The scale-out suite (test/scale/*.test.ts: several instances on PostgreSQL + Redis) was NOT run: ${reason}.`;
  console.warn(`\n${line}\n`);
  return () => console.warn(`\n${line}\n`);
}
