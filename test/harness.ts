/**
 * Boots the real application for integration tests: SQLite in a temporary folder by default,
 * PostgreSQL in a private schema when OPENPDX_TEST_DATABASE_URL is set (so files can run in
 * parallel there too).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../src/app.ts';
import { createAppContext, type AppContext, type ContextOverrides } from '../src/app-context.ts';
import { loadConfig } from '../src/config/config.ts';
import { MasterKeyRing } from '../src/crypto/master-key.ts';
import { dropPgSchema, openDatabase, type DatabaseHandle } from '../src/storage/dialect.ts';
import { migrateToLatest } from '../src/storage/migrator.ts';

export const TEST_PG_URL = process.env.OPENPDX_TEST_DATABASE_URL;

export interface TestApp {
  ctx: AppContext;
  app: FastifyInstance;
  dir: string;
  /** base URL once listen() was called */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions extends ContextOverrides {
  env?: Record<string, string>;
  /** keep the temporary folder (and SQLite file) after close */
  keep?: boolean;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'openpdx-test-'));
  const pgSchema = TEST_PG_URL ? `t_${randomBytes(6).toString('hex')}` : undefined;
  const config = loadConfig({
    OPENPDX_DATABASE_URL: TEST_PG_URL ?? join(dir, 'openpdx.sqlite'),
    OPENPDX_MASTER_KEY: MasterKeyRing.generateSpec('test'),
    OPENPDX_DATA_DIR: dir,
    OPENPDX_LOG_LEVEL: 'silent',
    OPENPDX_SEED: 'off',
    OPENPDX_PUBLIC_URL: 'http://localhost:8080',
    // Tests speak plain HTTP (inject, loopback); test/security/https.test.ts turns this on.
    OPENPDX_REQUIRE_HTTPS: 'false',
    ...options.env,
  });
  const ctx = await createAppContext(config, {
    logger: options.logger ?? pino({ level: 'silent' }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.startWorkers !== undefined ? { startWorkers: options.startWorkers } : {}),
    databaseOptions: { ...(pgSchema ? { pgSchema } : {}), ...options.databaseOptions },
  });
  const app = await buildApp(ctx);
  let closed = false;
  return {
    ctx,
    app,
    dir,
    async listen() {
      return app.listen({ port: 0, host: '127.0.0.1' });
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await ctx.close();
      if (TEST_PG_URL && pgSchema) await dropPgSchema(TEST_PG_URL, pgSchema);
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestDatabase {
  handle: DatabaseHandle;
  /** a temporary folder of the test's own (the SQLite file's, on SQLite), removed by close() */
  dir: string;
  close(): Promise<void>;
}

/**
 * A migrated database without the app, for storage tests: a SQLite file in a temporary folder, or
 * a private schema when OPENPDX_TEST_DATABASE_URL is set. close() closes it and removes both.
 */
export async function openTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'openpdx-db-'));
  const pgSchema = TEST_PG_URL ? `d_${randomBytes(6).toString('hex')}` : undefined;
  const handle = await openDatabase(TEST_PG_URL ?? join(dir, 'test.sqlite'), pgSchema ? { pgSchema } : {});
  await migrateToLatest(handle);
  return {
    handle,
    dir,
    async close() {
      await handle.close();
      if (TEST_PG_URL && pgSchema) await dropPgSchema(TEST_PG_URL, pgSchema);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
