/**
 * Metadata reads arriving in the same event-loop turn, answered by one PostgreSQL query: the
 * metadata read is the API's most frequent call, and on PostgreSQL its cost was mostly the round
 * trip (a socket write, the server's parse and plan, the reply's decoding), once per read. The
 * batch sends the keys as arrays and joins them (`unnest`), so the statement has one shape however
 * many reads it carries, and each read still uses the primary key (uid, dataset, instance).
 *
 * Private to PdsStore, and only on PostgreSQL: on a SQLite file the reads travel to the side
 * thread with their log entries instead (AccessLogBuffer), and elsewhere they run one by one.
 * Rows come back sealed; each reader decrypts its own with its own keys.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';
import { asPreparedStatement } from '../storage/prepared.ts';

/** One read: the instances of `dataset` for member `uid` (every instance when `instance` is undefined). */
export interface MetadataKey {
  uid: number;
  dataset: string;
  instance: number | undefined;
}

export interface SealedInstance {
  instance: number;
  ciphertext: string;
}

interface Pending extends MetadataKey {
  resolve: (rows: SealedInstance[]) => void;
  reject: (err: unknown) => void;
}

/** Reads per query, at most: the rest wait for the next turn's query. */
const MAX_BATCH = 500;

export class MetadataReadBatch {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly db: Kysely<Database>) {}

  /** The stored instances for `key`, sealed, in instance order. */
  read(key: MetadataKey): Promise<SealedInstance[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...key, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, MAX_BATCH);
    this.scheduled = this.queue.length > 0;
    if (this.scheduled) setImmediate(() => void this.flush());
    try {
      const rows = await this.select(batch);
      // Each read takes its member's rows of its dataset (and instance): the same key read twice
      // in one turn is one entry of the query, answered to both.
      const wanted = new Map<string, Pending[]>();
      for (const p of batch) {
        const k = `${p.uid}|${p.dataset}`;
        const list = wanted.get(k);
        if (list) list.push(p);
        else wanted.set(k, [p]);
      }
      const out = new Map<Pending, SealedInstance[]>(batch.map((p) => [p, []]));
      for (const r of rows) {
        for (const p of wanted.get(`${r.uid}|${r.dataset}`) ?? []) {
          if (p.instance === undefined || p.instance === r.instance)
            out.get(p)!.push({ instance: r.instance, ciphertext: r.ciphertext });
        }
      }
      for (const p of batch) p.resolve(out.get(p)!);
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  private async select(batch: readonly MetadataKey[]) {
    const keys = new Map<string, MetadataKey>();
    for (const k of batch) keys.set(`${k.uid}|${k.dataset}|${k.instance ?? ''}`, k);
    const uids = [...keys.values()].map((k) => k.uid);
    const datasets = [...keys.values()].map((k) => k.dataset);
    const instances = [...keys.values()].map((k) => k.instance ?? null);
    // One text whatever the batch: a prepared statement, planned once per connection.
    const query = asPreparedStatement(
      sql<{ uid: number; dataset: string; instance: number; ciphertext: string }>`
      select distinct m.uid, m.dataset, m.instance, m.ciphertext
      from metadata_records m
      join unnest(${uids}::integer[], ${datasets}::text[], ${instances}::integer[]) as k(uid, dataset, instance)
        on m.uid = k.uid and m.dataset = k.dataset and (k.instance is null or m.instance = k.instance)
      order by m.uid, m.dataset, m.instance`.compile(this.db),
    );
    return (await this.db.executeQuery(query)).rows;
  }
}
