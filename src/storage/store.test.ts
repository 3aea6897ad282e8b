/** Store.in: the same store, over the caller's transaction. */
import { expect, it } from 'vitest';
import { openTestDatabase } from '../../test/harness.ts';
import { Store } from './store.ts';

class OrganisationNames extends Store {
  async add(name: string): Promise<void> {
    await this.db.insertInto('organisations').values({ name, created_at: 1 }).execute();
  }

  async all(): Promise<string[]> {
    return (await this.db.selectFrom('organisations').select('name').orderBy('id').execute()).map((r) => r.name);
  }
}

it('Store.in is the same store class, whose queries join the transaction', async () => {
  const t = await openTestDatabase();
  try {
    const names = new OrganisationNames(t.handle.db);
    await names.add('kept');
    const rolledBack = t.handle.db.transaction().execute(async (trx) => {
      const inTrx = names.in(trx);
      expect(inTrx).toBeInstanceOf(OrganisationNames);
      await inTrx.add('rolled back');
      expect(await inTrx.all()).toEqual(['kept', 'rolled back']);
      throw new Error('roll back');
    });
    await expect(rolledBack).rejects.toThrow('roll back');
    expect(await names.all()).toEqual(['kept']);
  } finally {
    await t.close();
  }
});
