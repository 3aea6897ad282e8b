/**
 * The one file that knows which SQL engine is underneath (with sqlite-connection.ts, how Kysely
 * reaches a SQLite file). Everything else (stores, migrations) speaks Kysely and asks this file for
 * the few things that differ.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, type Transaction, sql, type ColumnDefinitionBuilder } from 'kysely';
import pg from 'pg';
import { SqliteRowAppender, type SideJob, type SideJobResult } from './row-appender.ts';
import { GroupCommit } from './group-commit.ts';
import { RetryingSqliteDialect, SQLITE_LOCK_WAIT_MS, SqliteReader, withStatementCache } from './sqlite-connection.ts';
import { statementName } from './prepared.ts';
import { appendChained, ChainAppender, type AccessLogEntry } from './access-log-chain.ts';
import type { Database } from './schema.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Dialect {
  name: DialectName;
  /** An auto-incrementing integer primary key column. */
  autoId(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  autoIdType: 'integer' | 'serial';
  /** True when `err` is a unique-constraint violation. */
  isUniqueViolation(err: unknown): boolean;
  /**
   * True when the database refused a value itself (PostgreSQL's class 22, "data exception": an
   * integer out of range, a NUL in text…). The edge should have refused it first; this is the net.
   */
  isRejectedValue(err: unknown): boolean;
  /**
   * Why the database could not serve a call through no fault of the call: `unreachable` (no
   * connection, a restart, an admin shutdown, a lock held too long) or `full` (no space or
   * resources to store). Undefined for every other error.
   */
  outage(err: unknown): Outage | undefined;
}

export type Outage = 'unreachable' | 'full';

/** What a PostgreSQL connection pool is doing now (for metrics). */
export interface PoolUse {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  /** File path of the SQLite database, undefined on PostgreSQL. */
  sqlitePath: string | undefined;
  /** PostgreSQL: the schema the connection works in (requested, or the search_path's); undefined on SQLite. */
  pgSchema: string | undefined;
  /**
   * Appends entries to the access log's hash chain (access-log-chain.ts) with relaxed durability:
   * committed before it resolves and safe from a crash of this process, but the last commits may
   * be lost if the machine itself loses power (SQLite: synchronous=NORMAL on a second connection,
   * in its own thread; PostgreSQL: synchronous_commit off, on sessions of its own). For the read
   * access log; data and the log entries of data writes keep full durability in their own
   * transactions. All of the entries are appended, or none.
   */
  appendAccessLog(entries: AccessLogEntry[]): Promise<void>;
  /**
   * Runs one compiled read-only query outside any transaction. On a SQLite file it runs on a second,
   * read-only connection with cached statements, synchronously (better-sqlite3 is synchronous in
   * any case): it never queues behind Kysely's one connection and the transactions that hold it,
   * and WAL mode gives it the latest committed state. Elsewhere it is `db.executeQuery`.
   * Never for reads that must see a transaction's own uncommitted writes: use the transaction.
   */
  selectNow<R>(query: CompiledQuery<R>): Promise<R[]>;
  /**
   * Runs `fn` in a durable write transaction, all of it or none, and resolves once it is committed.
   * On SQLite, writes that arrive together share one transaction and one disk sync, each in a
   * savepoint of its own (group-commit.ts); on PostgreSQL each is a transaction of its own.
   */
  writeTransaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** PostgreSQL: what the main connection pool is doing now (for metrics); absent on SQLite. */
  poolUse?: () => PoolUse;
  /**
   * On a SQLite file only: sealed reads and relaxed access log appends run together in one batch on the
   * appender's thread (row-appender.ts), off the event loop; the appended entries have the same
   * durability as appendAccessLog's. Undefined elsewhere: read with selectNow and append with
   * appendAccessLog instead.
   */
  runSideJobs?: (jobs: readonly (SideJob & { rows: readonly AccessLogEntry[] })[]) => Promise<SideJobResult[]>;
  close(): Promise<void>;
}

// int8 (bigint) columns hold unix seconds and counters well inside 2^53: read them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));

