import { execFile, execFileSync, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MasterKeyRing } from '../../src/crypto/master-key.ts';
import { createTestCli, type TestCli } from './cli-harness.ts';

let cli: TestCli;
beforeEach(() => {
  cli = createTestCli();
});
afterEach(async () => {
  await cli.close();
});

/** A shutdown signal the test fires once it has talked to the running server. */
function shutdownLatch() {
  let fire!: (signal: string) => void;
  let started!: () => void;
  const listening = new Promise<void>((r) => (started = r));
  const wait = () => {
    started();
    return new Promise<string>((r) => (fire = r));
  };
  return { wait, listening, stop: () => fire('SIGTERM') };
}

describe('openpdx start (in-process)', () => {
  it('seeds the sandbox once, serves, and stops cleanly on a signal', async () => {
    const env = { OPENPDX_PORT: '0', OPENPDX_SEED: 'auto' };
    const latch = shutdownLatch();
    const running = cli.run(['start'], { env, waitForShutdown: latch.wait });
    await latch.listening;
    latch.stop();
    const first = await running;
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Sandbox demo data (no real personal data):');
    expect(first.stdout).toMatch(
      /OpenPDX \(sandbox\) listening on http:\/\/127\.0\.0\.1:\d+; public URL http:\/\/localhost:8080\n/,
    );
    expect(first.stdout).toContain(
      'Sandbox: reachable from this machine only (127.0.0.1). /dev/outbox and /dev/callbacks show member keys without authentication',
    );
    expect(first.stdout).toMatch(/SIGTERM: finishing in-flight requests, then stopping\.\n$/);

    const file = join(cli.dir, 'sandbox-credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const creds = JSON.parse(readFileSync(file, 'utf8')) as { client: { client_secret: string }; connection: { token: string } };
    expect(first.stdout).toContain(creds.client.client_secret);
    expect(first.stdout).toContain(creds.connection.token);

    const again = shutdownLatch();
    const second = cli.run(['start'], { env, waitForShutdown: again.wait });
    await again.listening;
    again.stop();
    const r = await second;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Sandbox demo data already exists; its credentials are in ${file}\n`);
    expect(r.stdout).not.toContain(creds.client.client_secret);
  });

  it('says what to do when the port is taken, and exits 1', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const r = await cli.run(['start'], { env: { OPENPDX_PORT: String(port), OPENPDX_SEED: 'off' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error: port ${port} on 127.0.0.1 is already in use by another program.`);
      expect(r.stderr).toContain(`OPENPDX_PORT=${port + 1} openpdx start`);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('does not seed in live or with OPENPDX_SEED=off', async () => {
    const envs: Record<string, string>[] = [
      { OPENPDX_PORT: '0', OPENPDX_SEED: 'off' },
      { OPENPDX_PORT: '0', OPENPDX_ENV: 'live', OPENPDX_PUBLIC_URL: 'https://pdx.example.org', OPENPDX_TRUST_PROXY: '127.0.0.1' },
    ];
    for (const env of envs) {
      const latch = shutdownLatch();
      const running = cli.run(['start'], { env, waitForShutdown: latch.wait });
      await latch.listening;
      latch.stop();
      const r = await running;
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain('Sandbox demo data');
      expect(r.stdout.includes('Sandbox: reachable from this machine only')).toBe(env.OPENPDX_ENV !== 'live');
    }
    expect(await cli.json(['admin', 'org', 'list'])).toEqual([]);
  });
});

describe('bin/openpdx.js (a real process)', () => {
  // A real process cannot be told a PostgreSQL test schema, so these use SQLite either way.
  const env = () => ({
    PATH: process.env.PATH ?? '',
    OPENPDX_DATABASE_URL: join(cli.dir, 'spawn.sqlite'),
    OPENPDX_DATA_DIR: cli.dir,
    OPENPDX_MASTER_KEY: MasterKeyRing.generateSpec('spawn'),
    OPENPDX_LOG_LEVEL: 'silent',
    OPENPDX_SEED: 'off',
  });

  it('prints one line of JSON and exits 0', async () => {
    const { stdout } = await promisify(execFile)(
      'node',
      ['bin/openpdx.js', 'admin', 'org', 'create', '--name', 'Spawned', '--json'],
      {
        env: env(),
      },
    );
    expect(stdout).toBe('{"org_id":1}\n');
  });

  it('exits 2 on a usage error', async () => {
    const err = await promisify(execFile)('node', ['bin/openpdx.js', 'admin', 'org', 'create'], { env: env() }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 2, stderr: expect.stringContaining("required option '--name <name>'") });
  });

  it('serves until SIGTERM, then exits 0', async () => {
    const child = spawn('node', ['bin/openpdx.js', 'start'], { env: { ...env(), OPENPDX_PORT: '0' } });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening on (http:\/\/\S+);/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    const res = await fetch(`${url}/access-token/40000`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('{"error":{"message":"Unknown connection"}}');
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('SIGTERM: finishing in-flight requests');
  });

  it('serves compiled JavaScript from a process with two malloc arenas and 8 MB semi-spaces, passing signals and the exit code through', async () => {
    const launcher = spawn('node', ['bin/openpdx.js', 'start'], { env: { ...env(), OPENPDX_PORT: '0' } });
    let out = '';
    launcher.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => out.includes('listening on') && (clearInterval(timer), resolve()), 50);
      launcher.on('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    const [server] = execFileSync('pgrep', ['-P', String(launcher.pid)])
      .toString()
      .trim()
      .split('\n')
      .map(Number);
    expect(readFileSync(`/proc/${server}/environ`, 'utf8').split('\0')).toContain('MALLOC_ARENA_MAX=2');
    const argv = readFileSync(`/proc/${server}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain('--max-semi-space-size=8');
    expect(argv.find((a) => a.endsWith('.mjs'))).toMatch(/\/dist\/[0-9a-f]{16}\/openpdx\.mjs$/);
    const exited = new Promise<number | null>((resolve) => launcher.on('exit', resolve));
    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('SIGTERM: finishing in-flight requests');
    expect(() => process.kill(server!, 0)).toThrow();
  });
});
