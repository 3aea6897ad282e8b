/** The access log's chain heads, its signed checkpoints, and a member's chained entries in order. */
import { sql, type Selectable } from 'kysely';
import type { AccessLogCheckpointTable } from '../storage/schema.ts';
import { chainPending } from '../storage/access-log-chain.ts';
import { Store } from '../storage/store.ts';

export type CheckpointRow = Selectable<AccessLogCheckpointTable>;

/** A chained entry as the member downloads it (its number, fields and hash). */
export interface ChainedEntry {
  seq: number;
  at: number;
  actor: string;
  nid: number | null;
  dataset: string;
  fields: string;
  action: string;
  hash: string;
}

export class AccessLogStore extends Store {
  /** Chains the entries logged unchained (data writes'), the member's or everyone's; returns how many. */
  chainPending(uid?: number): Promise<number> {
    return chainPending(this.db, uid);
  }

  /** Members whose chain grew since its last checkpoint, `limit` at a time in uid order after `afterUid`. */
  async grown(afterUid: number, limit: number): Promise<{ uid: number; seq: number; head: string }[]> {
    return (
      this.db
        .selectFrom('access_log_heads')
        .select(['uid', 'seq', 'head'])
        // The literal term lets SQLite use the partial index access_log_heads_grown.
        .where(sql<boolean>`grown = 1`)
        .whereRef('seq', '>', 'checkpointed_seq')
        .where('uid', '>', afterUid)
        .orderBy('uid')
        .limit(limit)
        .execute()
    );
  }

  /**
   * Keeps signed checkpoints and moves each member's mark to them. Another process may have
   * signed the same (member, count) meanwhile: its checkpoint stays, and the mark only moves forward.
   * The chain stays marked as grown when it grew past the signed count meanwhile (the update reads
   * the head as it is when it runs, after any append that holds the row).
   */
  async save(checkpoints: readonly CheckpointRow[]): Promise<void> {
    if (!checkpoints.length) return;
    await this.db
      .insertInto('access_log_checkpoints')
      .values([...checkpoints])
      .onConflict((oc) => oc.columns(['uid', 'seq']).doNothing())
      .execute();
    for (const c of checkpoints) {
      await this.db
        .updateTable('access_log_heads')
        .set({ checkpointed_seq: c.seq, grown: sql<number>`case when seq > ${c.seq} then 1 else 0 end` })
        .where('uid', '=', c.uid)
        .where('checkpointed_seq', '<', c.seq)
        .execute();
    }
  }

  /** A member's entries after number `afterSeq`, in chain order, `limit` at a time. */
  async entries(uid: number, afterSeq: number, limit: number): Promise<ChainedEntry[]> {
    const rows = await this.db
      .selectFrom('access_log')
      .select(['seq', 'at', 'actor', 'nid', 'dataset', 'fields', 'action', 'hash'])
      .where('uid', '=', uid)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, seq: r.seq ?? 0, hash: r.hash ?? '' }));
  }

  async checkpoints(uid: number): Promise<CheckpointRow[]> {
    return this.db.selectFrom('access_log_checkpoints').selectAll().where('uid', '=', uid).orderBy('seq').execute();
  }
}
