/**
 * Snypto's configuration, parsed once from the environment. This is the only
 * module that reads `process.env`; everything else receives a `Config`.
 */
import path from 'node:path';
import { z } from 'zod';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((value) => value === 'true' || value === '1');

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const secretToken = optionalText.refine((value) => value === undefined || value.length >= 16, {
  message: 'must be at least 16 characters long',
});

const urlWithScheme = (schemes: string[]) =>
  optionalText.refine(
    (value) => value === undefined || schemes.some((scheme) => value.startsWith(`${scheme}://`)),
    { message: `must be a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}` },
  );

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: urlWithScheme(['postgres', 'postgresql']),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  REDIS_URL: urlWithScheme(['redis', 'rediss']),
  SNYPTO_REDIS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores')
    .default('snypto'),
  SNYPTO_DATA_DIR: z.string().min(1).default('./data'),
  SNYPTO_ADMIN_EMAIL: z.email().default('admin@snypto.local'),
  SNYPTO_ADMIN_TOKEN: secretToken,
  SNYPTO_PLATFORM_TOKEN: secretToken,
  FRONTEND_URL: urlWithScheme(['http', 'https']),
  SNYPTO_WEBHOOK_ALLOW_PRIVATE: booleanFlag,
  WEBHOOK_TIMEOUT: z.coerce.number().positive().default(5),
  SNYPTO_READ_CACHE_ENTRIES: z.coerce.number().int().min(0).default(2000),
  SNYPTO_QUERY_CACHE_ENTRIES: z.coerce.number().int().min(0).optional(),
  ATTACHMENT_MAX_BYTES: z.coerce.number().int().positive().default(40 * 1024 * 1024),
  SHUTDOWN_TIMEOUT: z.coerce.number().positive().default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SNYPTO_REPLAY_WINDOW: z.coerce.number().int().min(0).max(7 * 24 * 3600).default(900),
  SNYPTO_REPLAY_MAX_EVENTS: z.coerce.number().int().min(1).max(2048).default(1000),
  SNYPTO_REPLAY_MEMORY: z.coerce.number().int().min(0).max(10_000).default(256),
  SNYPTO_EVENT_RETENTION: z.coerce.number().int().min(60).default(7 * 24 * 3600),
  SNYPTO_EVENT_PRUNE_INTERVAL: z.coerce.number().int().min(1).default(600),
}).refine((e) => e.SNYPTO_EVENT_RETENTION >= e.SNYPTO_REPLAY_WINDOW, {
  path: ['SNYPTO_EVENT_RETENTION'],
  message: 'must be at least SNYPTO_REPLAY_WINDOW (events are kept at least as long as clients may resume from them)',
});

export interface Config {
  port: number;
  host: string;
  /** PostgreSQL connection string; when absent the embedded PGlite database is used. */
  databaseUrl: string | undefined;
  /** Connections each instance keeps to PostgreSQL (DATABASE_POOL_SIZE, default 10). */
  databasePoolSize: number;
  redisUrl: string | undefined;
  /** Prefix of every Redis channel and key this deployment uses (SNYPTO_REDIS_NAMESPACE), so deployments can share a Redis. */
  redisNamespace: string;
  /** Absolute directory of the embedded database's files. */
  dataDir: string;
  adminEmail: string;
  /** When set, the bootstrap administrator's access token (scripts and tests rely on it). */
  adminToken: string | undefined;
  /** When set, accepted as a platform app token on the Platform API. */
  platformToken: string | undefined;
  /** Base of the links Snypto hands out (the Platform API's SSO login link); defaults to `http://localhost:<PORT>`. */
  frontendUrl: string;
  /**
   * FRONTEND_URL as configured, without a default: the base of attachment
   * download URLs when set; otherwise they are built from each request's own
   * origin (and the server's listening address for webhooks).
   */
  publicUrl: string | undefined;
  /** The largest file a message may carry, in bytes (ATTACHMENT_MAX_BYTES, default 40 MiB). */
  attachmentMaxBytes: number;
  /** Allow webhook URLs on loopback, private and link-local addresses (development and tests). */
  webhookAllowPrivate: boolean;
  /** Seconds a webhook receiver has to answer. */
  webhookTimeoutSeconds: number;
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  /**
   * Seconds a shutdown (SIGTERM) may take to let requests under way finish
   * (SHUTDOWN_TIMEOUT, default 10); connections still open then are destroyed.
   */
  shutdownTimeoutSeconds: number;
  /**
   * Entries of each read cache (token owners, memberships, GraphQL query
   * results), valid until the next committed write to their tables (this
   * instance's, or with REDIS_URL another's, src/shared-writes.ts) and at
   * most 5 s; 0 turns them off.
   */
  readCacheEntries: number;
  /**
   * Entries of the GraphQL query-result cache alone (SNYPTO_QUERY_CACHE_ENTRIES,
   * default SNYPTO_READ_CACHE_ENTRIES): 0 executes every query while the
   * credential and webhook-target caches stay on.
   */
  queryCacheEntries: number;
  /** How far back real-time clients may resume (src/events/history.ts). */
  replay: ReplayLimits;
}

export interface ReplayLimits {
  /** Seconds back a resume reaches (SNYPTO_REPLAY_WINDOW, default 900); 0 refuses every resume. */
  windowSeconds: number;
  /** The most events one resume replays (SNYPTO_REPLAY_MAX_EVENTS, default 1000); a client further behind is refused. */
  maxEvents: number;
  /**
   * Results each subscription group keeps in memory for members who resume
   * (SNYPTO_REPLAY_MEMORY, default 256; src/graphql/group-record.ts); 0:
   * every resume reads the history.
   */
  memoryItems: number;
  /** Seconds events are kept before the pruning removes them (SNYPTO_EVENT_RETENTION, default 7 days). */
  retentionSeconds: number;
  /** Seconds between two prunings (SNYPTO_EVENT_PRUNE_INTERVAL, default 600). */
  pruneIntervalSeconds: number;
}

/** Thrown when the environment is invalid; its message names every problem at once. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment (by default `process.env`) into a `Config`, or throws a `ConfigError`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = environmentSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const e = result.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    redisNamespace: e.SNYPTO_REDIS_NAMESPACE,
    dataDir: path.resolve(e.SNYPTO_DATA_DIR),
    adminEmail: e.SNYPTO_ADMIN_EMAIL,
    adminToken: e.SNYPTO_ADMIN_TOKEN,
    platformToken: e.SNYPTO_PLATFORM_TOKEN,
    frontendUrl: (e.FRONTEND_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    publicUrl: e.FRONTEND_URL?.replace(/\/+$/, ''),
    attachmentMaxBytes: e.ATTACHMENT_MAX_BYTES,
    webhookAllowPrivate: e.SNYPTO_WEBHOOK_ALLOW_PRIVATE,
    webhookTimeoutSeconds: e.WEBHOOK_TIMEOUT,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT,
    readCacheEntries: e.SNYPTO_READ_CACHE_ENTRIES,
    queryCacheEntries: e.SNYPTO_QUERY_CACHE_ENTRIES ?? e.SNYPTO_READ_CACHE_ENTRIES,
    replay: {
      windowSeconds: e.SNYPTO_REPLAY_WINDOW,
      maxEvents: e.SNYPTO_REPLAY_MAX_EVENTS,
      memoryItems: e.SNYPTO_REPLAY_MEMORY,
      retentionSeconds: e.SNYPTO_EVENT_RETENTION,
      pruneIntervalSeconds: e.SNYPTO_EVENT_PRUNE_INTERVAL,
    },
  };
}
