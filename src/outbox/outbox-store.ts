/**
 * Kysely queries for the outbox. Enqueueing runs inside the transaction of the change it reports,
 * through a store over that transaction (`in(trx)`; one SQLite connection: a query on the outer
 * handle there would wait for the transaction forever).
 */
import { sql, type Insertable, type Selectable } from 'kysely';
import type { DialectName } from '../storage/dialect.ts';
import { prepared } from '../storage/prepared.ts';
import type { OutboxTable } from '../storage/schema.ts';
import { Store } from '../storage/store.ts';

export type OutboxRow = Selectable<OutboxTable>;
export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface Attempted {
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
}

export class OutboxStore extends Store {
  async insert(row: Insertable<OutboxTable>) {
    return (await this.db.insertInto('outbox').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }

  byId(id: number) {
    return this.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async dueIds(now: number, limit: number) {
    return (
      await this.db
        .selectFrom('outbox')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where('lease_until', '<', now)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit)
        .execute()
    ).map((r) => r.id);
  }

  /**
   * Takes a lease on one due row in a single guarded statement: of several workers (processes)
   * racing for the row, exactly one gets it back; the others get undefined.
   */
  async pendingCount(): Promise<number> {
    const row = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  claim(id: number, now: number, leaseSeconds: number) {
    return this.db
      .updateTable('outbox')
      .set({ lease_until: now + leaseSeconds })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where('lease_until', '<', now)
      .returningAll()
      .executeTakeFirst();
  }

  /** Delivered: the payload (which may hold a member key) is erased. */
  async delivered(id: number, now: number, a: Attempted) {
    await this.db
      .updateTable('outbox')
      .set({ status: 'delivered', delivered_at: now, payload_enc: null, lease_until: 0, ...attemptColumns(a) })
      .where('id', '=', id)
      .execute();
  }

  async failed(id: number, nextAttemptAt: number, a: Attempted) {
    await this.db
      .updateTable('outbox')
      .set({ next_attempt_at: nextAttemptAt, lease_until: 0, ...attemptColumns(a) })
      .where('id', '=', id)
      .execute();
  }

  /** Given up: the payload is erased, the row stays as the record of what was not delivered. */
  async dead(id: number, a: Attempted) {
    await this.db
      .updateTable('outbox')
      .set({ status: 'dead', payload_enc: null, lease_until: 0, ...attemptColumns(a) })
      .where('id', '=', id)
      .execute();
  }

  /** Hands a row back untouched (shutdown interrupted its attempt). */
  async release(id: number) {
    await this.db.updateTable('outbox').set({ lease_until: 0 }).where('id', '=', id).execute();
  }

  list(filter: { status?: DeliveryStatus; limit: number }) {
    let q = this.db.selectFrom('outbox').selectAll();
    if (filter.status) q = q.where('status', '=', filter.status);
    return q.orderBy('id', 'desc').limit(filter.limit).execute();
  }

  /** Due now again; returns false when the row is gone or has no payload left. */
  async retry(id: number, now: number, expiresAt: number) {
    const r = await this.db
      .updateTable('outbox')
      .set({ status: 'pending', next_attempt_at: now, expires_at: expiresAt })
      .where('id', '=', id)
      .where('payload_enc', 'is not', null)
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }

  connection(nid: number) {
    return this.db
      .selectFrom('connections')
      .select(['nid', 'callback_url', 'notifications'])
      .where('nid', '=', nid)
      .executeTakeFirst();
  }

  /**
   * Connections with notifications on and an active grant for the member, with their DSSA
   * permissions. Run on every data write: compiled once (prepared.ts), so `dialect` is needed.
   */
  notifiable(uid: number, dialect: DialectName) {
    return notifiableConnections({ db: this.db, dialect }, uid);
  }
}

const notifiableConnections = prepared((db, uid: number) =>
  db
    .selectFrom('grants as g')
    .innerJoin('connections as c', 'c.nid', 'g.nid')
    .innerJoin('dssas as d', (j) => j.onRef('d.nid', '=', 'g.nid').onRef('d.version', '=', 'g.dssa_version'))
    .select(['c.nid', 'c.callback_url', 'd.permissions'])
    .where('g.uid', '=', uid)
    .where('g.revoked_at', 'is', null)
    .where('c.notifications', '=', sql.lit(1))
    .orderBy('c.nid'),
);

function attemptColumns(a: Attempted) {
  return { attempts: a.attempts, last_status: a.lastStatus, last_error: a.lastError };
}
