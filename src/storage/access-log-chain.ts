/**
 * Appending to the access log's hash chain (docs/access-log.md) inside a transaction: lock the
 * members' chain heads, number and hash the entries after them (src/crypto/access-chain.mjs),
 * insert the entries and advance the heads. The lock is the head row's (an upsert that returns
 * it), so two processes appending for one member take turns, and (uid, seq) is unique besides.
 * Members are locked in uid order, so two batches never wait on each other crosswise.
 *
 * The SQLite appender thread does the same on its own connection (append-thread.mjs). The read
 * log's appends on PostgreSQL use ChainAppender below instead, which takes no lock.
 */
import type { Insertable, Kysely } from 'kysely';
import { chainEntries, GENESIS, type ChainHead } from '../crypto/access-chain.mjs';
import type { DialectName } from './dialect.ts';
import { prepared } from './prepared.ts';
import type { AccessLogTable, Database } from './schema.ts';

/** A transaction, and the dialect its prepared statements are compiled for. */
interface ChainTarget {
  db: Kysely<Database>;
  dialect: DialectName;
}

/** An entry as callers give it: the chain adds its number and hash. */
export type AccessLogEntry = Omit<Insertable<AccessLogTable>, 'id' | 'seq' | 'hash'>;

// A data write logs one entry: its three statements are compiled once (prepared.ts), not built
// by Kysely on every write.
const lockHead = prepared((db, uid: number, seq: number, head: string) =>
  db
    .insertInto('access_log_heads')
    .values({ uid, seq, head })
    .onConflict((oc) => oc.column('uid').doUpdateSet((eb) => ({ seq: eb.ref('access_log_heads.seq') })))
    .returning(['seq', 'head']),
);
const insertEntry = prepared(
  (
    db,
    uid: number,
    nid: number | null,
    actor: string,
    dataset: string,
    fields: string,
    action: string,
    at: number,
    seq: number,
    hash: string,
  ) => db.insertInto('access_log').values({ uid, nid, actor, dataset, fields, action, at, seq, hash }),
);
const moveHead = prepared((db, seq: number, head: string, uid: number) =>
  db.updateTable('access_log_heads').set({ seq, head }).where('uid', '=', uid),
);

/**
 * Appends `entries` to their members' chains; `target.db` must be a transaction (the heads stay
 * locked until it ends).
 */
export async function appendChained(target: ChainTarget, entries: readonly AccessLogEntry[]): Promise<void> {
  const trx = target.db;
  if (!trx.isTransaction) throw new Error('the access log chain is extended inside a transaction only');
  if (!entries.length) return;
  if (entries.length === 1) return appendOne(target, entries[0]!);
  const uids = [...new Set(entries.map((e) => e.uid))].sort((a, b) => a - b);
  const locked = await trx
    .insertInto('access_log_heads')
    .values(uids.map((uid) => ({ uid, seq: 0, head: GENESIS })))
    // A no-op update: it returns the existing head and holds its row until the transaction ends.
    .onConflict((oc) => oc.column('uid').doUpdateSet((eb) => ({ seq: eb.ref('access_log_heads.seq') })))
    .returning(['uid', 'seq', 'head'])
    .execute();
  const heads = new Map<number, ChainHead>(locked.map((h) => [h.uid, { seq: h.seq, head: h.head }]));
  const chained = chainEntries(
    heads,
    entries.map((e) => ({ ...e, nid: e.nid ?? null })),
  );
  await trx.insertInto('access_log').values(chained).execute();
  await trx
    .insertInto('access_log_heads')
    .values([...heads].map(([uid, h]) => ({ uid, seq: h.seq, head: h.head })))
    .onConflict((oc) => oc.column('uid').doUpdateSet((eb) => ({ seq: eb.ref('excluded.seq'), head: eb.ref('excluded.head') })))
    .execute();
}

