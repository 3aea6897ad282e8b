import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

export const name = '0004-mydexid-any-case';

/**
 * MydexIDs are unique whatever their case: `Demo.Alice` may not sit beside `demo.alice`. A
 * MydexID is ASCII, so lower() agrees on SQLite and PostgreSQL. Existing data that already
 * collides stops the migration with a report, before anything changes: the operator decides
 * which account keeps its name (see docs/operations.md, "Migrations that refuse to run").
 */
export async function up(db: Kysely<unknown>, _d: Dialect): Promise<void> {
  const rows = await sql<{ uid: number; mydexid: string }>`select uid, mydexid from members order by uid`.execute(db);
  const byName = new Map<string, { uid: number; mydexid: string }[]>();
  for (const r of rows.rows) {
    const key = r.mydexid.toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), r]);
  }
  const clashes = [...byName.values()].filter((group) => group.length > 1);
  if (clashes.length) throw new MydexidCollisionError(clashes);
  await db.schema
    .createIndex('members_mydexid_any_case')
    .on('members')
    .unique()
    .expression(sql`lower(mydexid)`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('members_mydexid_any_case').execute();
}

export class MydexidCollisionError extends Error {
  constructor(readonly clashes: { uid: number; mydexid: string }[][]) {
    const lines = clashes.map((group) => `  - ${group.map((m) => `"${m.mydexid}" (uid ${m.uid})`).join(', ')}`);
    super(
      [
        `Migration ${name} refused: MydexIDs must be unique whatever their case, and ${clashes.length === 1 ? 'these differ' : `${clashes.length} groups differ`} only in case:`,
        ...lines,
        'Nothing was changed. Rename all but one member of each group (for example:',
        "  UPDATE members SET mydexid = 'demo.alice-2' WHERE uid = 7;",
        'and tell that member their new MydexID), then run `openpdx db migrate` again.',
      ].join('\n'),
    );
    this.name = 'MydexidCollisionError';
  }
}
