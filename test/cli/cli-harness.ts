/**
 * Runs the `openpdx` commander program in-process against a private test database: SQLite in
 * a temporary folder, or a private PostgreSQL schema when OPENPDX_TEST_DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { runCli } from '../../src/cli/program.ts';
import type { CliRuntime } from '../../src/cli/runtime.ts';
import { MasterKeyRing } from '../../src/crypto/master-key.ts';
import { dropPgSchema } from '../../src/storage/dialect.ts';
import { TEST_PG_URL } from '../harness.ts';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestCli {
  dir: string;
  env: Record<string, string>;
  run(
    args: readonly string[],
    options?: { env?: Record<string, string>; waitForShutdown?: () => Promise<string> },
  ): Promise<CliResult>;
  /** runs a `--json` command that must succeed and returns its parsed output */
  json(args: readonly string[]): Promise<unknown>;
  close(): Promise<void>;
}

export function createTestCli(): TestCli {
  const dir = mkdtempSync(join(tmpdir(), 'openpdx-cli-'));
  const pgSchema = TEST_PG_URL ? `t_${randomBytes(6).toString('hex')}` : undefined;
  const env: Record<string, string> = {
    OPENPDX_DATABASE_URL: TEST_PG_URL ?? join(dir, 'openpdx.sqlite'),
    OPENPDX_MASTER_KEY: MasterKeyRing.generateSpec('test'),
    OPENPDX_DATA_DIR: dir,
    OPENPDX_LOG_LEVEL: 'silent',
    OPENPDX_PUBLIC_URL: 'http://localhost:8080',
  };
  const run: TestCli['run'] = async (args, options = {}) => {
    let stdout = '';
    let stderr = '';
    const rt: CliRuntime = {
      io: { out: (s) => void (stdout += s), err: (s) => void (stderr += s), env: { ...env, ...options.env } },
      contextOverrides: { logger: pino({ level: 'silent' }), databaseOptions: pgSchema ? { pgSchema } : {} },
      ...(options.waitForShutdown ? { waitForShutdown: options.waitForShutdown } : {}),
    };
    const code = await runCli(args, rt);
    return { code, stdout, stderr };
  };
  return {
    dir,
    env,
    run,
    async json(args) {
      const r = await run([...args, '--json']);
      if (r.code !== 0) throw new Error(`openpdx ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      if (!/^[^\n]*\n$/.test(r.stdout)) throw new Error(`expected one line of JSON, got ${JSON.stringify(r.stdout)}`);
      return JSON.parse(r.stdout) as unknown;
    },
    async close() {
      if (TEST_PG_URL && pgSchema) await dropPgSchema(TEST_PG_URL, pgSchema);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `admin member create` arguments for a member named `mydexid` (email from the name; fixed secrets). */
export function memberArgs(mydexid: string, email = `${mydexid}@example.org`): string[] {
  return [
    'admin',
    'member',
    'create',
    '--mydexid',
    mydexid,
    '--email',
    email,
    '--password',
    'correct horse',
    '--private-key',
    'battery staple',
  ];
}
