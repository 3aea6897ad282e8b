import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files the PostgreSQL pass (`npm run test:pg`) leaves to the SQLite pass, because they would only
 * repeat it: they spawn `openpdx start` on SQLite whatever the pass (a spawned process cannot be
 * handed the pass's private schema), or check markup and layout in Chromium, which no database
 * changes. Every journey that writes (member-journey, oidc-journey, idaas-journey, e2e, examples)
 * runs in both passes, as do the non-browser tests behind these pages.
 */
const SQLITE_PASS_ONLY = [
  'test/cli/cluster.test.ts',
  'test/cli/build.test.ts',
  'test/browser/member-pages.test.ts',
  'test/browser/keyboard.test.ts',
  'test/browser/branding.test.ts',
];

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(process.env.OPENPDX_TEST_DATABASE_URL ? SQLITE_PASS_ONLY : [])],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each test file gets its own SQLite file, or its own PostgreSQL schema, so files run in parallel.
    setupFiles: ['test/setup.ts'],
  },
});
