/**
 * Group commit for the read access log. Every read is logged before its response goes out, but
 * reads that arrive in the same event-loop turn share one INSERT instead of paying a commit each.
 *
 * The append goes through DatabaseHandle.appendAccessLog, which chains the entries (docs/access-log.md): committed before the response, safe from a
 * crash of the process, but not fsynced on its own (on SQLite it also runs in a second thread).
 * Waiting for a disk sync on every read was most of a read's latency; what a power loss could
 * cost is the last few read entries, never data or the log entries of writes, which commit fully
 * durably in their own transactions.
 *
 * On a SQLite file the same batch can carry the reads themselves (DatabaseHandle.runSideJobs):
 * a metadata read's SELECT and decryption then run on the second thread too, and its log entries
 * are appended only if all of its reads succeeded, as when the read ran here and logged after.
 */
import type { AccessLogEntry } from '../storage/access-log-chain.ts';
import type { OpenedRow, SealedRead, SideJob, SideJobResult } from '../storage/row-appender.ts';

const MAX_BATCH = 500;
/**
 * Rows the reads of one batch may expect, at most (a batch holds at least one job). A batch's
 * replies all come back together, so a batch of many large reads leaves the event loop idle while
 * the side thread works and then the side thread idle while the event loop renders them all: with
 * small batches each side keeps working while the other does (100-row reads on two cores: 410-480
 * req/s with one batch per event-loop turn, 530-630 with batches of at most 100 rows; bench:cpu rows).
 */
const MAX_BATCH_READ_ROWS = 100;

type Row = AccessLogEntry;

interface Pending {
  reads: readonly SealedRead[];
  /** the rows its reads expect (SealedRead.expectedRows, else 1 each) */
  weight: number;
  rows: Row[];
  resolve: (rows: OpenedRow[][]) => void;
  reject: (err: unknown) => void;
}

export interface AccessLogSink {
  /** DatabaseHandle.appendAccessLog */
  append(rows: Row[]): Promise<void>;
  /** DatabaseHandle.runSideJobs, where the database has it */
  runJobs?: (jobs: readonly (SideJob & { rows: readonly Row[] })[]) => Promise<SideJobResult[]>;
}

export class AccessLogBuffer {
  private queue: Pending[] = [];
  private scheduled = false;
  /** an append (without reads) is committing: the next waits for it and takes all that queued meanwhile */
  private appending = false;

  constructor(private readonly sink: AccessLogSink) {}

  /** True when reads can travel with their log entries (readThenLog). */
  get carriesReads(): boolean {
    return this.sink.runJobs !== undefined;
  }

  /** Resolves once the entry is committed. */
  async append(row: Row): Promise<void> {
    await this.enqueue([], [row]);
  }

  /**
   * Runs `reads` on the side thread, then logs `rows` if they all succeeded; resolves with each
   * read's rows once the entries are committed. Only where `carriesReads`.
   */
  readThenLog(reads: readonly SealedRead[], rows: Row[]): Promise<OpenedRow[][]> {
    if (!this.sink.runJobs) return Promise.reject(new Error('this database cannot carry reads with the access log'));
    return this.enqueue(reads, rows);
  }

  private enqueue(reads: readonly SealedRead[], rows: Row[]): Promise<OpenedRow[][]> {
    return new Promise((resolve, reject) => {
      const weight = reads.reduce((n, r) => n + (r.expectedRows ?? 1), 0);
      this.queue.push({ reads, weight, rows, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const { runJobs } = this.sink;
    // Appends to the chain take their members' heads in turn (access-log-chain.ts), so more than
    // one at a time would only queue on those locks, each a transaction for a few entries; one
    // at a time, whatever arrived while it committed goes in the next, together.
    if (!runJobs && this.appending) return;
    let take = 0;
    for (let weight = 0; take < this.queue.length && take < MAX_BATCH; take++) {
      weight += this.queue[take]!.weight;
      if (take > 0 && weight > MAX_BATCH_READ_ROWS) break;
    }
    const batch = this.queue.splice(0, take);
    if (this.queue.length) this.schedule();
    if (!batch.length) return;
    try {
      if (runJobs) {
        const results = await runJobs(batch);
        batch.forEach((p, i) => {
          const result = results[i];
          if (!result) p.reject(new Error('the side thread returned no result for a job'));
          else if ('error' in result) p.reject(result.error);
          else p.resolve(result.rows);
        });
      } else {
        this.appending = true;
        try {
          await this.sink.append(batch.flatMap((p) => p.rows));
        } finally {
          this.appending = false;
          if (this.queue.length) this.schedule();
        }
        for (const p of batch) p.resolve([]);
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
