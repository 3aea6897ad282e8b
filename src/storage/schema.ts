/** Kysely table types. Times are unix seconds; secrets and ciphertexts are base64url text. */
import type { Generated, Transaction } from 'kysely';

export interface OrganisationTable {
  id: Generated<number>;
  name: string;
  created_at: number;
}

/** An artifact of the OpenID Connect provider (migration 0007): id hashed, payload sealed. */
export interface OidcRecordTable {
  /** hex SHA-256 of `<model>:<id>` */
  id_hash: string;
  model: string;
  /** the JSON payload, sealed under the master key */
  payload: string;
  grant_id_hash: string | null;
  uid_hash: string | null;
  /** the member the artifact belongs to, when known */
  uid: number | null;
  /** unix seconds; null: no expiry */
  expires_at: number | null;
  /** unix seconds the artifact was spent (a code, a rotated refresh token); null: not yet */
  consumed_at: number | null;
}

export interface OauthClientTable {
  client_id: string;
  org_id: number;
  name: string;
  /** hex SHA-256 of the client secret */
  secret_hash: string;
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  /** space separated allow-list */
  scopes: string;
  /** space separated, e.g. "client_credentials" */
  grant_types: string;
  disabled: number;
  created_at: number;
  /** space separated exact redirect URIs (OpenID Connect sign-in); '' for none */
  redirect_uris: Generated<string>;
  /** 1: no secret, PKCE required (a browser or native app) */
  public_client: Generated<number>;
  /** private_key_jwt (RFC 7523): the client's public keys as a JWK Set (JSON), or null */
  jwks: string | null;
  /** private_key_jwt: where the client publishes its JWK Set, or null */
  jwks_uri: string | null;
  /** 1: every token this client gets is DPoP-bound (RFC 9449) */
  dpop_bound: Generated<number>;
}

/** Signed consent receipts, chained per member and connection. */
export interface ConsentReceiptTable {
  /** UUID, also the receipt's jti */
  id: string;
  uid: number;
  nid: number;
  /** the member's pairwise identifier for the connection */
  con_id: string;
  /** 1, 2, … per member and connection */
  sequence: number;
  /** consent.given, consent.updated or consent.withdrawn */
  event: string;
  /** the receipt: a compact JWS (ES256) */
  jws: string;
  created_at: number;
}

/** Single-use JWTs already accepted: client assertions and DPoP proofs (replay protection). */
interface SpentJtiTable {
  /** 'client_assertion' or 'dpop_proof' */
  kind: string;
  /** the client id (assertions) or the RFC 7638 thumbprint of the proof's key (DPoP) */
  owner: string;
  /** hex SHA-256 of the jti */
  jti_hash: string;
  /** when it becomes too old to be accepted anyway (seconds) */
  expires_at: number;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  public_jwk: string;
  /** private JWK sealed under the master key */
  private_jwk_enc: string;
  created_at: number;
  /** when it stopped signing; still published until tokens signed with it expire */
  retired_at: number | null;
}

interface RevokedTokenTable {
  seq: Generated<number>;
  jti: string;
  expires_at: number;
  revoked_at: number;
}

export interface ConnectionTable {
  nid: number;
  org_id: number;
  name: string;
  /** connection token sealed under the master key */
  token_enc: string;
  /** hex SHA-256 of hex(SHA-512(connection token)): verifies connection_token_hash without storing it */
  token_hash_verifier: string;
  callback_url: string;
  notifications: number;
  created_at: number;
}

export interface DssaTable {
  id: Generated<number>;
  nid: number;
  version: number;
  uuid: string;
  purpose: string;
  gdpr_statement: string;
  /** JSON: DssaPermissions */
  permissions: string;
  created_at: number;
}

export interface ShortAccessTokenTable {
  /** hex SHA-256 of the SAT */
  token_hash: string;
  nid: number;
  expires_at: number;
  used_at: number | null;
}

export interface MemberTable {
  uid: Generated<number>;
  mydexid: string;
  email: string;
  password_hash: string;
  /** argon2id parameters and salt for the Private Key KEK, JSON */
  private_key_kdf: string;
  created_at: number;
}

interface MemberDatasetKeyTable {
  uid: number;
  dataset: string;
  /** the dataset's data key sealed under the member's Private Key KEK */
  wrapped: string;
  key_version: number;
}

export interface GrantTable {
  id: Generated<number>;
  uid: number;
  nid: number;
  dssa_version: number;
  /** hex SHA-256 of the member key */
  key_verifier: string;
  /** HKDF salt for the member key KEK, base64url */
  kek_salt: string;
  created_at: number;
  revoked_at: number | null;
}

interface GrantDatasetKeyTable {
  grant_id: number;
  dataset: string;
  /** the dataset's data key sealed under the member-key KEK */
  wrapped: string;
}

interface MetadataRecordTable {
  uid: number;
  dataset: string;
  instance: number;
  ciphertext: string;
  updated_at: number;
}

/** The keyed blind index of transactional rows (src/pds/blind-index.ts). */
interface RowIndexTable {
  row_id: number;
  uid: number;
  dataset: string;
  digest: string;
}

/** Rows written before the blind index existed, indexed a batch at a time by key holders. */
interface RowIndexBackfillTable {
  uid: number;
  dataset: string;
  next_id: number;
  last_id: number;
}

export interface TransactionRowTable {
  id: Generated<number>;
  uid: number;
  dataset: string;
  instance: number;
  /** random id bound into the ciphertext's additional data, so rows cannot be swapped */
  rid: string;
  source: string;
  /** the connection that added the row; null for the member's own rows and older rows */
  writer_nid: number | null;
  ciphertext: string;
  created_at: number;
  updated_at: number;
}