const sqliteDialect: Dialect = {
  name: 'sqlite',
  autoId: (col) => col.primaryKey().autoIncrement(),
  autoIdType: 'integer',
  isUniqueViolation: (err) =>
    typeof err === 'object' && err !== null && String((err as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT'),
  isRejectedValue: (err) => errorCode(err) === 'SQLITE_MISMATCH' || errorCode(err) === 'SQLITE_TOOBIG',
  outage: (err) => {
    const code = errorCode(err);
    if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_NOMEM') return 'full';
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY' || code === 'SQLITE_CANTOPEN') return 'unreachable';
    if (code.startsWith('SQLITE_READONLY')) return 'full';
    return undefined;
  },
};

const postgresDialect: Dialect = {
  name: 'postgres',
  autoId: (col) => col.primaryKey(),
  autoIdType: 'serial',
  isUniqueViolation: (err) => errorCode(err) === '23505',
  isRejectedValue: (err) => /^22[0-9A-Z]{3}$/.test(errorCode(err)),
  outage: (err) => {
    const code = errorCode(err);
    // Class 53: insufficient resources (disk full, out of memory, too many connections).
    if (code.startsWith('53')) return 'full';
    // Class 08: connection exceptions; 57P01-57P03: admin/crash shutdown, cannot connect now;
    // 58030: I/O error; then the socket's own errors and pg's messages for a dropped connection.
    if (code.startsWith('08') || /^57P0[123]$/.test(code) || code === '58030') return 'unreachable';
    if (SOCKET_ERRORS.has(code)) return 'unreachable';
    const message = err instanceof Error ? err.message : '';
    return PG_CONNECTION_LOST.some((m) => message.includes(m)) ? 'unreachable' : undefined;
  },
};

const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** node-postgres reports a lost or unobtainable connection in these words, without a code. */
const PG_CONNECTION_LOST = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection ended unexpectedly',
];

function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null ? String((err as { code?: unknown }).code) : '';
}

/**
 * The database file is created 0600 in a folder created 0700, before SQLite opens it: SQLite gives
 * its -wal and -shm files the database file's own permissions, so none is readable by other users.
 * An existing file or folder keeps the mode its operator gave it.
 */
function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
}

/** The outage an error opening or using the database at `url` shows, if any. */
export function databaseOutage(url: string, err: unknown): Outage | undefined {
  return (isPostgresUrl(url) ? postgresDialect : sqliteDialect).outage(err);
}

function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

function sqliteFilePath(url: string): string {
  if (url === ':memory:') return url;
  return resolve(url.replace(/^sqlite:(\/\/)?/, ''));
}

export interface OpenOptions {
  /** PostgreSQL only: a schema to create and use (tests isolate themselves with it). */
  pgSchema?: string;
  poolSize?: number;
  /**
   * PostgreSQL only: the queries declared with `prepared` (prepared.ts) go as named prepared
   * statements, parsed and planned once per connection (default true; see PreparingClient).
   */
  pgPreparedStatements?: boolean;
  /** SQLite only: how long a statement waits for another connection's write lock (ms). */
  sqliteLockWaitMs?: number;
  /**
   * PostgreSQL only: told when an idle pooled connection fails (PostgreSQL restarted or went
   * away). Without a listener node-postgres would throw the error and end the process; with one
   * the dead connection is dropped and the next query opens a new one.
   */
  onConnectionError?: (err: Error) => void;
}

/**
 * node-postgres's client, sending each query declared with `prepared` (prepared.ts) as a named
 * prepared statement: PostgreSQL parses and plans it once per connection, the first time it runs
 * there, instead of on every call (on a one-row write that is most of the server's work for the
 * statement). Kysely sends every query as `query(text, values)`; any other query goes as before.
 * The statements are as many as the prepared queries in the code, so a connection never holds more.
 */
class PreparingClient extends pg.Client {}
const plainQuery = pg.Client.prototype.query;
PreparingClient.prototype.query = function (this: pg.Client, text: unknown, values?: unknown, callback?: unknown) {
  const name = typeof text === 'string' && Array.isArray(values) ? statementName(text) : undefined;
  return name
    ? (plainQuery as (...args: unknown[]) => unknown).call(this, { name, text, values }, callback)
    : (plainQuery as (...args: unknown[]) => unknown).call(this, text, values, callback);
} as typeof plainQuery;

