import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

export const name = '0003-idaas';

/** IDaaS (contract §1, Mydex's IDaaS OpenAPI): external identities, IDaaS links, notifications, invites. */
export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  const s = db.schema;
  // MyAccount / ScotAccount identities mapped to MydexIDs; the account lookups answer from here.
  // Deleting the member deletes their mappings (the MydexID is the member's unique login name).
  await s
    .createTable('external_identities')
    .addColumn('id', d.autoIdType, (c) => d.autoId(c))
    /** myaccount | scotaccount */
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('mydexid', 'text', (c) => c.notNull().references('members.mydexid').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('external_identities_provider_id', ['provider', 'external_id'])
    .execute();
  await s.createIndex('external_identities_member').on('external_identities').column('mydexid').execute();
  // Which organisation asked for which /ftc/setup or /identify link, keyed like one_time_links.
  await s
    .createTable('idaas_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    /** ftc | identify */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('nid', 'integer', (c) => c.notNull())
    .addColumn('linking_token', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  // Notification identifiers made by POST /members/notify (children of a member's identifier).
  await s
    .createTable('idaas_notifications')
    .addColumn('identifier', 'text', (c) => c.primaryKey())
    .addColumn('parent_uuid', 'text', (c) => c.notNull())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('nid', 'integer', (c) => c.notNull())
    .addColumn('uid', 'integer', (c) => c.notNull().references('members.uid').onDelete('cascade'))
    /** email, or email,sms */
    .addColumn('channels', 'text', (c) => c.notNull())
    .addColumn('app_url', 'text')
    .addColumn('project_id', 'text')
    .addColumn('item_id', 'text')
    .addColumn('type', 'text')
    /** sent | used */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // Invitations of POST /members/invite: the code is stored only as its SHA-256.
  await s
    .createTable('idaas_invites')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('nid', 'integer', (c) => c.notNull())
    .addColumn('uid', 'integer', (c) => c.notNull().references('members.uid').onDelete('cascade'))
    .addColumn('parent_uuid', 'text', (c) => c.notNull())
    .addColumn('app_url', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    /** pending | used | expired (a pending invite past expires_at reads as expired) */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await s.createIndex('idaas_invites_context').on('idaas_invites').columns(['org_id', 'parent_uuid', 'nid']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['idaas_invites', 'idaas_notifications', 'idaas_links', 'external_identities']) {
    await db.schema.dropTable(t).execute();
  }
}
