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
import { CompiledQuery, type Insertable, type Kysely } from 'kysely';
import { chainEntries, GENESIS, type ChainHead } from '../crypto/access-chain.mjs';
import { asPreparedStatement } from './prepared.ts';
import type { AccessLogTable, Database } from './schema.ts';

/** An entry as callers give it: the chain adds its number and hash. */
export type AccessLogEntry = Omit<Insertable<AccessLogTable>, 'id' | 'seq' | 'hash'>;

/** Appends `entries` to their members' chains; `trx` must be a transaction (the heads stay locked until it ends). */
export async function appendChained(trx: Kysely<Database>, entries: readonly AccessLogEntry[]): Promise<void> {
  if (!trx.isTransaction) throw new Error('the access log chain is extended inside a transaction only');
  if (!entries.length) return;
  const heads = await lockHeads(trx, [...new Set(entries.map((e) => e.uid))]);
  const chained = chainEntries(
    heads,
    entries.map((e) => ({ ...e, nid: e.nid ?? null })),
  );
  await trx.insertInto('access_log').values(chained).execute();
  await moveHeads(trx, heads);
}

/** The heads of `uids`, locked (in uid order) until the transaction ends; a member without one starts at 0. */
async function lockHeads(trx: Kysely<Database>, uids: number[]): Promise<Map<number, ChainHead>> {
  const locked = await trx
    .insertInto('access_log_heads')
    .values([...uids].sort((a, b) => a - b).map((uid) => ({ uid, seq: 0, head: GENESIS })))
    // A no-op update: it returns the existing head and holds its row until the transaction ends.
    .onConflict((oc) => oc.column('uid').doUpdateSet((eb) => ({ seq: eb.ref('access_log_heads.seq') })))
    .returning(['uid', 'seq', 'head'])
    .execute();
  return new Map(locked.map((h) => [h.uid, { seq: h.seq, head: h.head }]));
}

async function moveHeads(trx: Kysely<Database>, heads: Map<number, ChainHead>): Promise<void> {
  await trx
    .insertInto('access_log_heads')
    .values([...heads].map(([uid, h]) => ({ uid, seq: h.seq, head: h.head, grown: 1 })))
    .onConflict((oc) =>
      oc.column('uid').doUpdateSet((eb) => ({ seq: eb.ref('excluded.seq'), head: eb.ref('excluded.head'), grown: 1 })),
    )
    .execute();
}

/** Entries chained per transaction of chainPending. */
const PENDING_BATCH = 1000;

/**
 * Chains the entries logged without a number (data writes log theirs so: member-pds-store.ts), the
 * member `uid`'s or everyone's, oldest first, after their members' heads, in transactions of at
 * most PENDING_BATCH entries; returns how many it chained. Runs before checkpoints are signed and
 * before a member's download.
 */
export async function chainPending(db: Kysely<Database>, uid?: number): Promise<number> {
  let chained = 0;
  for (;;) {
    const done = await db.transaction().execute(async (trx) => {
      let q = trx
        .selectFrom('access_log')
        .select(['id', 'uid', 'nid', 'actor', 'dataset', 'fields', 'action', 'at'])
        .where('seq', 'is', null);
      if (uid !== undefined) q = q.where('uid', '=', uid);
      const pending = await q.orderBy('uid').orderBy('id').limit(PENDING_BATCH).execute();
      if (!pending.length) return 0;
      const heads = await lockHeads(trx, [...new Set(pending.map((e) => e.uid))]);
      for (const e of chainEntries(heads, pending)) {
        await trx.updateTable('access_log').set({ seq: e.seq, hash: e.hash }).where('id', '=', e.id).execute();
      }
      await moveHeads(trx, heads);
      return pending.length;
    });
    chained += done;
    if (done < PENDING_BATCH) return chained;
  }
}

/** Heads remembered by a ChainAppender: enough for the members active at once, bounded. */
const REMEMBERED_HEADS = 10_000;
/** Attempts without a lock of one append that meets other writers of the same chains, before it takes the locks. */
const OPTIMISTIC_ATTEMPTS = 3;

/**
 * ChainAppender's statement: the chained entries and the members' new heads, each column as an
 * array, so the text is the same for every batch size and each connection parses and plans it once
 * (a prepared statement). Built by Kysely instead, a batch of n entries was a new statement of its
 * own, compiled here and parsed and planned by PostgreSQL, at every append.
 */
const APPEND_WITH_HEADS_POSTGRES = `with appended as (
    insert into access_log (uid, nid, actor, dataset, fields, action, at, seq, hash)
    select e.uid, e.nid, e.actor, e.dataset, e.fields, e.action, e.at, e.seq, e.hash
    from unnest($1::integer[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::integer[], $9::text[])
      as e(uid, nid, actor, dataset, fields, action, at, seq, hash)
  )
  insert into access_log_heads (uid, seq, head, grown)
  select h.uid, h.seq, h.head, 1 from unnest($10::integer[], $11::integer[], $12::text[]) as h(uid, seq, head)
  on conflict (uid) do update set seq = excluded.seq, head = excluded.head, grown = 1`;

/** APPEND_WITH_HEADS_POSTGRES with its arrays, column by column. */
function appendWithHeads(chained: readonly (AccessLogEntry & { seq: number; hash: string })[], heads: Map<number, ChainHead>) {
  const column = <K extends keyof (AccessLogEntry & { seq: number; hash: string })>(k: K) => chained.map((e) => e[k] ?? null);
  return asPreparedStatement(
    CompiledQuery.raw(APPEND_WITH_HEADS_POSTGRES, [
      column('uid'),
      column('nid'),
      column('actor'),
      column('dataset'),
      column('fields'),
      column('action'),
      column('at'),
      column('seq'),
      column('hash'),
      [...heads.keys()],
      [...heads.values()].map((h) => h.seq),
      [...heads.values()].map((h) => h.head),
    ]),
  );
}

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
        await this.db.executeQuery(appendWithHeads(chained, next));
      } catch (err) {
        for (const uid of uids) this.heads.delete(uid);
        if (!this.isUniqueViolation(err)) throw err;
        if (attempt < OPTIMISTIC_ATTEMPTS) continue;
        await this.db.transaction().execute((trx) => appendChained(trx, entries));
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
