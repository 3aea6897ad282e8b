/** Kysely queries for organisations, dedicated connections, DSSAs and short access tokens. */
import type { Insertable, Selectable } from 'kysely';
import type { ConnectionTable, DssaTable, OrganisationTable, ShortAccessTokenTable } from '../storage/schema.ts';
import { Store } from '../storage/store.ts';

export type OrganisationRow = Selectable<OrganisationTable>;
export type ConnectionRow = Selectable<ConnectionTable>;
export type DssaRow = Selectable<DssaTable>;

export class ConnectionStore extends Store {
  /** Runs `fn` in one transaction with a store bound to it. */
  async transaction<T>(fn: (store: ConnectionStore) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(this.in(trx)));
  }

  async insertOrganisation(name: string, now: number): Promise<number> {
    const row = await this.db
      .insertInto('organisations')
      .values({ name, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async organisation(id: number): Promise<OrganisationRow | undefined> {
    return this.db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async organisationByName(name: string): Promise<OrganisationRow | undefined> {
    return this.db.selectFrom('organisations').selectAll().where('name', '=', name).orderBy('id').executeTakeFirst();
  }

  async organisations(): Promise<OrganisationRow[]> {
    return this.db.selectFrom('organisations').selectAll().orderBy('id').execute();
  }

  async maxNid(): Promise<number | null> {
    const row = await this.db
      .selectFrom('connections')
      .select((eb) => eb.fn.max('nid').as('max'))
      .executeTakeFirst();
    return row?.max ?? null;
  }

  async insertConnection(row: Insertable<ConnectionTable>): Promise<void> {
    await this.db.insertInto('connections').values(row).execute();
  }

  async connection(nid: number): Promise<ConnectionRow | undefined> {
    return this.db.selectFrom('connections').selectAll().where('nid', '=', nid).executeTakeFirst();
  }

  async connections(orgId?: number): Promise<ConnectionRow[]> {
    let q = this.db.selectFrom('connections').selectAll();
    if (orgId !== undefined) q = q.where('org_id', '=', orgId);
    return q.orderBy('nid').execute();
  }

  async maxDssaVersion(nid: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('dssas')
      .select((eb) => eb.fn.max('version').as('max'))
      .where('nid', '=', nid)
      .executeTakeFirst();
    return row?.max ?? null;
  }

  async insertDssa(row: Insertable<DssaTable>): Promise<void> {
    await this.db.insertInto('dssas').values(row).execute();
  }

  async dssa(nid: number, version: number): Promise<DssaRow | undefined> {
    return this.db.selectFrom('dssas').selectAll().where('nid', '=', nid).where('version', '=', version).executeTakeFirst();
  }

  async latestDssa(nid: number): Promise<DssaRow | undefined> {
    return this.db.selectFrom('dssas').selectAll().where('nid', '=', nid).orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  /** Every DSSA version of a connection, oldest first. */
  async dssas(nid: number): Promise<DssaRow[]> {
    return this.db.selectFrom('dssas').selectAll().where('nid', '=', nid).orderBy('version').execute();
  }

  async dssaByUuid(uuid: string): Promise<DssaRow | undefined> {
    return this.db.selectFrom('dssas').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  }

  async insertShortAccessToken(row: Insertable<ShortAccessTokenTable>): Promise<void> {
    await this.db.insertInto('short_access_tokens').values(row).execute();
  }

  /**
   * Marks a SAT used and returns it, in one statement guarded by `used_at is null`, so two
   * concurrent requests with the same SAT cannot both get it.
   */
  async spendShortAccessToken(
    tokenHash: string,
    now: number,
  ): Promise<Pick<Selectable<ShortAccessTokenTable>, 'nid' | 'expires_at'> | undefined> {
    return this.db
      .updateTable('short_access_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .returning(['nid', 'expires_at'])
      .executeTakeFirst();
  }

  async deleteExpiredShortAccessTokens(now: number): Promise<void> {
    await this.db.deleteFrom('short_access_tokens').where('expires_at', '<=', now).execute();
  }
}