/** How long a query waits for a PostgreSQL connection before failing (an outage is then a 503, not a hang). */
const PG_CONNECT_TIMEOUT_MS = 5000;

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<DatabaseHandle> {
  if (isPostgresUrl(url)) {
    const schemaName = options.pgSchema;
    if (schemaName !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schemaName)) throw new Error('bad schema name');
    const searchPath = schemaName ? `-c search_path=${schemaName}` : undefined;
    const common = { connectionString: url, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS, keepAlive: true };
    const pool = new pg.Pool({
      ...common,
      max: options.poolSize ?? 10,
      options: searchPath,
      ...(options.pgPreparedStatements === false ? {} : { Client: PreparingClient }),
    });
    // appendAccessLog's own sessions, synchronous_commit off for every statement (no SET LOCAL in
    // each append's transaction).
    const relaxedOptions = ['-c synchronous_commit=off', searchPath].filter(Boolean).join(' ');
    const relaxedPool = new pg.Pool({ ...common, max: 2, options: relaxedOptions });
    // node-postgres emits 'error' on a connection PostgreSQL drops (a restart, an admin shutdown).
    // An idle one is the pool's to report, through its own 'error' event; a checked-out one would
    // throw and end the process, though its query already fails with the same error (a 503) and the
    // pool discards it on release. So every connection gets a listener from birth.
    const onError = options.onConnectionError ?? (() => {});
    for (const p of [pool, relaxedPool]) {
      p.on('error', onError);
      p.on('connect', (client) => client.on('error', () => {}));
    }
    // Fail fast and loudly when PostgreSQL is unreachable (openpdx start waits and retries).
    let workingSchema = schemaName;
    try {
      const client = await pool.connect();
      try {
        if (schemaName) await client.query(`create schema if not exists ${schemaName}`);
        // The schema the connection works in (a search_path in the URL's options, or the role's
        // default), named so the migrator keeps its own tables there: unnamed, Kysely would take
        // another schema's migration tables for this one's.
        else workingSchema = (await client.query<{ s: string | null }>('select current_schema() as s')).rows[0]?.s ?? undefined;
      } finally {
        client.release();
      }
    } catch (err) {
      await Promise.all([pool.end(), relaxedPool.end()]);
      throw err;
    }
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const relaxed = new Kysely<Database>({ dialect: new PostgresDialect({ pool: relaxedPool }) });
    const chain = new ChainAppender(relaxed, postgresDialect.isUniqueViolation);
    return {
      db,
      dialect: postgresDialect,
      sqlitePath: undefined,
      pgSchema: workingSchema,
      appendAccessLog: (entries) => chain.append(entries),
      selectNow: async (query) => (await db.executeQuery(query)).rows,
      writeTransaction: (fn) => db.transaction().execute(fn),
      poolUse: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max }),
      close: async () => {
        await Promise.all([db.destroy(), relaxed.destroy()]);
      },
    };
  }
  const path = sqliteFilePath(url);
  if (path !== ':memory:') createPrivateFile(path);
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; FULL also survives power loss.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // No blocking busy wait: a locked database is retried without stalling the event loop (below).
  sqlite.pragma('busy_timeout = 0');
  // Freed pages are overwritten so that erased members' ciphertext does not linger in the file.
  sqlite.pragma('secure_delete = ON');
  // Savepoint journals in memory. Group commit gives each write of a transaction a savepoint, and
  // SQLite keeps the pages those savepoints change in a journal that, past 64 KiB, spills to a
  // temporary file: a file created, written and deleted for nearly every commit, several system
  // calls a write. In memory it costs at most the pages one transaction changes.
  sqlite.pragma('temp_store = MEMORY');
  const lockWaitMs = options.sqliteLockWaitMs ?? SQLITE_LOCK_WAIT_MS;
  const db = new Kysely<Database>({ dialect: new RetryingSqliteDialect({ database: withStatementCache(sqlite) }, lockWaitMs) });
  // An in-memory database exists on this connection only: no second thread can reach it.
  const appender = path === ':memory:' ? undefined : new SqliteRowAppender({ path, lockWaitMs, synchronous: 'NORMAL' });
  const reader = path === ':memory:' ? undefined : new SqliteReader(path, lockWaitMs);
  const writes = new GroupCommit(db);
  return {
    db,
    dialect: sqliteDialect,
    sqlitePath: path === ':memory:' ? undefined : path,
    pgSchema: undefined,
    appendAccessLog: async (entries) => {
      if (appender) await appender.append(entries);
      else await db.transaction().execute((trx) => appendChained(trx, entries));
    },
    selectNow: async (query) => (reader ? reader.select(query) : (await db.executeQuery(query)).rows),
    writeTransaction: (fn) => writes.run(fn),
    runSideJobs: appender ? (jobs) => appender.run(jobs) : undefined,
    async close() {
      reader?.close();
      await appender?.close();
      await db.destroy();
    },
  };
}

/** Drops a test schema (PostgreSQL) — used by the test harness only. */
export async function dropPgSchema(url: string, schemaName: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schemaName} cascade`);
  } finally {
    await client.end();
  }
}

export { sql };

/**
 * Row locks for read-modify-write inside a transaction: PostgreSQL needs `FOR UPDATE`; SQLite has
 * no such clause and needs none, because a write transaction there holds the database lock.
 */
export function forUpdate<QB extends { forUpdate(): QB }>(dialect: Dialect, qb: QB): QB {
  return dialect.name === 'postgres' ? qb.forUpdate() : qb;
}
