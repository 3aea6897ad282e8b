/**
 * Group commit for the read access log. Every read is logged before its response goes out, but
 * reads that arrive in the same event-loop turn share one INSERT instead of paying a commit each.
 *
 * The INSERT goes through DatabaseHandle.appendRelaxed: committed before the response, safe from a
 * crash of the process, but not fsynced on its own (on SQLite it also runs in a second thread).
 * Waiting for a disk sync on every read was most of a read's latency; what a power loss could
 * cost is the last few read entries, never data or the log entries of writes, which commit fully
 * durably in their own transactions.
 */
import type { Insertable } from 'kysely';
import type { AccessLogTable } from '../storage/schema.ts';

const MAX_BATCH = 500;

interface Pending {
  row: Insertable<AccessLogTable>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class AccessLogBuffer {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly insert: (rows: Insertable<AccessLogTable>[]) => Promise<void>) {}

  /** Resolves once the entry is committed. */
  append(row: Insertable<AccessLogTable>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
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
    const batch = this.queue.splice(0, MAX_BATCH);
    if (this.queue.length) this.schedule();
    if (!batch.length) return;
    try {
      await this.insert(batch.map((p) => p.row));
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
