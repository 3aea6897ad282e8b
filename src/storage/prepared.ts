/**
 * Kysely rebuilds a query's operation tree and compiles it to SQL on every call; on the hottest
 * read path that costs about as much as SQLite running the (indexed, cached-statement) query.
 * `prepared` compiles a query once per SQL dialect and afterwards only swaps in the new values.
 *
 * On PostgreSQL the query also becomes a named prepared statement (statementName, used by
 * dialect.ts): each connection parses and plans it once, the first time it runs there, instead of
 * on every call. Their number is the number of `prepared` queries in the code, so a connection
 * never holds more than that.
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
type Param = string | number | null;

/** Where a prepared query runs. */
export interface QueryTarget {
  db: Db;
  dialect: DialectName;
  /**
   * DatabaseHandle.selectNow, for reads (SELECTs) outside any transaction: they then skip Kysely's
   * executor. Leave it out inside a transaction, whose own writes only `db` sees.
   */
  selectNow?: DatabaseHandle['selectNow'];
}

/** A prepared query: run it, or take its compiled form to run elsewhere (a side thread). */
export interface Prepared<P extends Param[], R> {
  (target: QueryTarget, ...params: P): Promise<R[]>;
  compiled(target: Pick<QueryTarget, 'db' | 'dialect'>, ...params: P): CompiledQuery<R>;
}

/** SQL text of each prepared query compiled for PostgreSQL, with its statement name. */
const statementNames = new Map<string, string>();
/**
 * Statements named, at most: far more than the code declares, so only a caller whose text varies
 * (a bug) could reach it, and then its statements simply go unnamed instead of filling every
 * connection.
 */
const MAX_NAMED = 256;

function nameStatement(sql: string): void {
  if (!statementNames.has(sql) && statementNames.size < MAX_NAMED) statementNames.set(sql, `openpdx_${statementNames.size + 1}`);
}

/**
 * `query` as one of the prepared statements on PostgreSQL: for a query whose text never varies but
 * whose values `prepared` cannot bind (arrays, say). Returns the query unchanged.
 */
export function asPreparedStatement<R>(query: CompiledQuery<R>): CompiledQuery<R> {
  nameStatement(query.sql);
  return query;
}

/** The name of the server-side prepared statement for `sql`, if it is one of the prepared queries. */
export function statementName(sql: string): string | undefined {
  return statementNames.get(sql);
}

export function prepared<P extends Param[], R>(build: (db: Db, ...params: P) => Compilable<R>): Prepared<P, R> {
  const compiledFor = new Map<DialectName, CompiledQuery<R>>();
  const compiled = ({ db, dialect }: Pick<QueryTarget, 'db' | 'dialect'>, ...params: P): CompiledQuery<R> => {
    let query = compiledFor.get(dialect);
    if (!query) {
      query = build(db, ...params).compile();
      // A statement prepared on a PostgreSQL connection may not change its result's columns, and
      // `*` would when a migration adds one while this process runs: prepared queries name theirs.
      if (/\bselect\s+(distinct\s+)?(\*|"?\w+"?\.\*)/i.test(query.sql)) {
        throw new Error(`a prepared query names its columns (no *): ${query.sql}`);
      }
      const bound = query.parameters;
      if (bound.length !== params.length || bound.some((v, i) => v !== params[i])) {
        throw new Error(`prepared query binds [${bound.join(', ')}], not exactly its arguments: ${query.sql}`);
      }
      compiledFor.set(dialect, query);
      if (dialect === 'postgres') nameStatement(query.sql);
    }
    return { ...query, parameters: params };
  };
  const run = async (target: QueryTarget, ...params: P): Promise<R[]> => {
    const bound = compiled(target, ...params);
    // selectNow's connection is read-only: only a SELECT outside a transaction goes there.
    if (target.selectNow && !target.db.isTransaction && bound.query.kind === 'SelectQueryNode') return target.selectNow(bound);
    return (await target.db.executeQuery<R>(bound)).rows;
  };
  return Object.assign(run, { compiled });
}
