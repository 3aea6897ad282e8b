/**
 * Group commit for the access log. Every read is logged before its response goes out, but reads
 * that arrive in the same event-loop turn share one INSERT (one transaction, one fsync) instead of
 * paying a synchronous disk flush each (the dominant cost of a read on SQLite).
 */
import type { Insertable, Kysely } from 'kysely';
import type { AccessLogTable, Database } from '../storage/schema.ts';

const MAX_BATCH = 500;

interface Pending {
  row: Insertable<AccessLogTable>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class AccessLogBuffer {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly db: Kysely<Database>) {}

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
      await this.db
        .insertInto('access_log')
        .values(batch.map((p) => p.row))
        .execute();
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
