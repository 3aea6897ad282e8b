// @ts-check
/**
 * The access log's hash chain (docs/access-log.md): each member's entries are numbered 1, 2, … and
 * each entry's hash covers the hash of the one before it, so an entry removed, altered or moved
 * changes every hash after it. The server signs the chain's head now and then (a checkpoint), and
 * anyone holding the entries and a checkpoint can recompute the chain and compare.
 *
 *   hash(n) = hex( SHA-256( UTF-8( hex(hash(n-1)) ‖ JSON [uid, seq, at, actor, nid, dataset, fields, action] ) ) )
 *
 * where hex is lowercase (64 characters, so the two parts never run into each other) and
 * hex(hash(0)) is 64 zeros. Plain JavaScript on purpose: the
 * SQLite appender thread (storage/append-thread.mjs) chains its batches with it, and so do the
 * server's own transactions, the migration that chained earlier entries, and `openpdx log verify`.
 */
import { hash } from 'node:crypto';

/** The hash before a member's first entry. */
export const GENESIS = '0'.repeat(64);

/**
 * @typedef {{ uid: number, nid: number | null, actor: string, dataset: string, fields: string, action: string, at: number }} AccessFields
 * @typedef {{ seq: number, head: string }} ChainHead
 */

/**
 * The hash of entry number `seq` of member `uid`, following the entry whose hash is `previous`.
 * @param {string} previous
 * @param {number} seq
 * @param {AccessFields} e
 * @returns {string}
 */
export function entryHash(previous, seq, e) {
  const canonical = JSON.stringify([e.uid, seq, e.at, e.actor, e.nid, e.dataset, e.fields, e.action]);
  // One call, no Hash object: this runs for every entry of the read log's group commit.
  return hash('sha256', previous + canonical, 'hex');
}

/**
 * Numbers and hashes `entries` in order, each after its member's current head in `heads` (a
 * member missing from it starts a new chain); `heads` is advanced as it goes. Returns the entries
 * with `seq` and `hash` added, in the same order.
 * @template {AccessFields} T
 * @param {Map<number, ChainHead>} heads
 * @param {readonly T[]} entries
 * @returns {(T & { seq: number, hash: string })[]}
 */
export function chainEntries(heads, entries) {
  return entries.map((e) => {
    const head = heads.get(e.uid) ?? { seq: 0, head: GENESIS };
    const seq = head.seq + 1;
    const hash = entryHash(head.head, seq, e);
    heads.set(e.uid, { seq, head: hash });
    return { ...e, seq, hash };
  });
}
