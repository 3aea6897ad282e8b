import { generateKeyPairSync, verify } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { SigningThreadError, ThreadSigner } from './thread-signer.ts';

const one = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const two = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function valid(publicKey: typeof one.publicKey, input: string, signature: string): boolean {
  return verify('sha256', Buffer.from(input), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
}

let signer: ThreadSigner;
afterEach(() => signer.close());

describe('ThreadSigner', () => {
  it('signs many inputs under two keys in one turn, each verifiable with its own public key only', async () => {
    signer = new ThreadSigner();
    const inputs = Array.from({ length: 50 }, (_, i) => `header.payload-${i}`);
    const signed = await Promise.all(
      inputs.map(async (input, i) => {
        const [kid, key] = i % 2 ? ['two', two.privateKey] : ['one', one.privateKey];
        return { i, input, signature: await signer.sign(kid, key, input) };
      }),
    );
    for (const { i, input, signature } of signed) {
      // Raw r||s: 64 bytes for P-256 (RFC 7518 §3.4).
      expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
      expect(valid(i % 2 ? two.publicKey : one.publicKey, input, signature)).toBe(true);
      expect(valid(i % 2 ? one.publicKey : two.publicKey, input, signature)).toBe(false);
    }
    // Later turns reuse the key the thread already holds.
    const later = await signer.sign('one', one.privateKey, 'again');
    expect(valid(one.publicKey, 'again', later)).toBe(true);
  });

  it('fails what a dead thread held, then starts a new one (which is sent the key again)', async () => {
    signer = new ThreadSigner();
    await signer.sign('one', one.privateKey, 'warm');
    const thread = (signer as unknown as { thread: { worker: Worker } }).thread.worker;
    const held = signer.sign('one', one.privateKey, 'held');
    await new Promise((r) => setImmediate(r));
    await thread.terminate();
    await expect(held).rejects.toBeInstanceOf(SigningThreadError);
    const after = await signer.sign('one', one.privateKey, 'after');
    expect(valid(one.publicKey, 'after', after)).toBe(true);
  });

  it('finishes what it was asked for on close, then refuses', async () => {
    signer = new ThreadSigner();
    const pending = signer.sign('one', one.privateKey, 'last');
    await signer.close();
    expect(valid(one.publicKey, 'last', await pending)).toBe(true);
    await expect(signer.sign('one', one.privateKey, 'too late')).rejects.toThrow(/closed/);
  });
});
