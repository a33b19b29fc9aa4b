import { defineConfig } from 'vitest/config';

// Tests talk to real PostgreSQL, Redis and SMPP sockets on 127.0.0.1.
// Each test file gets its own database (cloned from a migrated template by
// test/helpers/global-setup.ts) and its own BullMQ queue prefix.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
