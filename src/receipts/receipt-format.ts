/**
 * The consent receipt (docs/consent-receipts.md): the fields of ISO/IEC TS 27560:2023's consent
 * record information structure, as JSON claims of a compact JWS (ES256, `typ`
 * `consent-receipt+jwt`), and the offline check of a receipt or a chain of them against a key
 * set. Shared by the server (which makes them) and `openpdx receipt verify` (which checks them).
 */
import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';

export const RECEIPT_TYP = 'consent-receipt+jwt';
export const RECEIPT_SCHEMA = 'ISO/IEC TS 27560:2023';
/** Every public key receipts were ever signed with. */
export const RECEIPT_KEYS_PATH = '/.well-known/consent-receipt-keys.json';

export type ReceiptEvent = 'consent.given' | 'consent.updated' | 'consent.withdrawn';
/** Who caused the event: the member, the organisation (the controller), or the platform. */
export type ReceiptActor = 'member' | 'controller' | 'platform';

export interface DataCategory {
  dataset: string;
  fields: { field: string; access: ('read' | 'write')[] }[];
}

/** The record inside a receipt (claim `consent_record`). */
export interface ConsentRecord {
  schema: typeof RECEIPT_SCHEMA;
  record_id: string;
  /** 1, 2, … in the chain of this member and connection */
  sequence: number;
  /** the receipt before this one in the chain: its id and the SHA-256 (base64url) of its JWS */
  previous: { record_id: string; sha256: string } | null;
  event: { type: ReceiptEvent; time: string; by: ReceiptActor; reason?: 'member.deleted' };
  controller: { name: string; organisation_id: number };
  processing: { connection_nid: number; connection_name: string };
  notice: { agreement_uuid: string; agreement_version: number; purpose: string };
  data: DataCategory[];
  /** the member's pairwise identifier for this connection */
  subject: { con_id: string };
}

export function receiptHash(jws: string): string {
  return createHash('sha256').update(jws, 'utf8').digest('base64url');
}

interface VerifiedReceipt {
  jws: string;
  record: ConsentRecord;
}

export interface ChainCheck {
  ok: boolean;
  receipts: VerifiedReceipt[];
  /** what is wrong, one line each */
  problems: string[];
}

/**
 * Checks every receipt's signature against `jwks`, then each chain (per subject and connection):
 * sequences 1, 2, … without a gap, each linking to the one before by id and hash. A receipt that
 * was removed, altered or reordered shows as a problem.
 */
export async function verifyReceipts(jwsList: readonly string[], jwks: JSONWebKeySet, issuer?: string): Promise<ChainCheck> {
  const keys = createLocalJWKSet(jwks);
  const problems: string[] = [];
  const receipts: VerifiedReceipt[] = [];
  for (const [i, jws] of jwsList.entries()) {
    const label = `receipt ${i + 1}${idOf(jws)}`;
    try {
      const { payload } = await jwtVerify(jws, keys, {
        typ: RECEIPT_TYP,
        algorithms: ['ES256'],
        ...(issuer ? { issuer } : {}),
      });
      const record = recordOf(payload);
      if (!record) problems.push(`${label}: not a consent receipt (no consent_record claim)`);
      else receipts.push({ jws, record });
    } catch (err) {
      problems.push(`${label}: the signature or header does not verify (${(err as Error).message})`);
    }
  }
  const chains = new Map<string, VerifiedReceipt[]>();
  for (const r of receipts) {
    const key = `${r.record.subject.con_id} on connection ${r.record.processing.connection_nid}`;
    const list = chains.get(key) ?? [];
    list.push(r);
    chains.set(key, list);
  }
  for (const [key, list] of chains) {
    list.sort((a, b) => a.record.sequence - b.record.sequence);
    list.forEach((r, i) => {
      const expected = i + 1;
      if (r.record.sequence !== expected) {
        problems.push(
          `${key}: receipt ${r.record.record_id} is number ${r.record.sequence}, expected ${expected}: a receipt is missing or repeated`,
        );
        return;
      }
      const before = list[i - 1];
      if (!before) {
        if (r.record.previous !== null)
          problems.push(`${key}: the first receipt links to an earlier one: the chain is incomplete`);
        return;
      }
      if (r.record.previous?.record_id !== before.record.record_id || r.record.previous.sha256 !== receiptHash(before.jws)) {
        problems.push(
          `${key}: receipt ${r.record.sequence} does not link to receipt ${before.record.sequence} (id or hash differs)`,
        );
      }
    });
  }
  return { ok: problems.length === 0, receipts, problems };
}

function recordOf(payload: JWTPayload): ConsentRecord | undefined {
  const record = payload.consent_record as ConsentRecord | undefined;
  return record && typeof record === 'object' && record.schema === RECEIPT_SCHEMA ? record : undefined;
}

function idOf(jws: string): string {
  try {
    const jti = decodeJwt(jws).jti;
    return typeof jti === 'string' ? ` (${jti})` : '';
  } catch {
    return '';
  }
}
