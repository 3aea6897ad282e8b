#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx openpdx` works from a checkout without a build step.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);

// `openpdx start` serves from a process whose C heap is limited to two malloc arenas. glibc
// otherwise gives each thread that allocates (libuv's pool hashing passwords with Argon2, the
// signing and log threads, V8's helpers) an arena of its own and keeps what they free: about
// 80 MB more resident memory under load, for no throughput (docs/operations.md, "Memory").
// The variable must be set before the process starts, so this launcher starts the server with it
// and passes signals and the exit code through. An operator's own MALLOC_ARENA_MAX is kept.
if (args[0] === 'start' && process.platform === 'linux' && process.env.MALLOC_ARENA_MAX === undefined) {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit',
    env: { ...process.env, MALLOC_ARENA_MAX: '2' },
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
