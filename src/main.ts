/**
 * Snypto's entrypoint: load the configuration, open the database (applying
 * migrations), start serving. SIGINT/SIGTERM drain (src/operations/shutdown.ts:
 * `/ready` answers `draining`, requests under way finish within
 * SHUTDOWN_TIMEOUT seconds) and exit 0; a second signal exits at once.
 */
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';

const startedAt = performance.now();
let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const app = await createApp(config);
await app.start();

const base = app.url.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
const { bootstrap } = app;
app.http.log.info(
  {
    database: app.database.kind,
    migrationsApplied: app.database.appliedMigrations,
    startupMs: Math.round(performance.now() - startedAt),
  },
  'Snypto is ready',
);
console.log(
  [
    '',
    `Snypto is serving on ${base} (database: ${app.database.kind})`,
    `  GraphQL (GraphiQL): ${base}/graphql   graphql-ws: ${base.replace(/^http/, 'ws')}/graphql   graphql-sse: ${base}/graphql/stream`,
    `  REST base:          ${base}/api/v1     account id: ${bootstrap.accountId}`,
    `  Action Cable:       ${base.replace(/^http/, 'ws')}/cable`,
    bootstrap.created
      ? `  First start: administrator ${bootstrap.adminEmail}, api_access_token ${bootstrap.adminToken}`
      : `  Administrator: ${bootstrap.adminEmail}`,
    '',
  ].join('\n'),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      app.http.log.warn({ signal }, 'second signal: exiting without draining');
      process.exit(1);
    }
    stopping = true;
    app.http.log.info({ signal, shutdownTimeoutSeconds: config.shutdownTimeoutSeconds }, 'draining');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.http.log.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  });
}
