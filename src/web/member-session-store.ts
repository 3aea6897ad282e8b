/**
 * Member web app sessions (ASVS 7.2, SE-02..04). The cookie holds a random 256-bit id; the
 * database holds only its SHA-256, so a copy of member_sessions cannot be replayed. A session
 * ends after `idleSeconds` without a request or `absoluteSeconds` after login, whichever first.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { randomSecret } from '../crypto/random.ts';
import type { Database } from '../storage/schema.ts';
import { newCsrfSecret } from './csrf.ts';

export interface SessionPolicy {
  idleSeconds: number;
  absoluteSeconds: number;
}

export interface MemberSession {
  idHash: string;
  uid: number;
  csrfSecret: string;
  createdAt: number;
  expiresAt: number;
}

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
    return { idHash: row.id_hash, uid: row.uid, csrfSecret: row.csrf_secret, createdAt: row.created_at, expiresAt };
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
      if (found) await trx.updateTable('member_sessions').set({ id_hash: nextHash }).where('id_hash', '=', oldHash).execute();
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

  private expiry(createdAt: number, now: number): number {
    return Math.min(now + this.policy.idleSeconds, createdAt + this.policy.absoluteSeconds);
  }
}
