/** CR-20: a new call site of a cryptographic primitive must be listed in docs/crypto-inventory.md. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const PRIMITIVES =
  /\b(createCipheriv|createDecipheriv|crypto_aead_\w+|hkdfSync|hkdf\(|argon2\.(hash|verify)|generateKeyPair|SignJWT|jwtVerify|createHmac|scrypt)\b|\bsign\('sha/;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    // .mjs too: the worker threads' plain-JavaScript modules open and sign.
    return (p.endsWith('.ts') || p.endsWith('.mjs')) && !p.endsWith('.test.ts') && !p.endsWith('.d.mts') ? [p] : [];
  });
}

describe('crypto inventory (CR-20)', () => {
  it('lists every source file that calls a cryptographic primitive', () => {
    const inventory = readFileSync(join(ROOT, 'docs', 'crypto-inventory.md'), 'utf8');
    const callers = tsFiles(join(ROOT, 'src'))
      .filter((f) => PRIMITIVES.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(callers.length).toBeGreaterThan(2);
    const missing = callers.filter((f) => !inventory.includes(`\`${f}\``));
    expect(missing, `add these to docs/crypto-inventory.md: ${missing.join(', ')}`).toEqual([]);
  });
});
