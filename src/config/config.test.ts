import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, configDocs, loadConfig } from './config.ts';

describe('configuration', () => {
  it('has working defaults for a sandbox', () => {
    const c = loadConfig({});
    expect(c.env).toBe('sandbox');
    expect(c.port).toBe(8080);
    expect(c.databaseUrl).toBe('./data/openpdx.sqlite');
    expect(c.publicUrl).toBe('http://localhost:8080');
    expect(c.tokenTtl).toBe(3600);
  });

  it('serves from one process by default; OPENPDX_WORKERS takes a count or auto (one per core)', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ OPENPDX_WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ OPENPDX_WORKERS: 'auto' }).workers).toBe(availableParallelism());
    expect(() => loadConfig({ OPENPDX_WORKERS: 'many' })).toThrow(
      /OPENPDX_WORKERS: must be a number of processes from 1 to 64, or auto/,
    );
    expect(() => loadConfig({ OPENPDX_WORKERS: '0' })).toThrow(/OPENPDX_WORKERS/);
  });

  it('lists every problem at once instead of stopping at the first', () => {
    try {
      loadConfig({ OPENPDX_PORT: 'eighty', OPENPDX_ENV: 'prod', OPENPDX_TOKEN_TTL: '5' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/OPENPDX_PORT/);
      expect(problems).toMatch(/OPENPDX_ENV/);
      expect(problems).toMatch(/OPENPDX_TOKEN_TTL/);
    }
  });

  it('refuses to start live without a master key and an https public URL', () => {
    expect(() => loadConfig({ OPENPDX_ENV: 'live' })).toThrow(/OPENPDX_MASTER_KEY: required in live/);
    expect(() => loadConfig({ OPENPDX_ENV: 'live', OPENPDX_PUBLIC_URL: 'http://x.example' })).toThrow(/must be https/);
  });

  it('refuses Argon2id memory or passes below the OWASP floor (CR-11)', () => {
    expect(() => loadConfig({ OPENPDX_ARGON2_MEMORY_KIB: '8192' })).toThrow(ConfigError);
    expect(() => loadConfig({ OPENPDX_ARGON2_TIME: '1' })).toThrow(ConfigError);
    expect(loadConfig({}).argon2).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
  });

  it('refuses a malformed master key', () => {
    expect(() => loadConfig({ OPENPDX_MASTER_KEY: 'k1:short' })).toThrow(/OPENPDX_MASTER_KEY/);
  });

  it('documents every setting in the generated reference', () => {
    const docs = configDocs();
    for (const name of ['OPENPDX_PORT', 'OPENPDX_DATABASE_URL', 'OPENPDX_MASTER_KEY', 'OPENPDX_ENV']) {
      expect(docs).toContain(`\`${name}\``);
    }
  });
});

describe('docs/configuration.md', () => {
  it('is the generated reference, so it cannot drift from the schema', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(doc).toContain(configDocs());
  });
});

describe('OPENPDX_TRUST_PROXY (BCP-04)', () => {
  it('trusts no proxy by default and parses hop counts and address lists', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ OPENPDX_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ OPENPDX_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(() => loadConfig({ OPENPDX_TRUST_PROXY: 'everyone' })).toThrow(/OPENPDX_TRUST_PROXY/);
  });
});
