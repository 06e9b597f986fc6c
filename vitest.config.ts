import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One copy of graphql for the code under test and the libraries that use it.
  resolve: { alias: { graphql: createRequire(import.meta.url).resolve('graphql') } },
  test: {
    include: ['test/**/*.test.ts'],
    // Probes PostgreSQL and Redis for the scale-out suite; says plainly when it cannot run.
    globalSetup: ['test/scale/global-setup.ts'],
    pool: 'forks',
    // Each file starts its own server and database; two at a time suits 2 cores.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