export interface AccessLogTable {
  id: Generated<number>;
  uid: number;
  nid: number | null;
  actor: string;
  dataset: string;
  fields: string;
  action: string;
  at: number;
  /** its number in the member's chain, from 1 (docs/access-log.md); null only before migration 0012 ran */
  seq: number | null;
  /** SHA-256 (hex) over the entry and the hash before it (src/crypto/access-chain.mjs) */
  hash: string | null;
}

/** Each member's access log chain: its last entry, and how far the last signed checkpoint reached. */
interface AccessLogHeadTable {
  uid: number;
  seq: number;
  head: string;
  checkpointed_seq: Generated<number>;
  /** 1 when the chain grew since its last checkpoint (set by every append, cleared by the checkpoint) */
  grown: Generated<number>;
}

/** A signed checkpoint of a member's chain: the count and head hash, as a compact JWS. */
export interface AccessLogCheckpointTable {
  uid: number;
  seq: number;
  head: string;
  jws: string;
  signed_at: number;
}

export interface OutboxTable {
  id: Generated<number>;
  event_id: string;
  /** callback | notification | email | sms */
  kind: string;
  nid: number | null;
  uid: number | null;
  method: string;
  /** URL, email address or phone number */
  target: string;
  payload_enc: string | null;
  /** pending | delivered | dead */
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  expires_at: number;
  delivered_at: number | null;
}

export interface OneTimeLinkTable {
  token_hash: string;
  /** register | ftc | update */
  kind: string;
  nid: number;
  dssa_version: number;
  mydexid: string | null;
  email: string | null;
  password_hash: string | null;
  return_to: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** connected | rejected */
  outcome: string | null;
}

interface MemberSessionTable {
  id_hash: string;
  uid: number;
  csrf_secret: string;
  created_at: number;
  expires_at: number;
  /** the data keys while "My data" is unlocked, sealed under the session id (migration 0008) */
  unlocked_keys: string | null;
  unlocked_until: number | null;
}

interface PasswordResetTable {
  id: Generated<number>;
  uid: number;
  /** SHA-256 of `<uid>:<code>`: the code itself is only in the member's email */
  code_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

interface AuthThrottleTable {
  key: string;
  failures: number;
  window_start: number;
  locked_until: number;
}

interface MessageTable {
  id: Generated<number>;
  /** email | sms */
  channel: string;
  recipient: string;
  subject: string;
  body_enc: string;
  /** sandbox | queued | sent | failed */
  status: string;
  created_at: number;
}

/** A MyAccount or ScotAccount identity mapped to a MydexID (IDaaS account lookups). */
export interface ExternalIdentityTable {
  id: Generated<number>;
  /** myaccount | scotaccount */
  provider: string;
  /** MyAccount SVT, or ScotAccount sub (a UUID, stored lower case) */
  external_id: string;
  mydexid: string;
  created_at: number;
}

/** An IDaaS `/ftc/setup` or `/identify` link: who asked for it. `token_hash` is the one_time_links key. */
export interface IdaasLinkTable {
  token_hash: string;
  /** ftc | identify */
  kind: string;
  org_id: number;
  client_id: string;
  nid: number;
  linking_token: string | null;
  created_at: number;
  expires_at: number;
}

/** A notification identifier made by `POST /members/notify`. */
export interface IdaasNotificationTable {
  identifier: string;
  parent_uuid: string;
  org_id: number;
  client_id: string;
  nid: number;
  uid: number;
  /** email, or email,sms */
  channels: string;
  app_url: string | null;
  project_id: string | null;
  item_id: string | null;
  type: string | null;
  /** sent | used */
  status: string;
  created_at: number;
  updated_at: number;
}

/** An invitation made by `POST /members/invite`. */
export interface IdaasInviteTable {
  /** hex SHA-256 of the invite code */
  code_hash: string;
  org_id: number;
  client_id: string;
  nid: number;
  uid: number;
  parent_uuid: string;
  app_url: string;
  project_id: string;
  item_id: string;
  type: string;
  /** pending | used | expired */
  status: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** One row /readyz rewrites to prove the database can store (migration 0005). */
interface HealthProbeTable {
  id: number;
  checked_at: number;
}

export interface Database {
  organisations: OrganisationTable;
  oauth_clients: OauthClientTable;
  spent_jtis: SpentJtiTable;
  consent_receipts: ConsentReceiptTable;
  oidc_records: OidcRecordTable;
  signing_keys: SigningKeyTable;
  revoked_tokens: RevokedTokenTable;
  connections: ConnectionTable;
  dssas: DssaTable;
  short_access_tokens: ShortAccessTokenTable;
  members: MemberTable;
  member_dataset_keys: MemberDatasetKeyTable;
  grants: GrantTable;
  grant_dataset_keys: GrantDatasetKeyTable;
  metadata_records: MetadataRecordTable;
  transaction_rows: TransactionRowTable;
  row_index: RowIndexTable;
  row_index_backfill: RowIndexBackfillTable;
  access_log: AccessLogTable;
  access_log_heads: AccessLogHeadTable;
  access_log_checkpoints: AccessLogCheckpointTable;
  outbox: OutboxTable;
  one_time_links: OneTimeLinkTable;
  member_sessions: MemberSessionTable;
  password_resets: PasswordResetTable;
  auth_throttle: AuthThrottleTable;
  messages: MessageTable;
  external_identities: ExternalIdentityTable;
  idaas_links: IdaasLinkTable;
  idaas_notifications: IdaasNotificationTable;
  idaas_invites: IdaasInviteTable;
  health_probe: HealthProbeTable;
}

/** A transaction on the database, as stores and services that write in one take it. */
export type Trx = Transaction<Database>;
