/**
 * Kysely rebuilds a query's operation tree and compiles it to SQL on every call; on the hottest
 * read path that costs about as much as SQLite running the (indexed, cached-statement) query.
 * `prepared` compiles a query once per SQL dialect and afterwards only swaps in the new values.
 *
 * Only for queries whose shape never varies and whose every parameter is one of the builder's
 * arguments: the first compilation checks that the SQL's bound parameters are exactly the
 * arguments, in order, and throws otherwise, so a builder that inlines or reorders values fails
 * at once instead of reading the wrong rows.
 */
import type { Compilable, CompiledQuery, Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { DatabaseHandle, DialectName } from './dialect.ts';

type Db = Kysely<Database> | Transaction<Database>;
type Param = string | number;

/** Where a prepared query runs. */
export interface QueryTarget {
  db: Db;
  dialect: DialectName;
  /**
   * DatabaseHandle.selectNow, for reads outside any transaction: they then skip Kysely's
   * executor. Leave it out inside a transaction, whose own writes only `db` sees.
   */
  selectNow?: DatabaseHandle['selectNow'];
}

export function prepared<P extends Param[], R>(
  build: (db: Db, ...params: P) => Compilable<R>,
): (target: QueryTarget, ...params: P) => Promise<R[]> {
  const compiled = new Map<DialectName, CompiledQuery<R>>();
  return async ({ db, dialect, selectNow }, ...params) => {
    let query = compiled.get(dialect);
    if (!query) {
      query = build(db, ...params).compile();
      const bound = query.parameters;
      if (bound.length !== params.length || bound.some((v, i) => v !== params[i])) {
        throw new Error(`prepared query binds [${bound.join(', ')}], not exactly its arguments: ${query.sql}`);
      }
      compiled.set(dialect, query);
    }
    const bound = { ...query, parameters: params };
    if (selectNow && !db.isTransaction) return selectNow(bound);
    return (await db.executeQuery<R>(bound)).rows;
  };
}
