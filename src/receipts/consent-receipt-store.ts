/** Consent receipts (table consent_receipts), chained per member and connection. */
import type { Selectable } from 'kysely';
import type { ConsentReceiptTable } from '../storage/schema.ts';
import { Store } from '../storage/store.ts';

export type ReceiptRow = Selectable<ConsentReceiptTable>;

export class ConsentReceiptStore extends Store {
  /** The newest receipt of a member and a connection: the one the next links to. */
  async last(uid: number, nid: number): Promise<ReceiptRow | undefined> {
    return this.db
      .selectFrom('consent_receipts')
      .selectAll()
      .where('uid', '=', uid)
      .where('nid', '=', nid)
      .orderBy('sequence', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async insert(row: ReceiptRow): Promise<void> {
    await this.db.insertInto('consent_receipts').values(row).execute();
  }

  async byId(id: string): Promise<ReceiptRow | undefined> {
    return this.db.selectFrom('consent_receipts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A connection's receipts, oldest first, `limit` at a time after `(createdAt, id)` of the previous page. */
  async ofConnection(nid: number, limit: number, after?: { createdAt: number; id: string }): Promise<ReceiptRow[]> {
    let q = this.db.selectFrom('consent_receipts').selectAll().where('nid', '=', nid);
    if (after) {
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '>', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
        ]),
      );
    }
    return q.orderBy('created_at').orderBy('id').limit(limit).execute();
  }

  /** A member's receipts for one connection (or all), in chain order. */
  async ofMember(uid: number, nid?: number): Promise<ReceiptRow[]> {
    let q = this.db.selectFrom('consent_receipts').selectAll().where('uid', '=', uid);
    if (nid !== undefined) q = q.where('nid', '=', nid);
    return q.orderBy('nid').orderBy('sequence').execute();
  }
}
