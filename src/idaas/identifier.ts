/**
 * A member's identifier in the IDaaS identifier calls (`identifier_auth.parent_uuid`, an invite's
 * `identifier`): the connection id `<uid>-<nid>` (contract §0) written as a UUID, so that every
 * subscriber can compute it from the `connection_id` of its consent callback (§5.3) without a
 * further call. Layout (RFC 9562 §5.8, UUIDv8, custom):
 *
 *     NNNNNNNN-NNNN-8000-8000-UUUUUUUUUUUU     N = NID, U = uid, each 12 lower-case hex digits
 *
 * e.g. con_id 4020-40000 → 00000000-9c40-8000-8000-000000000fb4. Like con_id it is guessable and
 * is never authority on its own (security plan §2): a call naming it must come from the
 * organisation that owns the NID, and the member must hold an active grant on that connection.
 */
import { wholeNumber } from '../ids.ts';
const MAX = 2 ** 48;
const IDENTIFIER = /^([0-9a-f]{8})-([0-9a-f]{4})-8000-8000-([0-9a-f]{12})$/i;
/** RFC 9562 text form, any version: what the reference's `format: uuid` means. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface MemberConnectionRef {
  uid: number;
  nid: number;
}

export function identifierFor(ref: MemberConnectionRef): string {
  if (!inRange(ref.uid) || !inRange(ref.nid)) throw new RangeError('uid and NID must be whole numbers below 2^48');
  const n = ref.nid.toString(16).padStart(12, '0');
  return `${n.slice(0, 8)}-${n.slice(8)}-8000-8000-${ref.uid.toString(16).padStart(12, '0')}`;
}

/** The uid and NID an identifier names; undefined when it is not one of ours. */
export function parseIdentifier(value: string): MemberConnectionRef | undefined {
  const m = IDENTIFIER.exec(value);
  if (!m) return undefined;
  const nid = parseInt(`${m[1]}${m[2]}`, 16);
  const uid = parseInt(m[3]!, 16);
  return wholeNumber(nid, 1) !== undefined && wholeNumber(uid, 1) !== undefined ? { uid, nid } : undefined;
}

function inRange(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && n < MAX;
}
