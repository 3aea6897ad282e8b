/** Kysely queries for `messages`: email and SMS the platform sends (or, in sandbox, keeps). */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../storage/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;
export type MessageStatus = 'sandbox' | 'queued' | 'sent' | 'failed';

export const messageStore = {
  /**
   * Inserts a row, then seals the body under a context naming that row's id (the id is only
   * known after the insert), so a body cannot be moved to another row and still open.
   */
  insert: async (
    db: Db,
    row: { channel: string; recipient: string; subject: string; status: MessageStatus; created_at: number },
    sealBody: (id: number) => string,
  ): Promise<number> => {
    const { id } = await db
      .insertInto('messages')
      .values({ ...row, body_enc: '' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .updateTable('messages')
      .set({ body_enc: sealBody(id) })
      .where('id', '=', id)
      .execute();
    return id;
  },

  setStatus: async (db: Db, id: number, status: MessageStatus) => {
    await db.updateTable('messages').set({ status }).where('id', '=', id).execute();
  },

  byStatus: (db: Db, status: MessageStatus, limit: number) =>
    db.selectFrom('messages').selectAll().where('status', '=', status).orderBy('id', 'desc').limit(limit).execute(),
};

export function messageContext(id: number): string {
  return `message|${id}`;
}
