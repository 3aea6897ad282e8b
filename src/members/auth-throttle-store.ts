/**
 * Back-off and lock-out for passwords and Private Keys (ASVS 6.1.1/6.3.1), shared by every
 * process through the auth_throttle table. Each attempt is charged *before* the slow check, in
 * one atomic upsert, so a burst of parallel guesses cannot all slip in under the limit; a success
 * refunds the charge. The keys are named by src/members/throttle-keys.ts.
 */
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Database } from '../storage/schema.ts';

export interface ThrottleRule {
  /** failures within the window that lock the key */
  limit: number;
  windowSeconds: number;
  lockSeconds: number;
}

const FIFTEEN_MINUTES = 15 * 60;
export const LOGIN_RULE: ThrottleRule = { limit: 5, windowSeconds: FIFTEEN_MINUTES, lockSeconds: FIFTEEN_MINUTES };
export const LOGIN_ADDRESS_RULE: ThrottleRule = { limit: 20, windowSeconds: FIFTEEN_MINUTES, lockSeconds: FIFTEEN_MINUTES };
/** Each registration costs two Argon2id hashes: at most 10 accounts an hour from one address. */
export const REGISTER_ADDRESS_RULE: ThrottleRule = { limit: 10, windowSeconds: 3600, lockSeconds: 3600 };
/** Each ask may send an email: at most 10 asks for password reset codes an hour from one address. */
export const RESET_ADDRESS_RULE: ThrottleRule = { limit: 10, windowSeconds: 3600, lockSeconds: 3600 };
export const PRIVATE_KEY_RULE: ThrottleRule = { limit: 5, windowSeconds: FIFTEEN_MINUTES, lockSeconds: FIFTEEN_MINUTES };

export type AttemptVerdict = { allowed: true } | { allowed: false; until: number };

export class AuthThrottle {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Charges one attempt to every key; refused (and nothing charged) if any key is locked. */
  async attempt(keys: readonly (readonly [string, ThrottleRule])[]): Promise<AttemptVerdict> {
    const locked = await this.lockedUntil(keys.map(([k]) => k));
    if (locked !== undefined) return { allowed: false, until: locked };
    let until: number | undefined;
    for (const [key, rule] of keys) {
      const u = await this.charge(key, rule);
      if (u !== undefined) until = Math.max(until ?? 0, u);
    }
    return until === undefined ? { allowed: true } : { allowed: false, until };
  }

  /** The attempt failed: a key whose failures reached its limit is locked. */
  async failed(keys: readonly (readonly [string, ThrottleRule])[]): Promise<number | undefined> {
    const now = this.clock.now();
    let until: number | undefined;
    for (const [key, rule] of keys) {
      const row = await this.db
        .updateTable('auth_throttle')
        .set({ locked_until: now + rule.lockSeconds })
        .where('key', '=', key)
        .where('failures', '>=', rule.limit)
        .where('locked_until', '<=', now)
        .returning('locked_until')
        .executeTakeFirst();
      if (row) until = Math.max(until ?? 0, row.locked_until);
    }
    return until;
  }

  /** The attempt succeeded: its charge is refunded (an account key is cleared outright). */
  async succeeded(refund: readonly string[], clear: readonly string[] = []): Promise<void> {
    for (const key of clear) await this.db.deleteFrom('auth_throttle').where('key', '=', key).execute();
    for (const key of refund) {
      await this.db
        .updateTable('auth_throttle')
        .set({ failures: sql<number>`case when failures > 0 then failures - 1 else 0 end` })
        .where('key', '=', key)
        .execute();
    }
  }

  async lockedUntil(keys: readonly string[]): Promise<number | undefined> {
    if (keys.length === 0) return undefined;
    const now = this.clock.now();
    const row = await this.db
      .selectFrom('auth_throttle')
      .select((eb) => eb.fn.max('locked_until').as('until'))
      .where('key', 'in', keys)
      .where('locked_until', '>', now)
      .executeTakeFirst();
    return row?.until ? Number(row.until) : undefined;
  }

  /** One atomic increment; returns the lock expiry when this charge went over the limit. */
  private async charge(key: string, rule: ThrottleRule): Promise<number | undefined> {
    const now = this.clock.now();
    const stale = sql<boolean>`(auth_throttle.window_start <= ${now - rule.windowSeconds} or (auth_throttle.locked_until <> 0 and auth_throttle.locked_until <= ${now}))`;
    const row = await this.db
      .insertInto('auth_throttle')
      .values({ key, failures: 1, window_start: now, locked_until: 0 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql<number>`case when ${stale} then 1 else auth_throttle.failures + 1 end`,
          window_start: sql<number>`case when ${stale} then ${now} else auth_throttle.window_start end`,
          locked_until: sql<number>`case when ${stale} then 0 else auth_throttle.locked_until end`,
        }),
      )
      .returning(['failures'])
      .executeTakeFirstOrThrow();
    if (row.failures <= rule.limit) return undefined;
    const until = now + rule.lockSeconds;
    await this.db.updateTable('auth_throttle').set({ locked_until: until }).where('key', '=', key).execute();
    return until;
  }
}
