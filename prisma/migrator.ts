/**
 * Runs Prisma migrations through the WebAssembly schema engine
 * (`@prisma/schema-engine-wasm`) over a driver adapter, so no native Prisma
 * engine is ever downloaded or executed. Migration folders keep Prisma's own
 * format (`prisma/migrations/<timestamp>_<name>/migration.sql`).
 */
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as engineGlue from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';

// Beside this code: prisma/ from the sources, dist/ in the build (scripts/build.mjs copies them there).
const prismaDir = path.dirname(fileURLToPath(import.meta.url));
export const schemaPath = path.join(prismaDir, 'schema.prisma');
export const migrationsDir = path.join(prismaDir, 'migrations');
const lockfilePath = path.join(migrationsDir, 'migration_lock.toml');
/**
 * The build's embedded database with every migration applied (scripts/build.mjs makes it in dist/; from the
 * sources there is none), which a new embedded data directory starts as a copy of (src/db.ts), and the file
 * beside it that lists the migrations it holds.
 */
export const embeddedTemplateDir = path.join(prismaDir, 'pglite-template');
export const templateMigrationsFile = (template: string) => `${template}.migrations.json`;

let wasmReady: Promise<void> | undefined;

/** The slice of the WebAssembly global used here (its types live in the DOM lib, not Node's). */
const wasmApi = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: object } }>;
    };
  }
).WebAssembly;

/** Instantiates the engine's .wasm once per process (no --experimental-wasm-modules needed). */
function loadWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmPath = path.join(
      path.dirname(require.resolve('@prisma/schema-engine-wasm')),
      'schema_engine_bg.wasm',
    );
    const { instance } = await wasmApi.instantiate(await readFile(wasmPath), {
      './schema_engine_bg.js': engineGlue,
    });
    const exports = instance.exports as unknown as { __wbindgen_start: () => void };
    (engineGlue as unknown as { __wbg_set_wasm: (w: unknown) => void }).__wbg_set_wasm(exports);
    exports.__wbindgen_start();
  })();
  return wasmReady;
}

async function openEngine(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<SchemaEngine> {
  await loadWasm();
  const schema = await readFile(schemaPath, 'utf8');
  const { SchemaEngine: Engine } = engineGlue as unknown as { SchemaEngine: typeof SchemaEngine };
  return Engine.new(
    { datamodels: [[schemaPath, schema]] },
    () => undefined,
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
}

async function loadMigrationList(): Promise<MigrationList> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, 'migration.sql');
      const content = await readFile(file, 'utf8').then(
        (value) => ({ tag: 'ok' as const, value }),
        (error: Error) => ({ tag: 'error' as const, value: error.message }),
      );
      return { path: name, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  const lockContent = await readFile(lockfilePath, 'utf8').catch(() => null);
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

const noFilter = { externalTables: [], externalEnums: [] };

/**
 * Names of the migrations recorded as applied, read with one query so that an
 * up-to-date database never loads the schema engine (it holds hundreds of MB).
 */
async function appliedMigrationNames(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<Set<string>> {
  const adapter = await adapterFactory.connect();
  try {
    const result = await adapter.queryRaw({
      sql: `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      args: [],
      argTypes: [],
    });
    return new Set(result.rows.map((row) => String(row[0])));
  } catch {
    return new Set(); // no history table yet: a fresh database
  } finally {
    await adapter.dispose();
  }
}

/**
 * Whether some migration folder is not recorded as applied (one query; the
 * schema engine is not loaded). A database without the history table has
 * them all pending.
 */
export async function hasPendingMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<boolean> {
  const [migrationsList, applied] = await Promise.all([loadMigrationList(), appliedMigrationNames(adapterFactory)]);
  return migrationsList.migrationDirectories.some((dir) => !applied.has(dir.path));
}

/** Applies every migration not yet applied; returns the names it applied. */
export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string[]> {
  const migrationsList = await loadMigrationList();
  const applied = await appliedMigrationNames(adapterFactory);
  if (migrationsList.migrationDirectories.every((dir) => applied.has(dir.path))) return [];
  const engine = await openEngine(adapterFactory);
  try {
    const result = await engine.applyMigrations({ migrationsList, filters: noFilter });
    return result.appliedMigrationNames;
  } finally {
    engine.free();
  }
}

/**
 * Writes a new migration folder with the SQL that takes the migration history
 * to the current schema.prisma. The history is replayed on the given (empty,
 * throwaway) database and diffed against the schema there, so no shadow
 * database is needed. Returns the folder's name, or null when nothing changed.
 */
export async function createMigration(
  scratchAdapterFactory: SqlMigrationAwareDriverAdapterFactory,
  name: string,
): Promise<string | null> {
  await applyMigrations(scratchAdapterFactory);
  const engine = await openEngine(scratchAdapterFactory);
  try {
    const files = [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }];
    const { stdout } = await engine.diff({
      from: { tag: 'schemaDatasource', files, configDir: prismaDir },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: null,
      filters: noFilter,
    });
    if (!stdout || /^-- This is an empty migration\.\s*$/.test(stdout.trim())) return null;
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const folderName = `${stamp}_${name.replace(/[^a-z0-9_]+/gi, '_').toLowerCase()}`;
    const folder = path.join(migrationsDir, folderName);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'migration.sql'), stdout);
    await writeFile(
      lockfilePath,
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
    return folderName;
  } finally {
    engine.free();
  }
}
