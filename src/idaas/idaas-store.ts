/** Kysely queries of the IDaaS tables (migration 0003) and the one connection column they need. */
import { sql, type Insertable, type Selectable } from 'kysely';
import { canonicalMydexid } from '../members/member-rules.ts';
import type { ExternalIdentityTable, IdaasInviteTable, IdaasLinkTable, IdaasNotificationTable } from '../storage/schema.ts';
import { Store } from '../storage/store.ts';

export type ExternalIdentityRow = Selectable<ExternalIdentityTable>;
export type InviteRow = Selectable<IdaasInviteTable>;

/** What an invite status request names: every field of the reference's InviteStatusRequestBody. */
export interface InviteContext {
  orgId: number;
  parentUuid: string;
  nid: number;
  clientId: string;
  appUrl: string;
  projectId: string;
  itemId: string;
  type: string;
}

export class IdaasStore extends Store {
  async insertLink(row: Insertable<IdaasLinkTable>): Promise<void> {
    await this.db.insertInto('idaas_links').values(row).execute();
  }

  linkByHash(tokenHash: string) {
    return this.db.selectFrom('idaas_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  async insertNotification(row: Insertable<IdaasNotificationTable>): Promise<void> {
    await this.db.insertInto('idaas_notifications').values(row).execute();
  }

  notification(orgId: number, identifier: string) {
    return this.db
      .selectFrom('idaas_notifications')
      .selectAll()
      .where('identifier', '=', identifier)
      .where('org_id', '=', orgId)
      .executeTakeFirst();
  }

  /** sent → used; false when it was not `sent` any more (another request got there first). */
  async markNotificationUsed(identifier: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('idaas_notifications')
      .set({ status: 'used', updated_at: now })
      .where('identifier', '=', identifier)
      .where('status', '=', 'sent')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async insertInvite(row: Insertable<IdaasInviteTable>): Promise<void> {
    await this.db.insertInto('idaas_invites').values(row).execute();
  }

  invite(codeHash: string) {
    return this.db.selectFrom('idaas_invites').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
  }

  /** pending → used while unexpired; false when another request spent it first or it expired. */
  async spendInvite(codeHash: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('idaas_invites')
      .set({ status: 'used', used_at: now })
      .where('code_hash', '=', codeHash)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** A new invite for the same context replaces any still pending: the older codes stop working. */
  async supersedePending(c: InviteContext): Promise<void> {
    await this.db
      .updateTable('idaas_invites')
      .set({ status: 'expired' })
      .where((eb) => eb.and(contextColumns(c)))
      .where('status', '=', 'pending')
      .execute();
  }

  latestInvite(c: InviteContext) {
    return (
      this.db
        .selectFrom('idaas_invites')
        .selectAll()
        .where((eb) => eb.and(contextColumns(c)))
        .orderBy('created_at', 'desc')
        // Within one second the newest is the one not superseded (supersedePending expires only older ones).
        .orderBy((eb) => eb.case().when('status', '=', 'expired').then(1).else(0).end())
        .limit(1)
        .executeTakeFirst()
    );
  }

  async insertIdentity(row: Insertable<ExternalIdentityTable>): Promise<ExternalIdentityRow> {
    return this.db.insertInto('external_identities').values(row).returningAll().executeTakeFirstOrThrow();
  }

  identity(provider: string, externalId: string) {
    return this.db
      .selectFrom('external_identities')
      .selectAll()
      .where('provider', '=', provider)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
  }

  identities(mydexid?: string) {
    let q = this.db.selectFrom('external_identities').selectAll();
    if (mydexid !== undefined) q = q.where(sql<string>`lower(mydexid)`, '=', canonicalMydexid(mydexid));
    return q.orderBy('provider').orderBy('created_at').orderBy('id').execute();
  }

  async deleteIdentity(where: { provider: string; externalId: string } | { id: number; mydexid: string }) {
    let q = this.db.deleteFrom('external_identities');
    q =
      'id' in where
        ? q.where('id', '=', where.id).where('mydexid', '=', where.mydexid)
        : q.where('provider', '=', where.provider).where('external_id', '=', where.externalId);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }
}

function contextColumns(c: InviteContext) {
  return {
    org_id: c.orgId,
    parent_uuid: c.parentUuid,
    nid: c.nid,
    client_id: c.clientId,
    app_url: c.appUrl,
    project_id: c.projectId,
    item_id: c.itemId,
    type: c.type,
  };
}
