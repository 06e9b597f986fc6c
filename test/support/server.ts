/**
 * Starts the real Snypto server (the same createApp that `npm start` runs)
 * on a free port. Without a `dataDir` it gets a fresh PGlite directory, a
 * copy of the run's migrated template (test/support/pglite-template.ts), so
 * its migration runner finds nothing to do; a given `dataDir` is used as it
 * is (an empty one is migrated for real). A DATABASE_URL in `env` puts the
 * data in PostgreSQL instead.
 */
import { rm } from 'node:fs/promises';
import { createApp, type App, type AppOptions } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { emptyDataDir, migratedDataDir } from './pglite-template.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const PLATFORM_TOKEN = 'test-platform-token-0123456789';

export interface TestServer {
  app: App;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  wsUrl: string;
  accountId: number;
  adminToken: string;
  dataDir: string;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export async function startServer(env: Record<string, string> = {}, dataDir?: string, options?: AppOptions): Promise<TestServer> {
  // PostgreSQL (DATABASE_URL) keeps no data in the directory: nothing to copy there.
  const dir = dataDir ?? (env.DATABASE_URL ? await emptyDataDir() : await migratedDataDir());
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    SNYPTO_DATA_DIR: dir,
    SNYPTO_ADMIN_TOKEN: ADMIN_TOKEN,
    SNYPTO_PLATFORM_TOKEN: PLATFORM_TOKEN,
    SNYPTO_WEBHOOK_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await createApp(config, options);
  await app.start();
  return {
    app,
    url: app.url,
    wsUrl: app.url.replace(/^http/, 'ws'),
    accountId: app.bootstrap.accountId,
    adminToken: ADMIN_TOKEN,
    dataDir: dir,
    async stop(options = {}) {
      await app.stop();
      if (!options.keepData && !dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
