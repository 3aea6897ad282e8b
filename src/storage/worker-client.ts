/**
 * Request and reply over a worker thread, for the server's side threads (the row appender, the
 * token signer): the thread starts on first use, each message carries an id its reply echoes, the
 * thread is referenced only while it holds work (an idle one never keeps the process alive), a
 * thread that dies fails what it held and the next request starts a new one, and close() waits
 * for what is in flight before asking the thread (which must understand `{ close: true }`) to end.
 */
import type { Transferable, Worker } from 'node:worker_threads';

interface Pending<R> {
  resolve: (reply: R) => void;
  reject: (err: Error) => void;
}

export interface WorkerClientOptions {
  start: () => Worker;
  /** the error for requests a thread held when it exited */
  exited: (code: number) => Error;
  /** called with each new thread (state the old one held is gone) */
  onStart?: () => void;
}

export class WorkerClient<R extends { id: number }> {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending<R>>();
  /** requests not yet settled, for close() to wait on */
  private readonly inflight = new Set<Promise<R>>();
  private nextId = 1;
  private closing: Promise<void> | undefined;

  constructor(private readonly o: WorkerClientOptions) {}

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Posts `{ id, ...message }` and resolves with the thread's reply to that id. A function is
   * called for the message once the thread is running (after onStart, if it had to start one).
   */
  request(message: object | (() => object), transfer: readonly Transferable[] = []): Promise<R> {
    const done = new Promise<R>((resolve, reject) => {
      const worker = this.thread();
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, ...(typeof message === 'function' ? message() : message) }, transfer);
    });
    this.inflight.add(done);
    const settled = () => this.inflight.delete(done);
    done.then(settled, settled);
    return done;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled(this.inflight);
      const worker = this.worker;
      if (!worker) return;
      const exited = new Promise<void>((r) => worker.once('exit', () => r()));
      // Held until it has exited: otherwise a process with nothing else left would end mid-close.
      worker.ref();
      worker.postMessage({ close: true });
      await exited;
      this.worker = undefined;
    })();
    return this.closing;
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = this.o.start();
    this.o.onStart?.();
    worker.on('message', (reply: R) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      p.resolve(reply);
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.pending.size) fail(this.o.exited(code));
      else if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}
