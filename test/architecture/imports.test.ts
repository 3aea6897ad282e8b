/**
 * The module layering, checked by walking every import of src/ (with TypeScript's own import
 * scanner): domain code reaches HTTP only through its *-routes.ts files, so a service can be
 * called by a route, a feature block, a template or a command alike. ESLint enforces the same
 * rule file by file (eslint.config.js); this walks the whole graph, so a rule that stopped
 * matching would show here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
const DOMAIN = [
  'admin',
  'config',
  'connections',
  'consent',
  'crypto',
  'features',
  'helpers',
  'idaas',
  'members',
  'messaging',
  'oauth',
  'outbox',
  'pds',
  'storage',
  'templates',
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.mts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every import of every source file: [importing file, specifier, resolved path or the package name]. */
function edges(): [string, string, string][] {
  return sources(SRC).flatMap((file) =>
    ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map(({ fileName }): [string, string, string] => [
        relative(SRC, file),
        fileName,
        fileName.startsWith('.') ? relative(SRC, resolve(dirname(file), fileName)) : fileName,
      ]),
  );
}

const isDomainCode = (file: string) => DOMAIN.includes(file.split('/')[0]!) && !file.endsWith('-routes.ts');

describe('module layering', () => {
  const all = edges();

  it('finds the imports it walks (the walk itself works)', () => {
    expect(all.length).toBeGreaterThan(500);
    expect(all).toContainEqual(['pds/dataset-routes.ts', '../http/auth.ts', 'http/auth.ts']);
  });

  it('has no edge from domain code outside *-routes.ts to src/http/ or to Fastify', () => {
    const bad = all.filter(([file, , to]) => isDomainCode(file) && (to.startsWith('http/') || to === 'fastify'));
    expect(bad).toEqual([]);
  });
});
