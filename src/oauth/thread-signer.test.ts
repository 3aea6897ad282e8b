import { generateKeyPairSync, verify } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadSigner } from './thread-signer.ts';

const one = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const two = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function valid(publicKey: typeof one.publicKey, input: string, signature: string): boolean {
  return verify('sha256', Buffer.from(input), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
}

interface Message {
  kid: string;
  key?: unknown;
  inputs: string[];
}

/** Every message the signer sends its thread, as it is sent. */
function recordMessages(s: ThreadSigner): Message[] {
  const thread = (s as unknown as { thread: { request: (...a: unknown[]) => unknown } }).thread;
  const messages: Message[] = [];
  const request = thread.request.bind(thread);
  thread.request = (build: unknown, ...rest: unknown[]) =>
    request(
      () => {
        const msg = (build as () => Message)();
        messages.push(msg);
        return msg;
      },
      ...rest,
    );
  return messages;
}

let signer: ThreadSigner;
afterEach(() => signer.close());

describe('ThreadSigner', () => {
  it('signs many inputs under two keys in one turn, each verifiable with its own public key only', async () => {
    signer = new ThreadSigner();
    const messages = recordMessages(signer);
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
    // One turn's 25 inputs per key travel in messages of at most 4, in order, the key in the first only.
    for (const kid of ['one', 'two']) {
      const mine = messages.filter((m) => m.kid === kid);
      expect(mine.map((m) => m.inputs.length)).toEqual([4, 4, 4, 4, 4, 4, 1]);
      expect(mine.map((m) => m.key !== undefined)).toEqual([true, false, false, false, false, false, false]);
      const parity = kid === 'one' ? 0 : 1;
      expect(mine.flatMap((m) => m.inputs)).toEqual(inputs.filter((_, i) => i % 2 === parity));
    }
    // Later turns reuse the key the thread already holds.
    const later = await signer.sign('one', one.privateKey, 'again');
    expect(valid(one.publicKey, 'again', later)).toBe(true);
  });

  it('sends a message as soon as it holds 4 signatures, the rest at the end of the turn', async () => {
    signer = new ThreadSigner();
    const messages = recordMessages(signer);
    const pending = ['a', 'b', 'c'].map((input) => signer.sign('one', one.privateKey, input));
    expect(messages).toHaveLength(0);
    pending.push(signer.sign('one', one.privateKey, 'd'));
    // Sent within this turn, before anything else was awaited.
    expect(messages.map((m) => m.inputs)).toEqual([['a', 'b', 'c', 'd']]);
    pending.push(signer.sign('one', one.privateKey, 'e'));
    expect(messages).toHaveLength(1);
    const signatures = await Promise.all(pending);
    expect(messages.map((m) => m.inputs)).toEqual([['a', 'b', 'c', 'd'], ['e']]);
    signatures.forEach((signature, i) => expect(valid(one.publicKey, 'abcde'[i]!, signature)).toBe(true));
  });

  it('sends the key again to the thread that replaces a dead one', async () => {
    // (What a dead thread held failing is WorkerClient's, tested in worker-client.test.ts with a
    // thread that never answers: here the real thread may answer before it could be killed.)
    signer = new ThreadSigner();
    await signer.sign('one', one.privateKey, 'warm');
    const thread = (signer as unknown as { thread: { worker: Worker } }).thread.worker;
    await thread.terminate();
    const after = await signer.sign('one', one.privateKey, 'after');
    expect(valid(one.publicKey, 'after', after)).toBe(true);
    expect((signer as unknown as { thread: { worker: Worker } }).thread.worker).not.toBe(thread);
  });

  it('finishes what it was asked for on close, then refuses', async () => {
    signer = new ThreadSigner();
    const pending = signer.sign('one', one.privateKey, 'last');
    await signer.close();
    expect(valid(one.publicKey, 'last', await pending)).toBe(true);
    await expect(signer.sign('one', one.privateKey, 'too late')).rejects.toThrow(/closed/);
  });
});
