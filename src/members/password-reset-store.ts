/** The queries of "Forgot password" (password-reset-service.ts): table password_resets. */
import { Store } from '../storage/store.ts';

export class PasswordResetStore extends Store {
  /** Codes made for the member since `since` (unix seconds). */
  async madeSince(uid: number, since: number): Promise<number> {
    const row = await this.db
      .selectFrom('password_resets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('uid', '=', uid)
      .where('created_at', '>', since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insert(row: { uid: number; code_hash: string; created_at: number; expires_at: number }): Promise<void> {
    await this.db.insertInto('password_resets').values(row).execute();
  }

  /** The member's codes that are neither used nor expired. */
  live(uid: number, now: number) {
    return this.db
      .selectFrom('password_resets')
      .select(['id', 'code_hash'])
      .where('uid', '=', uid)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .execute();
  }

  /** Marks the code used, in one conditional update: true for the one caller that did. */
  async spend(id: number, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('password_resets')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** After a reset: the member's other codes, and every session, end. */
  async afterReset(uid: number, spentId: number): Promise<void> {
    await this.db.deleteFrom('password_resets').where('uid', '=', uid).where('id', '!=', spentId).execute();
    await this.db.deleteFrom('member_sessions').where('uid', '=', uid).execute();
  }
}
