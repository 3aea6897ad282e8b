import { describe, expect, it } from 'vitest';
import { safeEqual, sha256, sha256Hex, sha256Matches, sha512Hex } from './hash.ts';
import { MEMBER_KEY_PATTERN, newMemberKey, randomSecret } from './random.ts';

describe('secret comparison (CR-15)', () => {
  it('returns true only for equal values', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
  });

  it('returns false for unequal lengths without throwing', () => {
    expect(safeEqual('a', 'a'.repeat(1000))).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
    expect(safeEqual(Buffer.from('ab'), 'ab')).toBe(true);
  });
});

describe('a secret against its stored SHA-256 (CR-15)', () => {
  it('matches only the secret whose digest is stored', () => {
    const stored = sha256Hex('k3y');
    expect(sha256Matches('k3y', stored)).toBe(true);
    expect(sha256Matches('k3Y', stored)).toBe(false);
    expect(sha256Matches('k3y', stored.toUpperCase())).toBe(true);
  });

  it('never matches a stored value that is not a whole 64-character hex digest', () => {
    const stored = sha256Hex('k3y');
    for (const bad of ['', 'revoked:1700000000', stored.slice(0, 62), `${stored}00`, `${stored.slice(0, 63)}g`]) {
      expect(sha256Matches('k3y', bad)).toBe(false);
    }
  });
});

describe('hashes', () => {
  it('are lower-case hex of the right length', () => {
    expect(sha256Hex('x')).toMatch(/^[0-9a-f]{64}$/);
    expect(sha512Hex('x')).toMatch(/^[0-9a-f]{128}$/);
    expect(sha512Hex('abc')).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });

  it('SHA-256 gives the FIPS 180-2 answer as hex and as bytes, from a string or a buffer', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(sha256Hex('abc')).toBe(abc);
    expect(sha256(Buffer.from('abc')).toString('hex')).toBe(abc);
    expect(sha256('')).toHaveLength(32);
  });
});

describe('random secrets (CR-14)', () => {
  it('member keys are 32 characters of [A-Za-z0-9] and never repeat', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const k = newMemberKey();
      expect(k).toMatch(MEMBER_KEY_PATTERN);
      keys.add(k);
    }
    expect(keys.size).toBe(10_000);
  });

  it('secrets carry 256 bits and their prefix', () => {
    const s = randomSecret('pdx_cs_');
    expect(s.startsWith('pdx_cs_')).toBe(true);
    expect(Buffer.from(s.slice(7), 'base64url')).toHaveLength(32);
  });
});
