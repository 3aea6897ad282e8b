/**
 * References in code must resolve to documents in the repository: every test-plan ID (see
 * PLAN_ID) cited under src/, test/, bench/ or fuzz/ has a heading in docs/test-plan.md, and every
 * `contract §N` or `contract §N.N` has a heading in docs/contract.md.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['src', 'test', 'bench', 'fuzz'];
const TEST_PLAN = join(ROOT, 'docs', 'test-plan.md');
const CONTRACT = join(ROOT, 'docs', 'contract.md');

/** The shape of a test-plan ID: two or three capitals, a hyphen, two digits. */
const PLAN_ID = /\b[A-Z]{2,3}-[0-9]{2}\b/g;
/** Strings of that shape that are not test-plan IDs. */
const NOT_PLAN_IDS = new Set([
  'UTF-16', // the character encoding (src/pds/schema/values.ts)
]);
/**
 * `contract §5.3`, also `Contract §2`, and lists and ranges such as `contract §2, §3`,
 * `contract §3–§4` or `contract §4.1–4.3` (each number named is checked; a trailing full stop
 * is not part of the number).
 */
const CONTRACT_REF = /\bcontract\s+(§\d+(?:\.\d+)*(?:\s*(?:,\s*§|[–-]\s*§?)\d+(?:\.\d+)*)*)/gi;
const SECTION_NUMBER = /\d+(?:\.\d+)*/g;

const PLAN_HEADING = /^#{2,4}\s+([A-Z]{2,3}-[0-9]{2})\b/gm;
const CONTRACT_HEADING = /^#{2,4}\s+§(\d+(?:\.\d+)*)(?=\s|$)/gm;
/** Relative markdown links: `[text](target)`, without a scheme or an in-page anchor. */
const RELATIVE_LINK = /\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s#]+)(?:#[^)\s]*)?\)/gi;

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules') return [];
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') || p.endsWith('.mjs') ? [p] : [];
  });
}

/** Each reference found, with the places (`path:line`) that cite it. */
function citations(find: (line: string) => string[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of SCANNED.flatMap((d) => sourceFiles(join(ROOT, d)))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const ref of find(line)) {
          const places = found.get(ref) ?? [];
          places.push(`${relative(ROOT, file)}:${i + 1}`);
          found.set(ref, places);
        }
      });
  }
  return found;
}

function planIds(line: string): string[] {
  return [...line.matchAll(PLAN_ID)].map((m) => m[0]).filter((id) => !NOT_PLAN_IDS.has(id));
}

function contractSections(line: string): string[] {
  return [...line.matchAll(CONTRACT_REF)].flatMap((m) => m[1]!.match(SECTION_NUMBER) ?? []);
}

function headings(file: string, pattern: RegExp): Set<string> {
  return new Set([...readFileSync(file, 'utf8').matchAll(pattern)].map((m) => m[1]!));
}

function unresolved(cited: Map<string, string[]>, documented: Set<string>): string[] {
  return [...cited]
    .filter(([ref]) => !documented.has(ref))
    .map(([ref, places]) => `${ref} (${places.slice(0, 3).join(', ')}${places.length > 3 ? ', ...' : ''})`)
    .sort();
}

describe('references in code resolve to docs', () => {
  it('documents every cited test-plan ID in docs/test-plan.md', () => {
    const cited = citations(planIds);
    // Guards the scan itself: a broken pattern or path would otherwise pass vacuously.
    expect(cited.size).toBeGreaterThan(50);
    const missing = unresolved(cited, headings(TEST_PLAN, PLAN_HEADING));
    expect(missing, `add a heading to docs/test-plan.md for: ${missing.join('; ')}`).toEqual([]);
  });

  it('has a heading in docs/contract.md for every cited contract section', () => {
    const cited = citations(contractSections);
    expect(cited.size).toBeGreaterThan(10);
    const missing = unresolved(cited, headings(CONTRACT, CONTRACT_HEADING)).map((s) => `§${s}`);
    expect(missing, `add a heading to docs/contract.md for: ${missing.join('; ')}`).toEqual([]);
  });

  it('links only to files that exist', () => {
    const broken = [TEST_PLAN, CONTRACT].flatMap((doc) =>
      [...readFileSync(doc, 'utf8').matchAll(RELATIVE_LINK)]
        .map((m) => m[1]!)
        .filter((target) => !existsSync(join(dirname(doc), target)))
        .map((target) => `${relative(ROOT, doc)} -> ${target}`),
    );
    expect(broken, `fix these links: ${broken.join('; ')}`).toEqual([]);
  });
});

describe('what users read', () => {
  /** Internal references: a contract section, a test-plan ID, or the team's own spec folder. */
  const internal = (text: string): string[] => [
    ...[...text.matchAll(CONTRACT_REF)].map((m) => m[0]),
    ...planIds(text),
    ...(text.includes('../shared') ? ['../shared'] : []),
  ];

  it('cites no contract section, test-plan ID or outside file in the README and the configuration reference', () => {
    for (const doc of ['README.md', join('docs', 'configuration.md')]) {
      expect(internal(readFileSync(join(ROOT, doc), 'utf8')), doc).toEqual([]);
    }
  });

  it('cites none in /openapi.json or the /docs pages either', async () => {
    const t = await createTestApp();
    try {
      for (const url of ['/openapi.json', '/docs/plain']) {
        const res = await t.app.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(200);
        expect(res.body.length).toBeGreaterThan(10_000); // the real document, not an error page
        expect(internal(res.body), url).toEqual([]);
      }
    } finally {
      await t.close();
    }
  });
});
