import type { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';
import { createTestCli, type TestCli } from './cli-harness.ts';
import { migrations } from '../../src/storage/migrations/index.ts';

let cli: TestCli;
beforeEach(() => {
  cli = createTestCli();
});
afterEach(async () => {
  await cli.close();
});

function leafCommands(cmd: Command, path: string[] = []): string[][] {
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  if (!subs.length) return [path];
  return subs.flatMap((c) => leafCommands(c, [...path, c.name()]));
}

describe('openpdx program', () => {
  const program = buildProgram({ io: { out: () => {}, err: () => {}, env: {} } });
  const leaves = leafCommands(program);

  it('has every documented command', () => {
    expect(leaves.map((p) => p.join(' ')).sort()).toEqual(
      [
        'admin client create',
        'admin client disable',
        'admin client list',
        'admin client rotate-secret',
        'admin client scopes',
        'admin connect',
        'admin deliveries list',
        'admin deliveries retry',
        'admin identity list',
        'admin identity map',
        'admin identity unmap',
        'admin outbox',
        'admin connection create',
        'admin connection dssa',
        'admin connection list',
        'admin connection show',
        'admin keys rotate',
        'admin member create',
        'admin member list',
        'admin member show',
        'admin org create',
        'admin org list',
        'config docs',
        'config master-key',
        'db migrate',
        'db status',
        'receipt verify',
        'log verify',
        'start',
      ].sort(),
    );
  });

  it('shows help with an example for every command, exit 0', async () => {
    for (const path of leaves) {
      const r = await cli.run([...path, '--help']);
      expect(r.code, path.join(' ')).toBe(0);
      expect(r.stdout, path.join(' ')).toMatch(/\nExamples?:\n {2}\$ .*openpdx /);
    }
  });

  it('prints its version with --version and -V, exit 0', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
    for (const flag of ['--version', '-V']) {
      const r = await cli.run([flag]);
      expect(r.code, flag).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it('makes a master key that the configuration accepts, and says how in live mode', async () => {
    const r = await cli.run(['config', 'master-key', '--id', 'mk2026']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mk2026:[A-Za-z0-9+/]{43}=\n$/);
    const { loadConfig } = await import('../../src/config/config.ts');
    expect(loadConfig({ OPENPDX_MASTER_KEY: r.stdout.trim() }).masterKey).toBe(r.stdout.trim());
    expect(() => loadConfig({ OPENPDX_ENV: 'live' })).toThrow(/make one with `openpdx config master-key`/);
    expect((await cli.run(['config', 'master-key', '--id', 'no spaces'])).code).toBe(2);
  });

  it('exits 2 on usage errors, with the message on stderr', async () => {
    const missing = await cli.run(['admin', 'org', 'create']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--name <name>' not specified");
    const notNumber = await cli.run(['admin', 'connection', 'dssa', '--nid', 'abc', '--grant', 'ds_referrals:rw']);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toContain("argument 'abc' is invalid");
    expect((await cli.run(['admin', 'frobnicate'])).code).toBe(2);
    expect((await cli.run(['admin', 'org', 'list', '--nope'])).code).toBe(2);
  });

  it('lists every configuration problem and exits 1', async () => {
    const r = await cli.run(['admin', 'org', 'list'], {
      env: { OPENPDX_ENV: 'live', OPENPDX_MASTER_KEY: '', OPENPDX_PUBLIC_URL: '', OPENPDX_PORT: 'x' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Invalid configuration:\n {2}- OPENPDX_PORT: /);
    expect(r.stdout).toBe('');
  });

  it('prints no stack trace unless OPENPDX_DEBUG=1', async () => {
    const args = ['admin', 'connection', 'dssa', '--nid', '40404', '--grant', 'ds_referrals:rw'];
    const quiet = await cli.run(args);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).not.toMatch(/\n\s+at /);
    const debug = await cli.run(args, { env: { OPENPDX_DEBUG: '1' } });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('prints the configuration reference', async () => {
    const r = await cli.run(['config', 'docs']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\| variable \| default \| meaning \|\n/);
    expect(r.stdout).toContain('`OPENPDX_SAT_TTL` | `300`');
  });
});

describe('openpdx db', () => {
  it('migrates a new database, then reports it up to date', async () => {
    const names = migrations.map((m) => m.name);
    expect(names[0]).toBe('0001-initial');
    expect(await cli.json(['db', 'status'])).toEqual(names.map((name) => ({ name, applied: false, executed_at: null })));
    expect(await cli.json(['db', 'migrate'])).toEqual({ applied: names });
    expect(await cli.json(['db', 'migrate'])).toEqual({ applied: [] });
    expect((await cli.run(['db', 'migrate'])).stdout).toBe('The database schema is up to date.\n');
    expect(await cli.json(['db', 'status'])).toEqual(
      names.map((name) => ({ name, applied: true, executed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })),
    );
  });
});
