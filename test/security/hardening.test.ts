/**
 * Smaller hardening items from the security review (docs/security.md): nosniff on every response,
 * private file modes for the embedded database, and a sandbox that stays on loopback unless the
 * operator explicitly exposes it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, isLoopback, loadConfig } from '../../src/config/config.ts';
import { openDatabase } from '../../src/storage/dialect.ts';
import { migrateToLatest } from '../../src/storage/migrator.ts';
import { createTestApp, type TestApp } from '../harness.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
});
afterAll(() => t.close());

describe('X-Content-Type-Options: nosniff', () => {
  it.each([
    ['GET', '/healthz'],
    ['POST', '/oauth2/token'],
    ['GET', '/api/pds/pds/1.json'],
    ['GET', '/no/such/path'],
    ['GET', '/.well-known/oauth-authorization-server'],
    ['GET', '/login'],
  ] as const)('is on the answer to %s %s', async (method, url) => {
    const res = await t.app.inject({ method, url });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('file modes of the embedded database', () => {
  // SQLite whichever database the suite runs on: this is about the embedded file itself.
  it('creates the SQLite file 0600 in a folder created 0700, and its WAL file 0600 too', async () => {
    const root = mkdtempSync(join(tmpdir(), 'openpdx-modes-'));
    const file = join(root, 'data', 'openpdx.sqlite');
    const handle = await openDatabase(file);
    try {
      await migrateToLatest(handle);
      await handle.db.insertInto('organisations').values({ name: 'wal', created_at: 1 }).execute();
      expect(statSync(join(root, 'data')).mode & 0o777).toBe(0o700);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
    } finally {
      await handle.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('the sandbox binds to loopback', () => {
  const base = { OPENPDX_ENV: 'sandbox' };

  it('tells loopback interfaces from the rest', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.org', '127.0.0.1.example.org'])
      expect(isLoopback(h), h).toBe(false);
  });

  it('refuses a sandbox on another interface, saying why and how to opt in', () => {
    expect(() => loadConfig({ ...base, OPENPDX_HOST: '0.0.0.0' })).toThrow(ConfigError);
    try {
      loadConfig({ ...base, OPENPDX_HOST: '0.0.0.0' });
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        'OPENPDX_HOST: a sandbox binds only to loopback (127.0.0.1, ::1 or localhost), since /dev/outbox and /dev/callbacks show member keys without authentication; set OPENPDX_SANDBOX_EXPOSE=true to serve 0.0.0.0 anyway',
      ]);
    }
  });

  it('serves another interface when the operator opts in, and marks it', () => {
    const config = loadConfig({ ...base, OPENPDX_HOST: '0.0.0.0', OPENPDX_SANDBOX_EXPOSE: 'true' });
    expect(config.sandboxExposed).toBe(true);
    expect(loadConfig(base).sandboxExposed).toBe(false);
  });

  it('leaves live alone: it has no /dev surfaces', () => {
    const live = loadConfig({
      OPENPDX_ENV: 'live',
      OPENPDX_HOST: '0.0.0.0',
      OPENPDX_MASTER_KEY: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
      OPENPDX_PUBLIC_URL: 'https://pdx.example.org',
      OPENPDX_TRUST_PROXY: '10.0.0.1',
    });
    expect(live.host).toBe('0.0.0.0');
    expect(live.sandboxExposed).toBe(false);
  });
});
