/**
 * Start-up as `npm start` runs it: configuration errors stop it with one
 * message naming every problem; data survives a restart; PostgreSQL works
 * through the same migrations when DATABASE_URL is set.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrationsDir, templateMigrationsFile } from '../../prisma/migrator.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db.ts';
import { makeEmbeddedTemplate } from '../../src/embedded-template.ts';
import { client } from '../support/http.ts';
import { emptyDataDir } from '../support/pglite-template.ts';
import { createScratchDatabase, POSTGRES_ADMIN_URL } from '../support/scratch-database.ts';
import { adminApi, seedConversation } from '../support/seed.ts';
import { startServer } from '../support/server.ts';

describe('configuration', () => {
  it('names every problem at once', () => {
    let failure: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', SNYPTO_ADMIN_TOKEN: 'short' });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ConfigError);
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'SNYPTO_ADMIN_TOKEN'])
      expect((failure as Error).message).toContain(name);
  });

  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '0.0.0.0', databaseUrl: undefined, logLevel: 'info' });
    expect(config.dataDir.endsWith('/data')).toBe(true);
  });

  it('stops the real process with exit code 1 and the message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: '-1', LOG_LEVEL: 'nope' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid configuration');
    expect(stderr).toContain('PORT');
    expect(stderr).toContain('LOG_LEVEL');
  });
});

describe('storage', () => {
  it('keeps the embedded database across a restart, and migrations run once', async () => {
    // An empty directory, not a copy of the run's migrated template: the first start migrates it for real.
    const dataDir = await emptyDataDir();
    try {
      const first = await startServer({}, dataDir);
      const migrations = (await readdir(migrationsDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).length;
      expect(first.app.database.appliedMigrations.length).toBe(migrations);
      const { conversation } = await seedConversation(first);
      await first.stop({ keepData: true });
      const second = await startServer({}, dataDir);
      try {
        expect(second.app.database.appliedMigrations).toEqual([]);
        const reply = await adminApi(second).get(`/api/v1/accounts/${second.accountId}/conversations/${conversation.id}`);
        expect(reply.status).toBe(200);
        expect(reply.body.uuid).toBe(conversation.uuid);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('migrates an existing embedded database that has migrations pending (the schema engine apart, then the server reopens it)', async () => {
    // A data directory PostgreSQL already knows (initdb ran) where no migration was applied yet: the server
    // opens it, finds them pending, closes it for the migration process and opens it again.
    const dataDir = await emptyDataDir();
    try {
      const initialized = await PGlite.create(dataDir);
      await initialized.close();
      const server = await startServer({}, dataDir);
      try {
        const migrations = (await readdir(migrationsDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).length;
        expect(server.app.database.appliedMigrations.length).toBe(migrations);
        const { conversation } = await seedConversation(server);
        const reply = await adminApi(server).get(`/api/v1/accounts/${server.accountId}/conversations/${conversation.id}`);
        expect(reply.status).toBe(200);
      } finally {
        await server.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  describe('a new embedded database made from a template (what npm run build leaves in dist/)', () => {
    const allMigrations = async () =>
      (await readdir(migrationsDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
    const open = (dataDir: string, embeddedTemplate: string) =>
      openDatabase({ databaseUrl: undefined, databasePoolSize: 1, dataDir }, { embeddedTemplate });

    it('starts as a copy of the template, without migrating again', async () => {
      const [template, dataDir] = [await emptyDataDir(), await emptyDataDir()];
      try {
        await makeEmbeddedTemplate(template);
        // Something only the template has: a copy keeps it, a database made anew would not.
        const marked = await PGlite.create(template);
        await marked.exec('CREATE TABLE template_marker (id int)');
        await marked.close();
        const database = await open(dataDir, template);
        try {
          expect(database.appliedMigrations).toEqual(await allMigrations());
          expect(await database.prisma.$queryRawUnsafe('SELECT count(*)::int AS n FROM template_marker')).toEqual([{ n: 0 }]);
        } finally {
          await database.close();
        }
      } finally {
        await Promise.all([template, dataDir].map((dir) => rm(dir, { recursive: true, force: true })));
      }
    });

    it('applies what an older template lacks, and makes again a copy that was cut short', async () => {
      const [template, dataDir] = [await emptyDataDir(), await emptyDataDir()];
      try {
        // A template from before every migration: initdb only, none applied.
        await (await PGlite.create(template)).close();
        await writeFile(templateMigrationsFile(template), '[]');
        // What a copy interrupted before its last file leaves: some of the files, no PG_VERSION.
        await mkdir(path.join(dataDir, 'global'));
        await writeFile(path.join(dataDir, 'global', 'pg_control'), 'cut short');
        const database = await open(dataDir, template);
        try {
          expect(database.appliedMigrations).toEqual(await allMigrations());
          expect(await database.prisma.account.count()).toBe(0);
        } finally {
          await database.close();
        }
      } finally {
        await Promise.all([template, dataDir].map((dir) => rm(dir, { recursive: true, force: true })));
      }
    });
  });

  describe('PostgreSQL through DATABASE_URL', () => {
    it('migrates a fresh database and serves the seed flow', async () => {
      const database = await createScratchDatabase(POSTGRES_ADMIN_URL, 'snypto_test');
      const server = await startServer({ DATABASE_URL: database.url }).catch(async (error: unknown) => {
        await database.drop();
        throw error;
      });
      try {
        expect(server.app.database.kind).toBe('postgresql');
        expect(server.app.database.appliedMigrations.length).toBeGreaterThan(0);
        const { conversation } = await seedConversation(server);
        const message = await adminApi(server).post(
          `/api/v1/accounts/${server.accountId}/conversations/${conversation.id}/messages`,
          { content: 'on postgres', message_type: 'incoming' },
        );
        expect(message.status).toBe(200);
        const health = await client(server.url, null).get('/health');
        expect(health.status).toBe(200);
      } finally {
        await server.stop();
        await database.drop();
      }
    });

    it('lets three instances started together on a fresh database migrate and bootstrap exactly once', async () => {
      const fresh = await createScratchDatabase(POSTGRES_ADMIN_URL, 'snypto_together');
      const url = fresh.url;
      const servers = await Promise.all([1, 2, 3].map(() => startServer({ DATABASE_URL: url }))).catch(async (error: unknown) => {
        await fresh.drop();
        throw error;
      });
      try {
        const applied = servers.map((server) => server.app.database.appliedMigrations.length);
        const migrations = (await readdir(migrationsDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).length;
        expect([...applied].sort()).toEqual([0, 0, migrations]);
        const check = new pg.Client({ connectionString: url });
        await check.connect();
        try {
          const count = async (table: string) => Number((await check.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
          expect(await count('_prisma_migrations')).toBe(migrations);
          expect(await count('accounts')).toBe(1);
          expect(await count('users')).toBe(1);
          expect(await count('platform_apps')).toBe(1);
        } finally {
          await check.end();
        }
        for (const server of servers) expect((await client(server.url, null).get('/health')).status).toBe(200);
      } finally {
        await Promise.all(servers.map((server) => server.stop()));
        await fresh.drop();
      }
    });
  });
});
