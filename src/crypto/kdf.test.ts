import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveMemberKeyKek, derivePrivateKeyKek, hashPassword, newPrivateKeyKdf, verifyPassword } from './kdf.ts';
import { MasterKeyRing } from './master-key.ts';

const floor = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

describe('Argon2id parameters (CR-11)', () => {
  it('refuses to make KDF parameters below the floor', () => {
    expect(() => newPrivateKeyKdf({ memoryCost: 1024, timeCost: 2, parallelism: 1 })).toThrow(/floor/);
  });

  it('gives every member a fresh 16-byte salt', () => {
    const salts = new Set(Array.from({ length: 10_000 }, () => newPrivateKeyKdf(floor).salt));
    expect(salts.size).toBe(10_000);
    expect(Buffer.from([...salts][0]!, 'base64url')).toHaveLength(16);
  });
});

describe('key derivation', () => {
  it('derives the same KEK from the same Private Key and a different one otherwise', async () => {
    const kdf = newPrivateKeyKdf(floor);
    const a = await derivePrivateKeyKek('correct horse', kdf);
    const b = await derivePrivateKeyKek('correct horse', kdf);
    const c = await derivePrivateKeyKek('correct horsf', kdf);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    expect(a).toHaveLength(32);
  });

  it('binds the member-key KEK to its connection id', () => {
    const salt = randomBytes(16);
    const k1 = deriveMemberKeyKek('A'.repeat(32), salt, '1-40000');
    const k2 = deriveMemberKeyKek('A'.repeat(32), salt, '1-40001');
    expect(k1.equals(k2)).toBe(false);
  });

  it('verifies passwords hashed with argon2id and rejects others', async () => {
    const h = await hashPassword('a long password', floor);
    expect(h.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(h, 'a long password')).toBe(true);
    expect(await verifyPassword(h, 'a long passworD')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });
});

describe('master key ring', () => {
  it('opens values sealed under an older key after rotation, and seals with the first key', () => {
    const old = MasterKeyRing.generateSpec('k1');
    const ring1 = new MasterKeyRing(old);
    const sealed = ring1.seal('secret', 'connection-token|40000');
    const ring2 = new MasterKeyRing(`${MasterKeyRing.generateSpec('k2')},${old}`);
    expect(ring2.open(sealed, 'connection-token|40000').toString()).toBe('secret');
    expect(ring2.kidOf(ring2.seal('x', 'c'))).toBe('k2');
    expect(() => ring2.open(sealed, 'connection-token|40001')).toThrow();
  });

  it('refuses malformed key specs', () => {
    expect(() => new MasterKeyRing('nokey')).toThrow();
    expect(() => new MasterKeyRing(`k:${randomBytes(16).toString('base64')}`)).toThrow();
  });
});
