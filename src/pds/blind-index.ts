/**
 * The keyed blind index of transactional rows (docs/crypto-inventory.md, "Blind index"): for each
 * field a row holds, HMAC-SHA-256 of the field's name and normalised value, under a key derived
 * from the member's data key for that dataset, truncated to 128 bits. An equality filter computes
 * the same digest and asks the database for the rows that carry it, instead of decrypting the
 * dataset. Only a caller holding the data key can compute a digest, and digests of one member's
 * dataset never match another's (the key differs, and the derivation names member and dataset).
 *
 * The index finds candidates; the read still decrypts each one and applies the filter itself, so
 * a truncated digest that collided could cost a wasted decryption but never a wrong row.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { FieldValues } from './pds-store.ts';

/** Bytes of each digest kept (base64url in the database). */
const DIGEST_BYTES = 16;

/** The purpose under which a key ring keeps the index key it derived (DataKeyRing.derived). */
export const BLIND_INDEX_LABEL = 'blind-index';

/** The index key for one member's dataset, derived from its data key. */
export function blindIndexKey(dataKey: Buffer, uid: number, dataset: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), `openpdx-blind-index|v1|${uid}|${dataset}`, 32));
}

/**
 * A value as the filters compare it (filters.ts `compare`): in a numeric field a value that reads
 * as a number equals every other spelling of that number ("5", " 5", "5.0", "0x5"); anything else
 * equals only itself. Every field is normalised the numeric way, so one digest serves both: in a
 * text field "5" and "5.0" share a digest, and the exact comparison after decryption tells them
 * apart.
 */
export function normalise(value: string): string {
  const n = Number(value);
  return Number.isNaN(n) ? `s:${value}` : `n:${String(n)}`;
}

export function blindDigest(indexKey: Buffer, field: string, normalised: string): string {
  return createHmac('sha256', indexKey)
    .update(field)
    .update('\0')
    .update(normalised)
    .digest()
    .subarray(0, DIGEST_BYTES)
    .toString('base64url');
}

/** The digests a row's values put in the index: one per field that holds a value. */
export function rowDigests(indexKey: Buffer, values: FieldValues): string[] {
  const out = new Set<string>();
  for (const [field, value] of Object.entries(values)) {
    if (typeof value === 'string') out.add(blindDigest(indexKey, field, normalise(value)));
  }
  return [...out];
}
