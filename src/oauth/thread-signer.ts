/**
 * ES256 signing on a dedicated worker thread (signing-thread.mjs), in small batches: signatures
 * travel in messages of SIGNATURES_PER_MESSAGE per key, each sent as soon as it is full, and what
 * is left at the end of an event-loop turn after it. The token endpoint's throughput is bounded by
 * signing. Measured on 2 cores against crypto.sign on libuv's shared pool: about a fifth less CPU
 * per token, the same tokens per second from one process and 15-20% more from two; and the pool
 * is left to the Argon2 hashing of logins. Private keys are cloned to the thread once per kid.
 */
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { WorkerClient } from '../storage/worker-client.ts';

/** A signature asked for; its kid is the key of the group it waits in. */
interface Waiting {
  key: KeyObject;
  input: string;
  resolve: (signature: string) => void;
  reject: (err: Error) => void;
}

interface Reply {
  id: number;
  signatures?: string[];
  error?: string;
}

class SigningThreadError extends Error {}

/**
 * The thread answers each message when all of its signatures are done. With a whole turn's
 * requests (up to the 20 connections of the bench) in one message, the event loop sat idle until
 * the last of them was signed, then had them all to answer at once: the two threads took turns
 * instead of overlapping (main thread 76% busy). In messages of 4, the first answers come back
 * while the rest are signed: 23% more tokens per second, no more CPU per token (`npm run bench:cpu --
 * token`, five runs each, alternated: 4,180 against 5,139 req/s). 2 and 8 measured within noise of
 * 4; 1 costs more in messages than it gains. Sending a message as soon as it holds 4, rather than
 * at the end of the turn, starts the signing earlier still: faster in 6 of 8 alternated pairs and
 * level in 2, 5,518 against 5,210 req/s on average leaving out the best pair (+6%).
 */
const SIGNATURES_PER_MESSAGE = 4;

/**
 * The thread allocates little and briefly (messages of a few signatures): a small young
 * generation instead of the main thread's, about 20 MB less resident memory (docs/operations.md,
 * "Memory").
 */
const THREAD_HEAP = { maxYoungGenerationSizeMb: 4 };

export class ThreadSigner {
  /** kids whose key the current thread holds */
  private sent = new Set<string>();
  /** what waits to be sent, by kid: fewer than SIGNATURES_PER_MESSAGE each */
  private waiting = new Map<string, Waiting[]>();
  private scheduled = false;
  private readonly thread = new WorkerClient<Reply>({
    start: () => new Worker(new URL('./signing-thread.mjs', import.meta.url), { execArgv: [], resourceLimits: THREAD_HEAP }),
    exited: (code) => new SigningThreadError(`the signing thread exited (code ${code})`),
    onStart: () => (this.sent = new Set()),
  });

  /** The base64url ES256 (r||s) signature of `input` under `key`. */
  sign(kid: string, key: KeyObject, input: string): Promise<string> {
    if (this.thread.closed) return Promise.reject(new SigningThreadError('the signing thread is closed'));
    return new Promise((resolve, reject) => {
      let group = this.waiting.get(kid);
      if (!group) this.waiting.set(kid, (group = []));
      group.push({ key, input, resolve, reject });
      if (group.length >= SIGNATURES_PER_MESSAGE) {
        this.waiting.delete(kid);
        void this.send(kid, group);
        return;
      }
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Sends what is waiting, waits for the signatures, then stops the thread. */
  close(): Promise<void> {
    this.flush();
    return this.thread.close();
  }

  private flush(): void {
    const waiting = this.waiting;
    this.waiting = new Map();
    for (const [kid, group] of waiting) void this.send(kid, group);
  }

  private async send(kid: string, group: Waiting[]): Promise<void> {
    try {
      // The key goes to a thread once per kid; a new thread (after a dead one) is sent it again.
      const reply = await this.thread.request(() => {
        const key = this.sent.has(kid) ? undefined : group[0]!.key;
        this.sent.add(kid);
        return { kid, key, inputs: group.map((w) => w.input) };
      });
      if (reply.error !== undefined || !reply.signatures) throw new SigningThreadError(reply.error ?? 'no signatures');
      const { signatures } = reply;
      group.forEach((w, i) => w.resolve(signatures[i]!));
    } catch (err) {
      for (const w of group) w.reject(err as Error);
    }
  }
}
