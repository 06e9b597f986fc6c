/**
 * Snypto's entrypoint: load the configuration, open the database (applying
 * migrations), start serving. SIGINT/SIGTERM drain (src/operations/shutdown.ts:
 * `/ready` answers `draining`, requests under way finish within
 * SHUTDOWN_TIMEOUT seconds) and exit 0; a second signal exits at once, and
 * a main thread that does not get there in time is ended (hard-deadline.ts).
 * A start-up failure exits 1: one line for those an operator can fix
 * (src/operations/startup-failure.ts), the stack for anything else.
 */
import { createApp, type App } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { armHardDeadline } from './operations/hard-deadline.ts';
import { describeStartupFailure } from './operations/startup-failure.ts';

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

const app = await startOrExplain(config);

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

/**
 * Ctrl-C in a terminal reaches the server twice: from the terminal (the whole
 * process group) and again from `npm start`, which forwards it. A repeat
 * within this window is that one request; a later one is an operator's
 * second, which exits at once.
 */
const SAME_SIGNAL_MS = 1000;
/** After the drain's SHUTDOWN_TIMEOUT: what closing the connections and resources may take (shutdown.ts bounds each). */
const CLOSING_MS = 10_000;

let firstSignalAt: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (firstSignalAt !== undefined) {
      if (performance.now() - firstSignalAt < SAME_SIGNAL_MS) return;
      app.http.log.warn({ signal }, 'second signal: exiting without draining');
      process.exit(1);
    }
    firstSignalAt = performance.now();
    const deadlineMs = config.shutdownTimeoutSeconds * 1000 + CLOSING_MS;
    armHardDeadline(deadlineMs, `Snypto did not stop within ${deadlineMs / 1000} s of ${signal}: ending the process.`);
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

/**
 * Creates and starts the app. On failure, closes whatever was opened (the
 * database, when only listening failed) and exits 1, with the one-line
 * explanation or, for a failure nobody foresaw, the error and its stack.
 */
async function startOrExplain(config: Config): Promise<App> {
  let app: App | undefined;
  try {
    app = await createApp(config);
    await app.start();
    return app;
  } catch (error) {
    if (app) await Promise.race([app.stop().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    console.error(describeStartupFailure(error, config) ?? error);
    process.exit(1);
  }
}
