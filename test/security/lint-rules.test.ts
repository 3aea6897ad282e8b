/**
 * The lint rules that close whole classes of bug (docs/security.md) really fire on src/ code:
 * a RegExp built at run time, and SQL LIKE in a query builder or in raw SQL; and the one that keeps
 * SQL in stores (docs/architecture.md): no query outside a *-store.ts file or storage/.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function ruleHits(code: string, filePath = 'src/pds/example.ts'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('lint rules against ReDoS and LIKE wildcards', () => {
  it('refuses a RegExp built from a value, with or without new', async () => {
    expect(await ruleHits('export const f = (s: string) => new RegExp(s).test("x");\n')).toHaveLength(1);
    expect(await ruleHits('export const f = (s: string) => RegExp(s, "i");\n')).toHaveLength(1);
  });

  it('allows regex literals', async () => {
    expect(await ruleHits('export const f = (s: string) => /^a+$/.test(s);\n')).toEqual([]);
  });

  it('refuses LIKE in a Kysely where clause, whatever its case', async () => {
    const code = `export const f = (db: any, k: string) => db.deleteFrom('t').where('key', 'like', k).execute();
export const g = (db: any, k: string) => db.selectFrom('t').where('key', 'NOT ILIKE', k).execute();\n`;
    // In a store, where queries belong: only the LIKE rule speaks.
    expect(await ruleHits(code, 'src/pds/example-store.ts')).toEqual([
      expect.stringMatching(/^No SQL LIKE/),
      expect.stringMatching(/^No SQL LIKE/),
    ]);
  });

  it('refuses LIKE and GLOB in raw sql templates', async () => {
    const code = `declare const sql: any;
export const a = (k: string) => sql\`select 1 from t where key like \${k}\`;
export const b = (k: string) => sql\`select 1 from t where key GLOB \${k}\`;\n`;
    expect(await ruleHits(code, 'src/storage/example.ts')).toEqual([
      expect.stringMatching(/^No SQL LIKE, GLOB/),
      expect.stringMatching(/^No SQL LIKE, GLOB/),
    ]);
  });

  it('keeps queries and raw SQL in stores and storage/', async () => {
    const query = "export const f = (db: any) => db.selectFrom('t').selectAll().execute();\n";
    const raw = 'declare const sql: any;\nexport const g = sql`select 1`;\n';
    expect(await ruleHits(query)).toEqual([expect.stringMatching(/^Queries belong in a \*-store\.ts file/)]);
    expect(await ruleHits(raw, 'src/web/example.ts')).toEqual([expect.stringMatching(/^Raw SQL belongs in a \*-store\.ts file/)]);
    expect(await ruleHits(query, 'src/members/example-store.ts')).toEqual([]);
    expect(await ruleHits(raw, 'src/storage/example.ts')).toEqual([]);
  });

  it('applies to src/ only: tests may build their own regexes', async () => {
    expect(await ruleHits('export const f = (s: string) => new RegExp(s);\n', 'test/example.test.ts')).toEqual([]);
  });
});
