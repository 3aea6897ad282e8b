import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each test file gets its own SQLite file, or its own PostgreSQL schema, so files run in parallel.
    setupFiles: ['test/setup.ts'],
  },
});
