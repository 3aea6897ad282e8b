#!/usr/bin/env node
// `openpdx`: the CLI, run through tsx from a checkout, with no build step to remember. `start`
// serves from JavaScript that bin/build.mjs compiles (and recompiles when a source changes) so
// that a serving process does not carry tsx; if that cannot be built, tsx runs it as well.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compiledEntry } from './build.mjs';
import { SERVER_ENV, serverNodeFlags } from './server-settings.mjs';

const args = process.argv.slice(2);
const entry = args[0] === 'start' ? await compiledEntry() : undefined;

// The server runs with fewer malloc arenas and a smaller young generation than Node's defaults
// (bin/server-settings.mjs says why). MALLOC_ARENA_MAX must be set before a process starts, so the
// server is started as a child with it set, and signals and the exit code pass through. An
// operator's own MALLOC_ARENA_MAX is kept, and then the server runs right here, with node's flags
// as the operator gave them.
if (args[0] === 'start' && process.platform === 'linux' && process.env.MALLOC_ARENA_MAX === undefined) {
  const child = spawn(
    process.execPath,
    [...process.execArgv, ...serverNodeFlags(), entry ?? fileURLToPath(import.meta.url), ...args],
    {
      stdio: 'inherit',
      env: { ...process.env, ...SERVER_ENV },
    },
  );
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
} else if (entry) {
  await import(entry);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
