/** Kysely queries for one-time links (contract §4: registration, FTC and update links). */
import { sql, type Insertable, type Selectable } from 'kysely';
import { canonicalMydexid } from '../members/member-rules.ts';
import type { OneTimeLinkTable } from '../storage/schema.ts';
import { Store } from '../storage/store.ts';

export type LinkRow = Selectable<OneTimeLinkTable>;
export type LinkOutcome = 'connected' | 'rejected';

export class LinkStore extends Store {
  async insert(row: Insertable<OneTimeLinkTable>): Promise<void> {
    await this.db.insertInto('one_time_links').values(row).execute();
  }

  byHash(tokenHash: string) {
    return this.db.selectFrom('one_time_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  /**
   * Marks an unspent, unexpired link used; false when another request got there first. The
   * pending password hash goes with it: once the link is spent nothing needs it.
   */
  async spend(tokenHash: string, outcome: LinkOutcome, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('one_time_links')
      .set({ used_at: now, outcome, password_hash: null })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Which of a MydexID and an email an unexpired, unspent registration link already claims. */
  async pendingRegistrationClaims(mydexid: string, email: string, now: number) {
    const rows = await this.db
      .selectFrom('one_time_links')
      .select(['mydexid', 'email'])
      .where('kind', '=', 'register')
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .where((eb) => eb.or([eb(sql<string>`lower(mydexid)`, '=', canonicalMydexid(mydexid)), eb('email', '=', email)]))
      .execute();
    return {
      mydexid: rows.some((r) => r.mydexid !== null && canonicalMydexid(r.mydexid) === canonicalMydexid(mydexid)),
      email: rows.some((r) => r.email === email),
    };
  }
}
