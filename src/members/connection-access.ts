/**
 * Whether a subscriber's call may act for a member through a connection (contract §3, §6): the
 * `con_id` and member key against the calling client's organisation, the member's active grant
 * and its DSSA; then the data keys the call needs, unwrapped with the member key.
 */
import { open } from '../crypto/aead.ts';
import { sha256Matches } from '../crypto/hash.ts';
import { deriveMemberKeyKek } from '../crypto/kdf.ts';
import { MEMBER_KEY_PATTERN } from '../crypto/random.ts';
import type { ConnectionService } from '../connections/connection-service.ts';
import type { Dssa } from '../connections/dssa.ts';
import { AccessDeniedError, PdxError } from '../errors.ts';
import { wholeNumber } from '../ids.ts';
import type { ClientPrincipal } from '../oauth/principal.ts';
import type { Grants } from './grants.ts';
import { DATA_KEY_VERSION, DataKeyRing, wrapContext } from './key-ring.ts';

/** What one connection may do for one member during one request. */
export interface ConnectionAccess {
  uid: number;
  nid: number;
  conId: string;
  grantId: number;
  dssa: Dssa;
  /** data keys of the granted datasets that the request asked for */
  keys: DataKeyRing;
}

/** Same body whether the member, the grant or the key is wrong (MX-07: no existence oracle). */
/** A `con_id`: the member's uid, a hyphen, the connection's NID. */
const CON_ID = /^(\d{1,15})-(\d{1,15})$/;

const connectionDenied = () =>
  new AccessDeniedError(403, 'Bearer error="insufficient_scope"', 'The connection credentials are not valid for this member.');

/**
 * A missing `con_id` or `key`, or a `con_id` that cannot be one, is the caller's mistake and says so
 * with a 400 (docs/contract.md §3). Only the format is judged, which is public, so the uniform 403
 * for credentials that are well formed but wrong still tells nothing about who exists.
 */
function refuseMissingOrMalformed(conId: string, memberKey: string): void {
  if (conId === '')
    throw new PdxError(
      400,
      'Missing parameter',
      'con_id is required: the connection id (<uid>-<nid>) that the consent callback sent.',
    );
  if (!CON_ID.test(conId))
    throw new PdxError(
      400,
      'Invalid parameter',
      'con_id must be <uid>-<nid>, two numbers joined by a hyphen, as the consent callback sent it.',
    );
  if (memberKey === '')
    throw new PdxError(
      400,
      'Missing parameter',
      'key is required: the member key that the consent callback sent (the key query parameter or a Connection-Token header).',
    );
}

export class ConnectionAccessCheck {
  constructor(private readonly deps: { connections: ConnectionService; grants: Grants }) {}

  /**
   * Checks a subscriber's `con_id` and member key against the calling client's organisation (and,
   * when given, against the uid the request names) and unwraps the keys of `datasets` that the
   * grant holds. Every failure is the same 403.
   */
  async check(
    principal: ClientPrincipal,
    conIdGiven: string,
    memberKeyGiven: string,
    datasets: readonly string[],
    forUid?: number,
  ): Promise<ConnectionAccess> {
    const conId = conIdGiven.trim();
    const memberKey = memberKeyGiven.trim();
    refuseMissingOrMalformed(conId, memberKey);
    const m = CON_ID.exec(conId);
    const uid = wholeNumber(m?.[1]);
    const nid = wholeNumber(m?.[2]);
    if (uid === undefined || nid === undefined || !MEMBER_KEY_PATTERN.test(memberKey)) throw connectionDenied();
    const { connections } = this.deps;
    const [cached, connection] = await Promise.all([this.deps.grants.cachedGrant(uid, nid), connections.getConnection(nid)]);
    const grant = cached?.grant;
    const { openedKeys } = this.deps.grants;
    // A key this grant's cached keys were opened with was verified then: no need to hash it again.
    const keyOk =
      (grant !== undefined && openedKeys.holdsMemberKey(grant.id, memberKey)) ||
      sha256Matches(memberKey, grant?.key_verifier ?? '');
    if (
      !cached ||
      !grant ||
      !connection ||
      connection.orgId !== principal.orgId ||
      !keyOk ||
      (forUid !== undefined && forUid !== uid)
    ) {
      throw connectionDenied();
    }
    const dssa = await connections.dssa(nid, grant.dssa_version);
    if (!dssa) throw connectionDenied();
    // The member key is verified above; only then may keys it opened earlier be reused.
    const grantId = grant.id;
    const keys = new DataKeyRing({
      get: (ds, label) => openedKeys.getDerived(grantId, ds, label),
      put: (ds, label, key) => openedKeys.putDerived(grantId, ds, label, key),
    });
    let kek: Buffer | undefined;
    try {
      for (const ds of datasets) {
        const wrapped = cached.wrapped.get(ds);
        if (!wrapped) continue;
        let key = openedKeys.get(grant.id, ds);
        if (!key) {
          kek ??= deriveMemberKeyKek(memberKey, Buffer.from(grant.kek_salt, 'base64url'), conId);
          key = open(kek, wrapped, wrapContext.grant(conId, grant.id, ds));
          openedKeys.put(grant.id, ds, key);
        }
        keys.set(ds, key, DATA_KEY_VERSION);
      }
      openedKeys.rememberMemberKey(grant.id, memberKey);
    } catch {
      keys.wipe();
      throw connectionDenied();
    } finally {
      kek?.fill(0);
    }
    return { uid, nid, conId, grantId: grant.id, dssa, keys };
  }
}
