/**
 * The member's download of their access log (docs/access-log.md) and its offline check, shared by
 * the server (which makes the download and signs checkpoints) and `openpdx log verify`.
 *
 * A checkpoint is a compact JWS (ES256, `typ` `access-log-checkpoint+jwt`) whose claim
 * `access_log_checkpoint` names the member, how many entries their chain held, and the hash of the
 * last one. Holding the entries and a checkpoint, anyone can recompute the chain up to it: an entry
 * removed, altered or moved before a checkpoint changes the hash the checkpoint signed.
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { entryHash, GENESIS } from '../crypto/access-chain.mjs';
import type { ChainedEntry } from './access-log-store.ts';

export const CHECKPOINT_TYP = 'access-log-checkpoint+jwt';
export const ACCESS_LOG_FORMAT = 'openpdx-access-log/1';
/** Every public key checkpoints were ever signed with (the same keys as consent receipts'). */
export const ACCESS_LOG_KEYS_PATH = '/.well-known/access-log-keys.json';

/** The claim a checkpoint signs. */
export interface CheckpointClaim {
  member: number;
  /** how many entries the member's chain held */
  seq: number;
  /** the hash of entry `seq` */
  head: string;
}

interface DownloadedCheckpoint {
  seq: number;
  head: string;
  signed_at: string;
  jws: string;
}

/** The file the member downloads. */
export interface AccessLogDownload {
  format: typeof ACCESS_LOG_FORMAT;
  issuer: string;
  member: number;
  /** where the checkpoints' keys are published */
  keys: string;
  downloaded_at: string;
  entries: ChainedEntry[];
  checkpoints: DownloadedCheckpoint[];
}

export interface AccessLogCheck {
  ok: boolean;
  entries: number;
  /** checkpoints whose signature verified and whose count and head the entries reproduce */
  checkpointsVerified: number;
  /** how many entries the newest verified checkpoint covers */
  covered: number;
  /** one line each */
  problems: string[];
}

/**
 * Checks `doc`: that its entries are numbered 1, 2, … in order, that each entry's hash covers its
 * contents and the entry before it, and that every checkpoint (from `doc` and from `earlier`
 * downloads, which may hold checkpoints since removed) is signed by a key of `jwks` for this member
 * and names a count and head the entries reproduce.
 */
export async function verifyAccessLog(
  doc: AccessLogDownload,
  jwks: JSONWebKeySet,
  earlier: readonly AccessLogDownload[] = [],
): Promise<AccessLogCheck> {
  const problems: string[] = [];
  const entries = doc.entries;
  // What the chain's hashes are when recomputed from the entries alone, in the order given.
  const recomputed: string[] = [];
  let previous = GENESIS;
  let brokenAt: number | undefined;
  entries.forEach((e, i) => {
    const position = i + 1;
    if (e.seq !== position) {
      problems.push(`entry ${position} of the file is numbered ${e.seq}: entries before it were removed, repeated or moved`);
    }
    const own = entryHash(i === 0 ? GENESIS : entries[i - 1]!.hash, e.seq, { ...e, uid: doc.member });
    if (own !== e.hash) {
      problems.push(
        `entry ${e.seq} (${describe(e)}): its hash does not match its contents and the entry before it: it or the entry before it was altered, removed or moved`,
      );
    }
    previous = entryHash(previous, position, { ...e, uid: doc.member });
    recomputed.push(previous);
    if (brokenAt === undefined && previous !== e.hash) brokenAt = position;
  });

  const keys = createLocalJWKSet(jwks);
  const seen = new Set<string>();
  const signed: { claim: CheckpointClaim; signedAt: string }[] = [];
  for (const c of [...doc.checkpoints, ...earlier.flatMap((d) => d.checkpoints)]) {
    if (seen.has(c.jws)) continue;
    seen.add(c.jws);
    try {
      const { payload } = await jwtVerify(c.jws, keys, { typ: CHECKPOINT_TYP, algorithms: ['ES256'], issuer: doc.issuer });
      const claim = payload.access_log_checkpoint as CheckpointClaim;
      if (!claim || typeof claim !== 'object' || typeof claim.seq !== 'number' || typeof claim.head !== 'string') {
        throw new Error('no access_log_checkpoint claim');
      }
      if (claim.member !== doc.member)
        problems.push(`checkpoint at entry ${claim.seq}: signed for member ${claim.member}, not ${doc.member}`);
      else signed.push({ claim, signedAt: c.signed_at });
    } catch (err) {
      problems.push(`checkpoint at entry ${c.seq}: the signature or header does not verify (${(err as Error).message})`);
    }
  }
  const holds = (claim: CheckpointClaim) => claim.seq <= entries.length && recomputed[claim.seq - 1] === claim.head;
  // The entries a checkpoint that fails has to blame: those after the last one that holds before it.
  const held = signed.filter((c) => holds(c.claim)).map((c) => c.claim.seq);
  let verified = 0;
  let covered = 0;
  for (const { claim, signedAt } of signed.sort((x, y) => x.claim.seq - y.claim.seq)) {
    const label = `checkpoint signed ${signedAt} over ${claim.seq} entr${claim.seq === 1 ? 'y' : 'ies'}`;
    if (holds(claim)) {
      verified += 1;
      covered = Math.max(covered, claim.seq);
    } else if (claim.seq > entries.length) {
      problems.push(`${label}: the file holds only ${entries.length}: entries were removed`);
    } else {
      const from = Math.max(0, ...held.filter((n) => n < claim.seq)) + 1;
      const where =
        brokenAt !== undefined && brokenAt <= claim.seq
          ? `from entry ${brokenAt}`
          : from === claim.seq
            ? `entry ${from}`
            : `entries ${from} to ${claim.seq}`;
      problems.push(`${label}: the entries give another chain: ${where} were altered, removed or moved since it was signed`);
    }
  }
  return { ok: problems.length === 0, entries: entries.length, checkpointsVerified: verified, covered, problems };
}

function describe(e: ChainedEntry): string {
  const who = e.actor === 'member' ? 'you' : `connection ${e.nid ?? '?'}`;
  return `${e.action} of ${e.dataset} by ${who} at ${new Date(e.at * 1000).toISOString()}`;
}
