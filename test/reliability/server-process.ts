/**
 * `openpdx start` as a real process tree (bin/openpdx.js), for the fault tests: on SQLite in a
 * temporary folder, or on a PostgreSQL URL of the test's own (a spawned process cannot be given the
 * suite's private schema). Seeds the sandbox, so the demo client and members are at hand.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxCredentials } from '../../src/admin/seed.ts';
import { MasterKeyRing } from '../../src/crypto/master-key.ts';

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  dir: string;
  masterKey: string;
  base: string;
  creds: SandboxCredentials;
  output(): { out: string; err: string };
  /** pids of a cluster primary's workers */
  workerPids(): number[];
  token(): Promise<string>;
  /** waits for the process to exit; resolves with its code (null when killed) */
  exited(): Promise<number | null>;
  close(): void;
}

export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ServerOptions {
  workers: number;
  databaseUrl?: string;
  env?: Record<string, string>;
  /** the data folder (and SQLite file) of an earlier run, to start again on the same data */
  dir?: string;
  /** the master key of that earlier run */
  masterKey?: string;
  /** keep the data folder when the process is closed (for a restart) */
  keep?: boolean;
}

export async function startServerProcess(options: ServerOptions): Promise<ServerProcess> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'openpdx-proc-'));
  const masterKey = options.masterKey ?? MasterKeyRing.generateSpec('proc');
  let out = '';
  let err = '';
  const child = spawn('node', ['bin/openpdx.js', 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      OPENPDX_DATABASE_URL: options.databaseUrl ?? join(dir, 'openpdx.sqlite'),
      OPENPDX_DATA_DIR: dir,
      OPENPDX_MASTER_KEY: masterKey,
      OPENPDX_LOG_LEVEL: 'warn',
      OPENPDX_SEED: 'auto',
      OPENPDX_PORT: '0',
      OPENPDX_WORKERS: String(options.workers),
      // Set, so bin/openpdx.js serves in this very process (its pid and workers are the test's).
      MALLOC_ARENA_MAX: '2',
      ...options.env,
    },
  });
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const base = await until(
    'the server to listen',
    () => {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${out}\n${err}`);
      return /listening on (http:\/\/[^\s;]+)/.exec(out)?.[1];
    },
    90_000,
  );
  const creds = JSON.parse(readFileSync(join(dir, 'sandbox-credentials.json'), 'utf8')) as SandboxCredentials;
  return {
    child,
    dir,
    masterKey,
    base,
    creds,
    output: () => ({ out, err }),
    workerPids() {
      try {
        return execFileSync('pgrep', ['-x', 'node', '-P', String(child.pid)])
          .toString()
          .trim()
          .split('\n')
          .filter(Boolean)
          .map(Number);
      } catch {
        return [];
      }
    },
    async token() {
      const res = await fetch(`${base}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${creds.client.client_id}:${creds.client.client_secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `grant_type=client_credentials&scope=${encodeURIComponent(creds.client.scope)}`,
      });
      if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
    exited: () => exit,
    close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}
