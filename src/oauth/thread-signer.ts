/**
 * ES256 signing on a dedicated worker thread (signing-thread.mjs), in batches: every signature
 * asked for in one event-loop turn travels in one message. The token endpoint's throughput is
 * bounded by signing. Measured on 2 cores against crypto.sign on libuv's shared pool: about a fifth
 * less CPU per token, the same tokens per second from one process and 15-20% more from two; and the
 * pool is left to the Argon2 hashing of logins. Private keys are cloned to the thread once per kid.
 */
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { stopWorker } from '../storage/worker-stop.ts';

interface Waiting {
  kid: string;
  key: KeyObject;
  input: string;
  resolve: (signature: string) => void;
  reject: (err: Error) => void;
}

interface Batch {
  resolve: (signatures: string[]) => void;
  reject: (err: Error) => void;
}

interface Reply {
  id: number;
  signatures?: string[];
  error?: string;
}

export class SigningThreadError extends Error {}

export class ThreadSigner {
  private worker: Worker | undefined;
  /** kids whose key the current thread holds */
  private sent = new Set<string>();
  private queue: Waiting[] = [];
  private scheduled = false;
  private readonly batches = new Map<number, Batch>();
  private nextId = 1;
  private closing: Promise<void> | undefined;

  /** The base64url ES256 (r||s) signature of `input` under `key`. */
  sign(kid: string, key: KeyObject, input: string): Promise<string> {
    if (this.closing) return Promise.reject(new SigningThreadError('the signing thread is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ kid, key, input, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Waits for the signatures asked for, then stops the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.queue.length || this.batches.size) await new Promise((r) => setImmediate(r));
      const worker = this.worker;
      if (!worker) return;
      await stopWorker(worker);
      this.worker = undefined;
    })();
    return this.closing;
  }

  private flush(): void {
    if (!this.queue.length) return;
    const waiting = this.queue;
    this.queue = [];
    const byKid = new Map<string, Waiting[]>();
    for (const w of waiting) {
      const group = byKid.get(w.kid);
      if (group) group.push(w);
      else byKid.set(w.kid, [w]);
    }
    for (const [kid, group] of byKid) this.send(kid, group);
  }

  private send(kid: string, group: Waiting[]): void {
    let worker: Worker;
    try {
      worker = this.thread();
    } catch (err) {
      for (const w of group) w.reject(err as Error);
      return;
    }
    const id = this.nextId++;
    this.batches.set(id, {
      resolve: (signatures) => group.forEach((w, i) => w.resolve(signatures[i]!)),
      reject: (err) => group.forEach((w) => w.reject(err)),
    });
    const key = this.sent.has(kid) ? undefined : group[0]!.key;
    this.sent.add(kid);
    // Referenced only while it holds work, so an idle thread never keeps the process alive.
    worker.ref();
    worker.postMessage({ id, kid, key, inputs: group.map((w) => w.input) });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./signing-thread.mjs', import.meta.url), { execArgv: [] });
    this.sent = new Set();
    worker.on('message', (reply: Reply) => {
      const batch = this.batches.get(reply.id);
      if (!batch) return;
      this.batches.delete(reply.id);
      if (reply.error !== undefined || !reply.signatures) batch.reject(new SigningThreadError(reply.error ?? 'no signatures'));
      else batch.resolve(reply.signatures);
      if (this.batches.size === 0) worker.unref();
    });
    const fail = (err: Error) => {
      // A dead thread fails what it held; what waits goes to a new one.
      if (this.worker === worker) this.worker = undefined;
      for (const batch of this.batches.values()) batch.reject(err);
      this.batches.clear();
      this.flush();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.batches.size) fail(new SigningThreadError(`the signing thread exited (code ${code})`));
      else if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}
