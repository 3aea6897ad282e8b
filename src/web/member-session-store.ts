/**
 * Member web app sessions (ASVS 7.2, SE-02..04). The cookie holds a random 256-bit id; the
 * database holds only its SHA-256, so a copy of member_sessions cannot be replayed. A session
 * ends after `idleSeconds` without a request or `absoluteSeconds` after login, whichever first.
 */
import { hkdfSync } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import { open, seal } from '../crypto/aead.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { DataKeyRing } from '../members/key-ring.ts';
import { randomSecret } from '../crypto/random.ts';
import type { Database } from '../storage/schema.ts';
import { newCsrfSecret } from './csrf.ts';

export interface SessionPolicy {
  idleSeconds: number;
  absoluteSeconds: number;
  /** how long "My data" stays unlocked without use */
  unlockIdleSeconds: number;
}

export interface MemberSession {
  idHash: string;
  uid: number;
  csrfSecret: string;
  createdAt: number;
  expiresAt: number;
  /** when "My data" locks again; undefined while it is locked */
  unlockedUntil?: number | undefined;
}

/**
 * The key that seals the data keys held for an unlock window: derived from the session id, which
 * only the member's cookie holds (the database keeps its SHA-256), so a copy of the database
 * cannot open them.
 */
function unlockKey(id: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(id, 'utf8'), Buffer.alloc(0), 'openpdx member-session unlock', 32));
}
const unlockContext = (uid: number, idHash: string) => `unlock|${uid}|${idHash}`;

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
/** Sliding the idle expiry costs a write; skip it while the stored expiry is this fresh. */
const SLIDE_GRANULARITY = 60;

