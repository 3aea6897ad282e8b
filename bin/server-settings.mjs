// What the serving process of `openpdx start` runs with, to keep its resident memory down
// (docs/operations.md, "Memory"). bin/openpdx.js applies these; the benchmarks start the server
// with the same so they measure what operators run.

/**
 * glibc's malloc arenas. By default each thread that allocates (libuv's pool hashing passwords
 * with Argon2, the signing and log threads, V8's helpers) gets an arena of its own that keeps
 * what it frees: about 80 MB more resident memory under load, for no throughput. It must be set
 * before the process starts.
 */
export const SERVER_ENV = { MALLOC_ARENA_MAX: '2' };

/**
 * V8's young generation: 8 MB semi-spaces instead of 16 MB (64-bit default): about 20 MB less
 * resident memory under load at the same throughput.
 */
const SERVER_NODE_FLAGS = ['--max-semi-space-size=8'];

/** SERVER_NODE_FLAGS less those the operator already chose (on node's command line or in NODE_OPTIONS). */
export function serverNodeFlags(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '') {
  const chosen = [...execArgv, ...nodeOptions.split(/\s+/)].map((a) => a.split('=')[0].replaceAll('_', '-'));
  return SERVER_NODE_FLAGS.filter((flag) => !chosen.includes(flag.split('=')[0]));
}
