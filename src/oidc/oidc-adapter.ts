/**
 * node-oidc-provider's storage adapter over the OpenPDX database (`oidc_records`, OidcStore), so
 * every process behind a load balancer serves the same sign-in. Ids are bearer secrets (codes,
 * tokens, session ids), so a row is found by a SHA-256 of its id, and its payload, which holds the
 * id again and the member's identity, is sealed under the master key, bound to that hash.
 *
 * The provider keeps its own time (wall-clock seconds) for what it issues; expiry here uses the
 * same clock, so a stored artifact lives exactly as long as the provider says.
 */
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { sha256Hex } from '../crypto/hash.ts';
import type { MasterKeyRing } from '../crypto/master-key.ts';
import type { OidcRecordRow, OidcStore } from './oidc-store.ts';

const nowSeconds = () => Math.floor(Date.now() / 1000);

export const idHashOf = (model: string, id: string) => sha256Hex(`${model}:${id}`);
const grantHashOf = (grantId: string) => sha256Hex(`grant:${grantId}`);
const uidHashOf = (uid: string) => sha256Hex(`uid:${uid}`);
const sealContext = (idHash: string) => `oidc|${idHash}`;

/** The member an artifact belongs to: OpenPDX account ids are member uids. */
function memberOf(payload: AdapterPayload): number | null {
  const uid = Number(payload.accountId);
  return Number.isSafeInteger(uid) && uid > 0 ? uid : null;
}

export class OidcRecordAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: OidcStore,
    private readonly masterKeys: MasterKeyRing,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
    const idHash = idHashOf(this.model, id);
    await this.store.upsert({
      id_hash: idHash,
      model: this.model,
      payload: this.masterKeys.seal(JSON.stringify(payload), sealContext(idHash)),
      grant_id_hash: payload.grantId ? grantHashOf(payload.grantId) : null,
      uid_hash: payload.uid ? uidHashOf(payload.uid) : null,
      uid: memberOf(payload),
      expires_at: expiresIn ? nowSeconds() + expiresIn : null,
      consumed_at: typeof payload.consumed === 'number' ? payload.consumed : null,
    });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const row = await this.store.find(idHashOf(this.model, id), nowSeconds());
    return row && this.payloadOf(row);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const row = await this.store.findByUid(this.model, uidHashOf(uid), nowSeconds());
    return row && this.payloadOf(row);
  }

  /** Only the device flow looks artifacts up by user code, and it is not enabled. */
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  /**
   * Spends a code (or a rotated refresh token) in one conditional update. Of two concurrent
   * exchanges only one gets here first; the other is refused as a reuse, and its grant revoked,
   * as the provider does for a code presented twice.
   */
  async consume(id: string): Promise<void> {
    const idHash = idHashOf(this.model, id);
    if (await this.store.consume(idHash, nowSeconds())) return;
    const row = await this.store.find(idHash, nowSeconds());
    if (row?.grant_id_hash) await this.store.revokeByGrant(row.grant_id_hash);
    throw new errors.InvalidGrant('grant request is invalid');
  }

  async destroy(id: string): Promise<void> {
    await this.store.destroy(idHashOf(this.model, id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.store.revokeByGrant(grantHashOf(grantId));
  }

  /** The payloads of the member's live artifacts of this model. */
  async ofMember(uid: number): Promise<AdapterPayload[]> {
    return (await this.store.ofMember(uid, this.model, nowSeconds())).map((row) => this.payloadOf(row));
  }

  private payloadOf(row: OidcRecordRow): AdapterPayload {
    const payload = JSON.parse(this.masterKeys.open(row.payload, sealContext(row.id_hash)).toString('utf8')) as AdapterPayload;
    return row.consumed_at === null ? payload : { ...payload, consumed: Number(row.consumed_at) };
  }
}
