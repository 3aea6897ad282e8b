/**
 * `openpdx start` with OPENPDX_WORKERS=2, as a real process tree: the primary seeds once, two
 * workers share the port and the data, a killed worker is replaced, and SIGTERM stops them all.
 * SQLite either way: a spawned process cannot be handed a PostgreSQL test schema.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxCredentials } from '../../src/admin/seed.ts';
import { MasterKeyRing } from '../../src/crypto/master-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'openpdx-cluster-'));
let child: ChildProcessWithoutNullStreams;
let out = '';
let err = '';
let base: string;
let creds: SandboxCredentials;

/** pids of the primary's worker processes (not the esbuild service tsx may start) */
function workerPids(): number[] {
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
}

async function until<T>(what: string, probe: () => T | undefined | false, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nstdout: ${out}\nstderr: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function token(): Promise<string> {
  const res = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${creds.client.client_id}:${creds.client.client_secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: `grant_type=client_credentials&scope=${encodeURIComponent(creds.client.scope)}`,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

function metadataUrl(): string {
  const m = creds.members[0]!;
  const q = new URLSearchParams({ key: m.key, con_id: m.con_id, source_type: 'connection', dataset: 'ds_personal_details' });
  return `${base}/api/pds/pds/${m.uid}.json?${q}`;
}

const masterKey = MasterKeyRing.generateSpec('cluster');
const env = (extra: Record<string, string>) => ({
  PATH: process.env.PATH ?? '',
  OPENPDX_DATABASE_URL: join(dir, 'cluster.sqlite'),
  OPENPDX_DATA_DIR: dir,
  OPENPDX_MASTER_KEY: masterKey,
  OPENPDX_LOG_LEVEL: 'silent',
  OPENPDX_SEED: 'auto',
  OPENPDX_PORT: '0',
  OPENPDX_WORKERS: '2',
  // Set, so bin/openpdx.js serves in this very process: its workers are this child's children.
  MALLOC_ARENA_MAX: '2',
  ...extra,
});

beforeAll(async () => {
  child = spawn('node', ['bin/openpdx.js', 'start'], { env: env({}) });
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  base = await until('listening', () => /listening on (http:\/\/\S+) with 2 worker processes;/.exec(out)?.[1], 90_000);
  creds = JSON.parse(readFileSync(join(dir, 'sandbox-credentials.json'), 'utf8')) as SandboxCredentials;
}, 120_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('openpdx start with OPENPDX_WORKERS=2', () => {
  it('seeds once in the primary and runs two worker processes', () => {
    expect(out.match(/Sandbox demo data \(no real personal data\):/g)).toHaveLength(1);
    expect(workerPids()).toHaveLength(2);
  });

  it('serves every request from either worker against the same data', async () => {
    const bearer = { authorization: `Bearer ${await token()}` };
    const write = await fetch(metadataUrl(), {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ ds_personal_details: { field_personal_fname: 'Clustered' } }),
    });
    expect(write.status).toBe(200);
    // New connections each time, so the primary hands them to both workers in turn.
    const reads = await Promise.all(
      Array.from({ length: 20 }, () => fetch(metadataUrl(), { headers: { ...bearer, connection: 'close' } })),
    );
    for (const r of reads) {
      expect(r.status).toBe(200);
      const body = (await r.json()) as { ds_personal_details: { instance_0: { field_personal_fname: { value: string } } } };
      expect(body.ds_personal_details.instance_0.field_personal_fname.value).toBe('Clustered');
    }
  });

  it('answers /metrics for both workers together, whichever one is asked', async () => {
    const series = 'openpdx_http_requests_total{method="GET",route="/api/pds/pds/:file",status="200"} ';
    const count = async () => {
      const text = await (await fetch(`${base}/metrics`, { headers: { connection: 'close' } })).text();
      return Number(
        text
          .split('\n')
          .find((line) => line.startsWith(series))
          ?.slice(series.length) ?? 0,
      );
    };
    const before = await count();
    const bearer = { authorization: `Bearer ${await token()}` };
    const reads = await Promise.all(
      Array.from({ length: 30 }, () => fetch(metadataUrl(), { headers: { ...bearer, connection: 'close' } })),
    );
    expect(reads.every((r) => r.status === 200)).toBe(true);
    // Several scrapes, so both workers answer at least one with the same, summed, figure.
    const seen = await Promise.all(Array.from({ length: 6 }, () => count()));
    expect(new Set(seen)).toEqual(new Set([before + 30]));
  });

  it('replaces a worker that dies, and keeps serving', async () => {
    const [victim] = workerPids();
    process.kill(victim!, 'SIGKILL');
    await until('the primary to report the death', () =>
      err.includes(`worker ${victim} exited (code null, signal SIGKILL); starting a replacement`),
    );
    await until('a replacement worker', () => {
      const pids = workerPids();
      return pids.length === 2 && !pids.includes(victim!);
    });
    const bearer = { authorization: `Bearer ${await token()}` };
    for (let i = 0; i < 6; i++) {
      expect((await fetch(metadataUrl(), { headers: { ...bearer, connection: 'close' } })).status).toBe(200);
    }
  });

  it('stops every worker gracefully on SIGTERM and exits 0', async () => {
    const pids = workerPids();
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('SIGTERM: finishing in-flight requests in 2 worker processes, then stopping.');
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('a cluster that cannot start', () => {
  it('stops and exits 1 when its workers cannot listen', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const failing = spawn('node', ['bin/openpdx.js', 'start', '--workers', '2'], {
        env: env({ OPENPDX_PORT: String(port), OPENPDX_HOST: '127.0.0.1', OPENPDX_WORKERS: '1' }),
      });
      let stderr = '';
      failing.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => failing.on('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toContain('a worker process exited during start-up');
    } finally {
      blocker.close();
    }
  }, 60_000);
});