async function appendOne(target: ChainTarget, entry: AccessLogEntry): Promise<void> {
  const [head] = await lockHead(target, entry.uid, 0, GENESIS);
  const heads = new Map<number, ChainHead>([[entry.uid, { seq: head!.seq, head: head!.head }]]);
  const [e] = chainEntries(heads, [{ ...entry, nid: entry.nid ?? null }]);
  await insertEntry(target, e!.uid, e!.nid, e!.actor, e!.dataset, e!.fields, e!.action, e!.at, e!.seq, e!.hash);
  await moveHead(target, e!.seq, e!.hash, e!.uid);
}

/** Heads remembered by a ChainAppender: enough for the members active at once, bounded. */
const REMEMBERED_HEADS = 10_000;
/** Attempts without a lock of one append that meets other writers of the same chains, before it takes the locks. */
const OPTIMISTIC_ATTEMPTS = 3;

/**
 * The read log's appends on PostgreSQL (DatabaseHandle.appendAccessLog), in one statement each
 * and without a lock: the entries are chained after the heads this process last wrote or read,
 * then inserted together with the new heads in one statement. If another writer (another
 * process, a data write's transaction) extended one of those chains meanwhile, an entry's number
 * is taken, the unique (uid, seq) index refuses the statement whole, and the append reads the
 * heads afresh and tries again; after a few such refusals (a chain many writers extend at once)
 * it takes the heads' locks in a transaction (appendChained), which waits its turn instead of
 * racing. Appends take turns (AccessLogBuffer sends one at a time anyway):
 * the heads remembered are then only ever behind, never wrong, and an append costs one round trip
 * instead of a transaction's five.
 */
export class ChainAppender {
  /** the heads this process last wrote or read, oldest first (a Map keeps insertion order) */
  private readonly heads = new Map<number, ChainHead>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly isUniqueViolation: (err: unknown) => boolean,
  ) {}

  /** the last append queued: the next starts after it */
  private tail: Promise<void> = Promise.resolve();

  append(entries: readonly AccessLogEntry[]): Promise<void> {
    const run = this.tail.then(() => this.appendNow(entries));
    this.tail = run.catch(() => {});
    return run;
  }

  private async appendNow(entries: readonly AccessLogEntry[]): Promise<void> {
    if (!entries.length) return;
    const uids = [...new Set(entries.map((e) => e.uid))];
    for (let attempt = 1; ; attempt++) {
      const unknown = uids.filter((uid) => !this.heads.has(uid));
      if (unknown.length) {
        const found = await this.db
          .selectFrom('access_log_heads')
          .select(['uid', 'seq', 'head'])
          .where('uid', 'in', unknown)
          .execute();
        for (const uid of unknown) this.remember(uid, { seq: 0, head: GENESIS });
        for (const h of found) this.remember(h.uid, { seq: h.seq, head: h.head });
      }
      const next = new Map(uids.map((uid) => [uid, this.heads.get(uid)!]));
      const chained = chainEntries(
        next,
        entries.map((e) => ({ ...e, nid: e.nid ?? null })),
      );
      try {
        await this.db
          .with('appended', (db) => db.insertInto('access_log').values(chained))
          .insertInto('access_log_heads')
          .values([...next].map(([uid, h]) => ({ uid, seq: h.seq, head: h.head })))
          .onConflict((oc) =>
            oc.column('uid').doUpdateSet((eb) => ({ seq: eb.ref('excluded.seq'), head: eb.ref('excluded.head') })),
          )
          .execute();
      } catch (err) {
        for (const uid of uids) this.heads.delete(uid);
        if (!this.isUniqueViolation(err)) throw err;
        if (attempt < OPTIMISTIC_ATTEMPTS) continue;
        await this.db.transaction().execute((trx) => appendChained({ db: trx, dialect: 'postgres' }, entries));
        return;
      }
      for (const [uid, h] of next) this.remember(uid, h);
      return;
    }
  }

  private remember(uid: number, head: ChainHead): void {
    this.heads.delete(uid);
    if (this.heads.size >= REMEMBERED_HEADS) this.heads.delete(this.heads.keys().next().value!);
    this.heads.set(uid, head);
  }
}
