/**
 * Appends rows to a SQLite table from a worker thread with its own connection (append-thread.mjs).
 *
 * better-sqlite3 runs every statement on the calling thread, so on the main thread each commit
 * stops the whole server. The read access log is written on every API read: with its inserts on a
 * second thread, the event loop goes on serving while they commit. Each append resolves only once
 * its rows are committed.
 */
import { Worker } from 'node:worker_threads';

export interface RowAppender {
  /** Inserts `rows` (all with the same keys) into `table` in one statement; resolves when committed. */
  append(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  /** Waits for pending appends, then stops. */
  close(): Promise<void>;
}

export interface SqliteRowAppenderOptions {
  path: string;
  /** how long the thread waits for another connection's write lock (ms) */
  lockWaitMs: number;
  /**
   * FULL: each commit is fsynced (survives power loss). NORMAL: in WAL mode a commit survives a
   * crash of the process but the last ones may be lost with the machine's power (they are synced
   * at the next checkpoint).
   */
  synchronous: 'FULL' | 'NORMAL';
}

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

interface Reply {
  id: number;
  error?: { code: string; message: string };
}

export class AppendError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export class SqliteRowAppender implements RowAppender {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  /** appends not yet settled, for close() to wait on */
  private readonly inflight = new Set<Promise<void>>();
  private nextId = 1;
  private closing: Promise<void> | undefined;

  constructor(private readonly o: SqliteRowAppenderOptions) {}

  append(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (this.closing) return Promise.reject(new AppendError('the row appender is closed', 'CLOSED'));
    if (rows.length === 0) return Promise.resolve();
    const columns = Object.keys(rows[0]!);
    const values = rows.map((r) => columns.map((c) => r[c] ?? null));
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const worker = this.thread();
      // Referenced only while it holds work, so an idle thread never keeps the process alive.
      worker.ref();
      worker.postMessage({ id, table, columns, rows: values });
    });
    this.inflight.add(done);
    const settled = () => this.inflight.delete(done);
    done.then(settled, settled);
    return done;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const worker = this.worker;
      if (!worker) return;
      await Promise.allSettled(this.inflight);
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
    const worker = new Worker(new URL('./append-thread.mjs', import.meta.url), {
      workerData: { path: this.o.path, lockWaitMs: this.o.lockWaitMs, synchronous: this.o.synchronous },
      // Plain JavaScript: no loader flags (tsx's, vitest's) are needed or wanted in the thread.
      execArgv: [],
    });
    worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.error) p.reject(new AppendError(reply.error.message, reply.error.code));
      else p.resolve();
    });
    const fail = (err: Error) => {
      // A dead thread fails what it held; the next append starts a new one.
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.pending.size) fail(new AppendError(`the row appender thread exited (code ${code})`, 'EXITED'));
      else if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}
