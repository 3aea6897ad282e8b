/** Kysely queries for the OpenID Connect provider's artifacts (migration 0007, `oidc_records`). */
import type { ExpressionBuilder, Selectable } from 'kysely';
import type { Database, OidcRecordTable } from '../storage/schema.ts';
import { Store } from '../storage/store.ts';

export type OidcRecordRow = Selectable<OidcRecordTable>;

/** A row that has not expired at `now` (or never does). */
const unexpired = (now: number) => (eb: ExpressionBuilder<Database, 'oidc_records'>) =>
  eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]);

export class OidcStore extends Store {
  /** Inserts or replaces the artifact `idHash`. */
  async upsert(row: OidcRecordRow): Promise<void> {
    const { id_hash: _key, ...rest } = row;
    await this.db
      .insertInto('oidc_records')
      .values(row)
      .onConflict((oc) => oc.column('id_hash').doUpdateSet(rest))
      .execute();
  }

  /** Inserts `row` unless its id is taken (the first of several processes wins). */
  async insertIfAbsent(row: OidcRecordRow): Promise<void> {
    await this.db
      .insertInto('oidc_records')
      .values(row)
      .onConflict((oc) => oc.column('id_hash').doNothing())
      .execute();
  }

  /** The artifact, unless it has expired at `now` (unix seconds). */
  find(idHash: string, now: number): Promise<OidcRecordRow | undefined> {
    return this.db.selectFrom('oidc_records').selectAll().where('id_hash', '=', idHash).where(unexpired(now)).executeTakeFirst();
  }

  findByUid(model: string, uidHash: string, now: number): Promise<OidcRecordRow | undefined> {
    return this.live(model, now).where('uid_hash', '=', uidHash).executeTakeFirst();
  }

  /** The member's live artifacts of one model (their grants: the apps they signed in to). */
  ofMember(uid: number, model: string, now: number): Promise<OidcRecordRow[]> {
    return this.live(model, now).where('uid', '=', uid).execute();
  }

  private live(model: string, now: number) {
    return this.db.selectFrom('oidc_records').selectAll().where('model', '=', model).where(unexpired(now));
  }

  /** Marks the artifact spent; false when it already was (or is gone): only one caller wins. */
  async consume(idHash: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('oidc_records')
      .set({ consumed_at: now })
      .where('id_hash', '=', idHash)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async destroy(idHash: string): Promise<void> {
    await this.db.deleteFrom('oidc_records').where('id_hash', '=', idHash).execute();
  }

  /** Every artifact of one grant: what a revoked grant, or a reused authorization code, takes away. */
  async revokeByGrant(grantIdHash: string): Promise<void> {
    await this.db.deleteFrom('oidc_records').where('grant_id_hash', '=', grantIdHash).execute();
  }

  /** Deletes what expired before `now`; the number deleted. */
  async sweep(now: number): Promise<number> {
    const r = await this.db.deleteFrom('oidc_records').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
