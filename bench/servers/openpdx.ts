/**
 * OpenPDX under test: the real CLI (`node bin/openpdx.js start`, compiled JavaScript) in a child process,
 * seeded as a sandbox into a fresh data folder, on SQLite by default or on a throwaway PostgreSQL
 * schema when OPENPDX_BENCH_DATABASE_URL is set.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import type { SandboxCredentials } from '../../src/admin/seed.ts';
import { SERVER_ENV, serverNodeFlags } from '../../bin/server-settings.mjs';
import { spawnNode, stop, tailOf, waitForOutput } from '../children.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GUARD = pathToFileURL(fileURLToPath(new URL('./guard.mjs', import.meta.url))).href;

export interface OpenPdxOptions {
  dataDir: string;
  /** postgres:// URL to run on instead of SQLite */
  postgresUrl: string | undefined;
  /** folder for a V8 CPU profile of the server (node --cpu-prof) */
  cpuProfDir: string | undefined;
  /** more node flags for the server process (e.g. --perf-basic-prof for Linux perf) */
  nodeFlags?: string[];
  /** OPENPDX_WORKERS: serving processes (default 1) */
  workers?: number;
  /**
   * With postgresUrl: run on this existing schema (the `postgresSchema` of an earlier start on the
   * same dataDir, to restart on its data) instead of a fresh one. The start that made the schema
   * drops it; this one's dispose leaves it alone.
   */
  postgresSchema?: string;
}

export interface OpenPdx {
  baseUrl: string;
  /** the `openpdx start` process (with --workers, the primary) */
  pid: number;
  credentials: SandboxCredentials;
  engine: string;
  /** the OPENPDX_DATABASE_URL the server runs with (SQLite file, or postgres:// URL scoped to the schema) */
  databaseUrl: string;
  /** the PostgreSQL schema the server runs in; undefined on SQLite */
  postgresSchema: string | undefined;
  /** the server's environment: an `openpdx admin …` run with it works on the same data */
  env: NodeJS.ProcessEnv;
  /** the repository the server runs from */
  repoRoot: string;
  /** SIGTERM and wait; throws if the server did not exit cleanly. */
  stop(): Promise<void>;
  /** Rows of `dataset` in the database; call after stop(). */
  countRows(dataset: string): Promise<number>;
  /** Drops the PostgreSQL bench schema, if any; idempotent, never throws. */
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh schema per run, so the seed runs and the row count starts from zero. */
async function createPgSchema(url: string): Promise<{ url: string; schema: string }> {
  const schema = `openpdx_bench_${randomBytes(4).toString('hex')}`;
  await withPg(url, (client) => client.query(`create schema ${schema}`));
  return { url: pgSchemaUrl(url, schema), schema };
}

/** `url` with its search_path set to `schema`. */
function pgSchemaUrl(url: string, schema: string): string {
  if (!/^openpdx_bench_[0-9a-f]{8}$/.test(schema)) throw new Error(`not a bench schema: ${schema}`);
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  return scoped.toString();
}

async function withPg<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function countSqlite(file: string, dataset: string): number {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('select count(*) as n from transaction_rows where dataset = ?').get(dataset) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

export async function startOpenPdx(o: OpenPdxOptions): Promise<OpenPdx> {
  const port = await freePort();
  const sqliteFile = join(o.dataDir, 'bench.sqlite');
  const reused =
    o.postgresUrl && o.postgresSchema
      ? { url: pgSchemaUrl(o.postgresUrl, o.postgresSchema), schema: o.postgresSchema }
      : undefined;
  const pgTarget = reused ?? (o.postgresUrl ? await createPgSchema(o.postgresUrl) : undefined);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENPDX_DATABASE_URL: pgTarget ? pgTarget.url : sqliteFile,
    OPENPDX_DATA_DIR: o.dataDir,
    OPENPDX_PORT: String(port),
    OPENPDX_HOST: '127.0.0.1',
    OPENPDX_LOG_LEVEL: 'warn',
    OPENPDX_ENV: 'sandbox',
    OPENPDX_SEED: 'auto',
    OPENPDX_WORKERS: String(o.workers ?? 1),
    // What bin/openpdx.js gives the serving process; set here, it serves without a launcher.
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? SERVER_ENV.MALLOC_ARENA_MAX,
  };
  const prof = o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [];
  const child: ChildProcess = spawnNode(
    // What `npm start` runs: the compiled server (bin/build.mjs), in this very process since
    // MALLOC_ARENA_MAX is set below.
    [
      ...prof,
      ...serverNodeFlags(o.nodeFlags ?? [], process.env.NODE_OPTIONS ?? ''),
      ...(o.nodeFlags ?? []),
      '--import',
      GUARD,
      'bin/openpdx.js',
      'start',
    ],
    REPO_ROOT,
    env,
  );
  let dropped = false;
  const dropSchema = async () => {
    if (!pgTarget || reused || dropped) return;
    dropped = true;
    await withPg(o.postgresUrl!, (c) => c.query(`drop schema ${pgTarget.schema} cascade`)).catch(() => undefined);
  };
  let credentials: SandboxCredentials;
  try {
    // Seeding hashes passwords and keys with Argon2id: allow for a slow, shared machine.
    await waitForOutput(child, 'listening on', 'OpenPDX', 90_000);
    credentials = JSON.parse(readFileSync(join(o.dataDir, 'sandbox-credentials.json'), 'utf8')) as SandboxCredentials;
  } catch (err) {
    await stop(child, 2000);
    await dropSchema();
    throw err;
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    credentials,
    engine: pgTarget ? `PostgreSQL (schema ${pgTarget.schema})` : 'SQLite',
    databaseUrl: env.OPENPDX_DATABASE_URL!,
    postgresSchema: pgTarget?.schema,
    env,
    repoRoot: REPO_ROOT,
    async stop() {
      const code = await stop(child);
      if (code !== 0) throw new Error(`OpenPDX exited with code ${code} after SIGTERM\n${tailOf(child)}`);
    },
    async countRows(dataset) {
      if (!pgTarget) return countSqlite(sqliteFile, dataset);
      const sql = `select count(*) as n from ${pgTarget.schema}.transaction_rows where dataset = $1`;
      return withPg(o.postgresUrl!, async (c) => Number((await c.query<{ n: string }>(sql, [dataset])).rows[0]?.n));
    },
    dispose: dropSchema,
  };
}
