import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration tests share one PostgreSQL database when OPENPDX_TEST_DATABASE_URL is set,
    // so files run one at a time there; SQLite runs each file on its own temporary file.
    fileParallelism: !process.env.OPENPDX_TEST_DATABASE_URL,
    setupFiles: ['test/setup.ts'],
  },
});