export class MemberSessions {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly policy: SessionPolicy,
  ) {}

  /** A new session; `id` goes in the cookie and nowhere else. */
  async create(uid: number): Promise<{ id: string; session: MemberSession }> {
    const now = this.clock.now();
    const id = randomSecret();
    const session: MemberSession = {
      idHash: sha256Hex(id),
      uid,
      csrfSecret: newCsrfSecret(),
      createdAt: now,
      expiresAt: this.expiry(now, now),
    };
    // Expired sessions are swept here rather than by a timer: logins are the natural cadence.
    await this.db.deleteFrom('member_sessions').where('expires_at', '<=', now).execute();
    await this.db
      .insertInto('member_sessions')
      .values({
        id_hash: session.idHash,
        uid,
        csrf_secret: session.csrfSecret,
        created_at: now,
        expires_at: session.expiresAt,
      })
      .execute();
    return { id, session };
  }

  /** The live session for a cookie value, its idle expiry pushed forward; undefined otherwise. */
  async resolve(id: string | undefined): Promise<MemberSession | undefined> {
    if (!id || !SESSION_ID.test(id)) return undefined;
    const now = this.clock.now();
    const row = await this.db.selectFrom('member_sessions').selectAll().where('id_hash', '=', sha256Hex(id)).executeTakeFirst();
    if (!row) return undefined;
    if (row.expires_at <= now || row.created_at + this.policy.absoluteSeconds <= now) {
      await this.db.deleteFrom('member_sessions').where('id_hash', '=', row.id_hash).execute();
      return undefined;
    }
    const expiresAt = this.expiry(row.created_at, now);
    if (expiresAt - row.expires_at >= SLIDE_GRANULARITY) {
      await this.db.updateTable('member_sessions').set({ expires_at: expiresAt }).where('id_hash', '=', row.id_hash).execute();
    }
    const unlockedUntil = row.unlocked_until !== null && row.unlocked_until > now ? row.unlocked_until : undefined;
    return {
      idHash: row.id_hash,
      uid: row.uid,
      csrfSecret: row.csrf_secret,
      createdAt: row.created_at,
      expiresAt,
      unlockedUntil,
    };
  }

  /**
   * Holds the member's data keys for the unlock window, sealed under the session id; returns when
   * the window ends (`policy.unlockIdleSeconds` from now, and never after the session).
   */
  async holdKeys(id: string, session: MemberSession, ring: DataKeyRing): Promise<number> {
    const until = this.unlockExpiry(session, this.clock.now());
    const entries = ring.datasets().map((dataset) => {
      const { key, version } = ring.get(dataset)!;
      return [dataset, version, key.toString('base64')];
    });
    const key = unlockKey(id);
    try {
      const sealed = seal(key, JSON.stringify(entries), unlockContext(session.uid, session.idHash));
      await this.db
        .updateTable('member_sessions')
        .set({ unlocked_keys: sealed, unlocked_until: until })
        .where('id_hash', '=', session.idHash)
        .execute();
    } finally {
      key.fill(0);
    }
    return until;
  }

  /**
   * The data keys held for this session while its window is open, the window pushed forward by
   * this use; undefined when locked. The caller wipes the ring when done.
   */
  async heldKeys(id: string, session: MemberSession): Promise<{ ring: DataKeyRing; until: number } | undefined> {
    const now = this.clock.now();
    if (session.unlockedUntil === undefined || session.unlockedUntil <= now) return undefined;
    const row = await this.db
      .selectFrom('member_sessions')
      .select(['unlocked_keys', 'unlocked_until'])
      .where('id_hash', '=', session.idHash)
      .executeTakeFirst();
    if (!row?.unlocked_keys || row.unlocked_until === null || row.unlocked_until <= now) return undefined;
    const key = unlockKey(id);
    const ring = new DataKeyRing();
    try {
      const entries = JSON.parse(open(key, row.unlocked_keys, unlockContext(session.uid, session.idHash)).toString('utf8')) as [
        string,
        number,
        string,
      ][];
      for (const [dataset, version, k] of entries) ring.set(dataset, Buffer.from(k, 'base64'), version);
    } catch {
      // Sealed under another id (a rotation raced this request) or damaged: locked.
      ring.wipe();
      return undefined;
    } finally {
      key.fill(0);
    }
    const until = this.unlockExpiry(session, now);
    if (until > row.unlocked_until) {
      await this.db.updateTable('member_sessions').set({ unlocked_until: until }).where('id_hash', '=', session.idHash).execute();
    }
    return { ring, until: Math.max(until, row.unlocked_until) };
  }

  /** Locks "My data": the held keys are deleted. */
  async dropKeys(session: MemberSession): Promise<void> {
    await this.db
      .updateTable('member_sessions')
      .set({ unlocked_keys: null, unlocked_until: null })
      .where('id_hash', '=', session.idHash)
      .execute();
  }

  /**
   * The same session under a new id (SE-02: when the Private Key has been entered). The old id stops
   * working at once; the session keeps its start (absolute timeout), idle expiry and CSRF secret,
   * so the member's other open forms still post.
   */
  async rotate(id: string | undefined): Promise<{ id: string; session: MemberSession } | undefined> {
    if (!id || !SESSION_ID.test(id)) return undefined;
    const oldHash = sha256Hex(id);
    const next = randomSecret();
    const nextHash = sha256Hex(next);
    const row = await this.db.transaction().execute(async (trx) => {
      const found = await trx.selectFrom('member_sessions').selectAll().where('id_hash', '=', oldHash).executeTakeFirst();
      // Keys held for an unlock window were sealed under the old id: they go with it.
      if (found) {
        await trx
          .updateTable('member_sessions')
          .set({ id_hash: nextHash, unlocked_keys: null, unlocked_until: null })
          .where('id_hash', '=', oldHash)
          .execute();
      }
      return found;
    });
    if (!row) return undefined;
    return {
      id: next,
      session: {
        idHash: nextHash,
        uid: row.uid,
        csrfSecret: row.csrf_secret,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      },
    };
  }

  async destroy(id: string | undefined): Promise<void> {
    if (!id || !SESSION_ID.test(id)) return;
    await this.db.deleteFrom('member_sessions').where('id_hash', '=', sha256Hex(id)).execute();
  }

  /** After a password change: every other browser of the member is signed out. */
  async destroyOthers(uid: number, keep: MemberSession): Promise<void> {
    await this.db.deleteFrom('member_sessions').where('uid', '=', uid).where('id_hash', '!=', keep.idHash).execute();
  }

  /** An unlock window's end: `unlockIdleSeconds` from now, never after the session's own end. */
  private unlockExpiry(session: MemberSession, now: number): number {
    return Math.min(now + this.policy.unlockIdleSeconds, session.createdAt + this.policy.absoluteSeconds);
  }

  private expiry(createdAt: number, now: number): number {
    return Math.min(now + this.policy.idleSeconds, createdAt + this.policy.absoluteSeconds);
  }
}
