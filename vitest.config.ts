import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One copy of graphql for the code under test and the libraries that use it.
  resolve: { alias: { graphql: createRequire(import.meta.url).resolve('graphql') } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: [
      // Probes PostgreSQL and Redis for the scale-out suite; says plainly when it cannot run.
      'test/scale/global-setup.ts',
      // The run's data directories (in memory where possible), and the migrated embedded database each test
      // server copies instead of creating and migrating its own.
      'test/support/global-setup.ts',
    ],
    pool: 'forks',
    // Each worker process imports the app once (Prisma's WebAssembly query compiler, the Pothos schema: about
    // 4 s) and runs file after file, instead of a fresh process per file. Each file still starts its own
    // server on its own database. What src/ keeps at module level is either keyed by content (prepared
    // statement names) or undone when a server stops (the attachment link base, the metrics registry).
    isolate: false,
    // Two at a time suits 2 cores (the suite keeps both busy).
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
