/** Kysely queries for `messages`: email and SMS the platform sends (or, in sandbox, keeps). */
import { Store } from '../storage/store.ts';

export type MessageStatus = 'sandbox' | 'queued' | 'sent' | 'failed';

export class MessageStore extends Store {
  /**
   * Inserts a row, then seals the body under a context naming that row's id (the id is only
   * known after the insert), so a body cannot be moved to another row and still open.
   */
  async insert(
    row: { channel: string; recipient: string; subject: string; status: MessageStatus; created_at: number },
    sealBody: (id: number) => string,
  ): Promise<number> {
    const { id } = await this.db
      .insertInto('messages')
      .values({ ...row, body_enc: '' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.db
      .updateTable('messages')
      .set({ body_enc: sealBody(id) })
      .where('id', '=', id)
      .execute();
    return id;
  }

  async setStatus(id: number, status: MessageStatus) {
    await this.db.updateTable('messages').set({ status }).where('id', '=', id).execute();
  }

  byStatus(status: MessageStatus, limit: number) {
    return this.db.selectFrom('messages').selectAll().where('status', '=', status).orderBy('id', 'desc').limit(limit).execute();
  }
}

export function messageContext(id: number): string {
  return `message|${id}`;
}
