import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntegrityError, keyVersionOf, openBytes, openText, seal, sealBytes } from './aead.ts';

const key = randomBytes(32);

/** `open` refuses `sealed` with any one bit flipped past its first four bytes (nonce, tag or body). */
function expectEveryBitFlipRefused(sealed: Buffer, open: (flipped: Buffer) => unknown, numRuns: number): void {
  fc.assert(
    fc.property(fc.integer({ min: 4, max: sealed.length * 8 - 1 }), (bit) => {
      const copy = Buffer.from(sealed);
      copy[bit >> 3]! ^= 1 << (bit & 7);
      expect(() => open(copy)).toThrow(IntegrityError);
    }),
    { numRuns },
  );
}

describe('XChaCha20-Poly1305 sealing', () => {
  it('opens what it sealed for any plaintext and context (CR-01)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string(), (pt, context) => {
        const sealed = sealBytes(key, Buffer.from(pt), context);
        expect(openBytes(key, sealed, context).equals(Buffer.from(pt))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a ciphertext with any single bit flipped in nonce, tag or body (CR-02)', () => {
    const sealed = sealBytes(key, Buffer.from('field_personal_fname=John'), 'ctx');
    expectEveryBitFlipRefused(sealed, (copy) => openBytes(key, copy, 'ctx'), 1000);
  });

  it('refuses a ciphertext moved to another member, dataset or instance (CR-03)', () => {
    const sealed = sealBytes(key, Buffer.from('{"a":"b"}'), 'pds|1|ds_home|m|0');
    for (const other of ['pds|2|ds_home|m|0', 'pds|1|ds_passport|m|0', 'pds|1|ds_home|m|1']) {
      expect(() => openBytes(key, sealed, other)).toThrow(IntegrityError);
    }
  });

  it('uses a fresh nonce for every encryption of the same plaintext (CR-04)', () => {
    const nonces = new Set<string>();
    const bodies = new Set<string>();
    const pt = Buffer.from('same plaintext');
    for (let i = 0; i < 100_000; i++) {
      const s = sealBytes(key, pt, 'c');
      nonces.add(s.subarray(4, 28).toString('hex'));
      bodies.add(s.subarray(28).toString('hex'));
    }
    expect(nonces.size).toBe(100_000);
    expect(bodies.size).toBe(100_000);
  });

  it('authenticates the header: a changed algorithm id or key version fails, never falls back (CR-13)', () => {
    const sealed = sealBytes(key, Buffer.from('x'), 'c', 7);
    expect(keyVersionOf(sealed)).toBe(7);
    expect(sealed[1]).toBe(2);
    const unknown = Buffer.from(sealed);
    unknown[1] = 3;
    expect(() => openBytes(key, unknown, 'c')).toThrow(/unknown ciphertext format/);
    // Relabelled as the older algorithm, the value is read with AES-256-GCM and fails there.
    const older = Buffer.from(sealed);
    older[1] = 1;
    expect(() => openBytes(key, older, 'c')).toThrow(IntegrityError);
    const version = Buffer.from(sealed);
    version[3] = 8;
    expect(() => openBytes(key, version, 'c')).toThrow(IntegrityError);
  });

  it('fails closed with the wrong key (CR-05)', () => {
    const sealed = sealBytes(key, Buffer.from('x'), 'c');
    expect(() => openBytes(randomBytes(32), sealed, 'c')).toThrow(IntegrityError);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => sealBytes(randomBytes(16), Buffer.from('x'), 'c')).toThrow(/32-byte/);
  });

  it('still opens values sealed with AES-256-GCM before XChaCha20-Poly1305 (algorithm 1), header authenticated', () => {
    // Built here with node:crypto exactly as earlier versions sealed: header ‖ nonce(12) ‖ tag ‖ body.
    const legacy = (pt: string, context: string, version: number) => {
      const h = Buffer.from([1, 1, version >> 8, version & 0xff]);
      const nonce = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
      c.setAAD(Buffer.concat([h, Buffer.from(context, 'utf8')]));
      const body = Buffer.concat([c.update(pt, 'utf8'), c.final()]);
      return Buffer.concat([h, nonce, c.getAuthTag(), body]);
    };
    const sealed = legacy('{"field_personal_fname":"Ada"}', 'pds|1|ds_personal_details|m|0', 3);
    expect(openBytes(key, sealed, 'pds|1|ds_personal_details|m|0').toString()).toBe('{"field_personal_fname":"Ada"}');
    expect(keyVersionOf(sealed)).toBe(3);
    expect(() => openBytes(key, sealed, 'pds|2|ds_personal_details|m|0')).toThrow(IntegrityError);
    const relabelled = Buffer.from(sealed);
    relabelled[1] = 2;
    expect(() => openBytes(key, relabelled, 'pds|1|ds_personal_details|m|0')).toThrow(IntegrityError);
    const shorter = sealed.subarray(0, 4 + 12 + 15);
    expect(() => openBytes(key, shorter, 'pds|1|ds_personal_details|m|0')).toThrow(/too short/);
  });

  describe('opening stored text (openText, through reused scratch buffers)', () => {
    it('opens what seal wrote, as the buffer path does, for any text and context, large ones included', () => {
      const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ minLength: 17_000, maxLength: 20_000 }));
      const context = fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.string({ minLength: 300, maxLength: 600, unit: 'grapheme' }),
      );
      fc.assert(
        fc.property(fc.array(fc.tuple(text, context), { minLength: 1, maxLength: 4 }), (values) => {
          // Several in turn: each must come out whole, whatever the one before left in the scratch.
          const sealed = values.map(([pt, ctx]) => seal(key, pt, ctx));
          values.forEach(([pt, ctx], i) => {
            expect(openText(key, sealed[i]!, ctx)).toBe(pt);
            expect(openText(key, sealed[i]!, ctx)).toBe(
              openBytes(key, Buffer.from(sealed[i]!, 'base64url'), ctx).toString('utf8'),
            );
          });
        }),
        { seed: 20261206, numRuns: 200 },
      );
    });

    it('refuses the text of a value with a bit flipped, another context, the wrong key, or too few bytes', () => {
      const raw = sealBytes(key, Buffer.from('{"memo":"x"}'), 'pds|1|ds_referrals|r|0|abc');
      expectEveryBitFlipRefused(raw, (copy) => openText(key, copy.toString('base64url'), 'pds|1|ds_referrals|r|0|abc'), 300);
      const text = raw.toString('base64url');
      expect(() => openText(key, text, 'pds|2|ds_referrals|r|0|abc')).toThrow(IntegrityError);
      expect(() => openText(randomBytes(32), text, 'pds|1|ds_referrals|r|0|abc')).toThrow(IntegrityError);
      expect(() => openText(key, raw.subarray(0, 40).toString('base64url'), 'pds|1|ds_referrals|r|0|abc')).toThrow(/too short/);
      expect(() => openText(key, '', 'c')).toThrow(IntegrityError);
      // and the scratch still opens a good value after the refusals
      expect(openText(key, text, 'pds|1|ds_referrals|r|0|abc')).toBe('{"memo":"x"}');
    });

    it('opens stored AES-256-GCM (algorithm 1) text too', () => {
      const h = Buffer.from([1, 1, 0, 1]);
      const nonce = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
      c.setAAD(Buffer.concat([h, Buffer.from('ctx', 'utf8')]));
      const body = Buffer.concat([c.update('{"a":"é"}', 'utf8'), c.final()]);
      const text = Buffer.concat([h, nonce, c.getAuthTag(), body]).toString('base64url');
      expect(openText(key, text, 'ctx')).toBe('{"a":"é"}');
      expect(() => openText(key, text, 'other')).toThrow(IntegrityError);
    });
  });
});
