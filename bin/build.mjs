// The server as plain JavaScript for `openpdx start`, so that a serving process does not carry
// tsx's compiler and transform caches: about 60 MB less resident memory (docs/operations.md,
// "Memory"). Development and the tests keep running the TypeScript through tsx.
//
// esbuild bundles src/cli/main.ts and the two worker-thread scripts into dist/<key>/, where <key>
// names the sources it was built from (every file under src/, with its size and mtime): an edit
// gives a new key and a fresh build at the next start, so a stale build is never run. The build
// goes to a temporary folder that is renamed into place, so processes starting together (cluster
// workers, parallel tests) never read a half-written one. `node bin/build.mjs` builds and prints
// the entry. Node-only: no TypeScript here, since this runs before tsx is loaded.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
/** Builds kept besides the current one (an older process may still load its thread scripts). */
const KEEP = 3;

function sourcesKey() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.endsWith('.test.ts')) {
        const s = statSync(path);
        hash.update(`${relative(SRC, path)}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  walk(SRC);
  hash.update(statSync(join(ROOT, 'package-lock.json')).mtimeMs.toString());
  return hash.digest('hex').slice(0, 16);
}

/** The compiled entry of the current sources, built now if needed; undefined if it cannot be. */
export async function compiledEntry() {
  try {
    const key = sourcesKey();
    const dir = join(DIST, key);
    const entry = join(dir, 'openpdx.mjs');
    if (existsSync(entry)) return entry;
    const { build } = await import('esbuild');
    mkdirSync(DIST, { recursive: true });
    const tmp = join(DIST, `.${key}-${process.pid}`);
    await build({
      entryPoints: {
        openpdx: join(SRC, 'cli/main.ts'),
        'signing-thread': join(SRC, 'oauth/signing-thread.mjs'),
        'append-thread': join(SRC, 'storage/append-thread.mjs'),
      },
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
    cpSync(join(SRC, 'web/assets'), join(tmp, 'assets'), { recursive: true });
    try {
      renameSync(tmp, dir);
    } catch {
      // Another process built the same sources first: use theirs.
      rmSync(tmp, { recursive: true, force: true });
    }
    prune(key);
    return existsSync(entry) ? entry : undefined;
  } catch (err) {
    process.stderr.write(`openpdx: could not build the JavaScript server (${err.message}); running it through tsx\n`);
    return undefined;
  }
}

function prune(current) {
  const builds = readdirSync(DIST, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== current)
    .map((d) => ({ path: join(DIST, d.name), at: statSync(join(DIST, d.name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const old of builds.slice(KEEP)) rmSync(old.path, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const entry = await compiledEntry();
  if (!entry) process.exit(1);
  console.log(entry);
}
