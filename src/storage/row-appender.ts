/**
 * Appends entries to the SQLite access log's hash chain from a worker thread with its own
 * connection (append-thread.mjs).
 *
 * better-sqlite3 runs every statement on the calling thread, so on the main thread each commit
 * stops the whole server. The read access log is written on every API read: with its appends on a
 * second thread, the event loop goes on serving while they are chained and committed. Each append
 * resolves only once its entries are committed.
 */
import { Worker } from 'node:worker_threads';
import type { AccessLogEntry } from './access-log-chain.ts';
import { WorkerClient } from './worker-client.ts';

/** The columns of an entry as it travels to the thread, in this order. */
const ENTRY_COLUMNS = ['uid', 'nid', 'actor', 'dataset', 'fields', 'action', 'at'] as const;

/**
 * A query whose rows each hold a sealed (AES-GCM, src/crypto/aead.ts) value, with the key that
 * opens it. The query's last column is the sealed value, and the one before it ends the row's
 * context (the context is `contextPrefix` followed by it); any columns before those two are
 * plain. Each row comes back as its columns with the opened UTF-8 text in place of the sealed
 * value: `[...plain, that value, text]`.
 */
export interface SealedRead {
  sql: string;
  params: readonly unknown[];
  /** copied for the thread (which wipes its copy); this one stays the caller's to wipe */
  key: Buffer;
  contextPrefix: string;
  /** how many rows the query may return, at most, when more than one (batching: AccessLogBuffer) */
  expectedRows?: number;
}

/** A row of a sealed read: its columns, the last one opened (a string). */
export type OpenedRow = unknown[];

/** Reads that must all succeed, then access log entries appended only if they did. */
export interface SideJob {
  reads: readonly SealedRead[];
  rows: readonly AccessLogEntry[];
}

/** Per job: each read's rows, in order; or why the job failed (its rows were not appended). */
export type SideJobResult = { rows: OpenedRow[][] } | { error: AppendError };

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

interface WireError {
  code: string;
  message: string;
}

interface Reply {
  id: number;
  /** per job: each read's rows as one flat array, `[width, ...columns of each row]`, or the job's error */
  results?: (unknown[][] | { error: WireError })[];
  error?: WireError;
}

export class AppendError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export class SqliteRowAppender {
  private readonly thread: WorkerClient<Reply>;

  constructor(o: SqliteRowAppenderOptions) {
    this.thread = new WorkerClient<Reply>({
      start: () =>
        new Worker(new URL('./append-thread.mjs', import.meta.url), {
          workerData: { path: o.path, lockWaitMs: o.lockWaitMs, synchronous: o.synchronous },
          // Plain JavaScript: no loader flags (tsx's, vitest's) are needed or wanted in the thread.
          execArgv: [],
          // Batches of a few dozen rows: a small young generation (docs/operations.md, "Memory").
          resourceLimits: { maxYoungGenerationSizeMb: 4 },
        }),
      exited: (code) => new AppendError(`the row appender thread exited (code ${code})`, 'EXITED'),
    });
  }

  /** Appends `rows` to the access log's chain, all or none; resolves when committed. */
  async append(rows: readonly AccessLogEntry[]): Promise<void> {
    if (rows.length === 0 && !this.thread.closed) return;
    const [result] = await this.run([{ reads: [], rows }]);
    if (result && 'error' in result) throw result.error;
  }

  /**
   * One batch on the thread: each job's reads, then every successful job's entries chained and
   * appended in one transaction, committed before this resolves. A failed append rejects the
   * whole batch.
   */
  async run(jobs: readonly SideJob[]): Promise<SideJobResult[]> {
    if (this.thread.closed) throw new AppendError('the row appender is closed', 'CLOSED');
    // Tuples rather than objects (structured cloning pays per property), and all of the batch's keys
    // in one buffer of its own, transferred: the thread wipes it, and no copy lingers in a message.
    const keyBytes = jobs.reduce((n, j) => j.reads.reduce((m, r) => m + r.key.length, n), 0);
    const keys = new Uint8Array(new ArrayBuffer(keyBytes));
    let offset = 0;
    const wire = jobs.map((job) => [
      job.reads.map(({ sql, params, key, contextPrefix }) => {
        keys.set(key, offset);
        offset += key.length;
        // A copy: Kysely's parameters are a frozen array, which structured cloning copies element by element.
        return [sql, [...params], offset - key.length, key.length, contextPrefix];
      }),
      job.rows.map((r) => ENTRY_COLUMNS.map((c) => r[c] ?? null)),
    ]);
    const reply = await this.thread.request({ keys, jobs: wire }, [keys.buffer]);
    if (reply.error) throw toError(reply.error);
    return (reply.results ?? []).map((r) => ('error' in r ? { error: toError(r.error) } : { rows: r.map(unflatten) }));
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}

/** A read's rows from the thread's flat array, `[width, ...columns of each row]`. */
function unflatten(flat: unknown[]): OpenedRow[] {
  const width = flat[0] as number;
  const rows: OpenedRow[] = [];
  for (let i = 1; i < flat.length; i += width) rows.push(flat.slice(i, i + width));
  return rows;
}

function toError(e: WireError): AppendError {
  return new AppendError(e.message, e.code);
}
