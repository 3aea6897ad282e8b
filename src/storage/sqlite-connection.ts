/**
 * How Kysely and the server reach a SQLite file (opened in dialect.ts): a driver that waits for
 * another connection's write lock without blocking the event loop, a compiler that keeps cached
 * statements compiled, the read-only connection behind `selectNow`, and the statement cache they
 * share.
 */
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type LimitNode,
  type QueryCompiler,
} from 'kysely';

/** How long a statement waits for another process's write lock before failing (as busy_timeout did). */
export const SQLITE_LOCK_WAIT_MS = 5000;

/**
 * better-sqlite3 is synchronous, so SQLite's own busy timeout would sleep the whole event loop
 * while another process (a second `openpdx start` worker, an admin command) holds the write lock.
 * Instead the busy timeout is 0 and a statement that meets a lock is retried asynchronously, first
 * on the next turn of the loop, then every millisecond, for up to SQLITE_LOCK_WAIT_MS. Write
 * transactions start with BEGIN IMMEDIATE, so the lock is taken (or waited for) at BEGIN and no
 * statement inside a transaction can meet one; autocommit statements are retried whole.
 */
class RetryingSqliteDriver extends SqliteDriver {
  private readonly wrappers = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    config: ConstructorParameters<typeof SqliteDriver>[0],
    private readonly lockWaitMs: number,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    let outer = this.wrappers.get(inner);
    if (!outer) {
      outer = {
        executeQuery: <R>(query: CompiledQuery) => retryWhileBusy(() => inner.executeQuery<R>(query), this.lockWaitMs),
        streamQuery: (query, chunkSize) => inner.streamQuery(query, chunkSize),
      };
      this.wrappers.set(inner, outer);
    }
    return outer;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  /**
   * After SQLITE_FULL, SQLITE_IOERR or SQLITE_NOMEM, SQLite has already rolled the transaction
   * back itself; ROLLBACK then fails, and that error would replace the real one (a full disk
   * reported as "cannot rollback - no transaction is active"). Nothing is left to undo: ignore it.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('no transaction is active'))) throw err;
    }
  }
}

export class RetryingSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly lockWaitMs: number,
  ) {
    super(config);
  }
  override createDriver(): SqliteDriver {
    return new RetryingSqliteDriver(this.config, this.lockWaitMs);
  }
  override createQueryCompiler(): QueryCompiler {
    return new StableLimitCompiler();
  }
}

/**
 * Writes `limit +?` where Kysely writes `limit ?`. SQLite reads a bare `LIMIT ?` as a parameter
 * that may change the query plan, so binding it (every run of a cached statement does) expires the
 * statement and SQLite parses and plans it again on every run: about 7 µs on even a small query,
 * several times the query itself. `+?` is the same number, but an expression the planner does not
 * look into, so a cached statement stays compiled. (OFFSET is not affected.)
 */
class StableLimitCompiler extends SqliteQueryCompiler {
  protected override visitLimit(node: LimitNode): void {
    this.append('limit +');
    this.visitNode(node.limit);
  }
}

function isBusy(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  // SQLITE_BUSY_SNAPSHOT is not retryable (the transaction read a stale snapshot); IMMEDIATE avoids it.
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY';
}

async function retryWhileBusy<T>(run: () => Promise<T>, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      await new Promise<void>((resolve) => (attempt < 3 ? setImmediate(resolve) : setTimeout(resolve, 1)));
    }
  }
}

/**
 * The read-only connection behind `selectNow` on SQLite, opened on first use (the main connection
 * has created the file and its WAL by then). Going through Kysely costs a read about as much again
 * as SQLite's own work: its connection mutex, query executor and result promises. A statement that
 * meets SQLITE_BUSY (in WAL mode a reader only can while another connection rebuilds the WAL index)
 * is retried like any other, within the same lock wait.
 */
export class SqliteReader {
  private connection: SqliteDatabase.Database | undefined;
  private statements: ReturnType<typeof withStatementCache> | undefined;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly lockWaitMs: number,
  ) {}

  select<R>(query: CompiledQuery<R>): Promise<R[]> {
    const run = () => Promise.resolve(this.statement(query.sql).all(query.parameters as unknown[]) as R[]);
    try {
      return run();
    } catch (err) {
      if (!isBusy(err)) return Promise.reject(err);
      return retryWhileBusy(run, this.lockWaitMs);
    }
  }

  private statement(sql: string): SqliteDatabase.Statement {
    if (this.closed) throw new Error('the database is closed');
    if (!this.statements) {
      this.connection = new SqliteDatabase(this.path, { readonly: true, fileMustExist: true });
      this.connection.pragma('busy_timeout = 0');
      this.statements = withStatementCache(this.connection);
    }
    return this.statements.prepare(sql);
  }

  close(): void {
    this.closed = true;
    this.statements?.close();
  }
}

/**
 * Kysely prepares every query afresh; better-sqlite3 statements are reusable, and preparing costs
 * more than running a small indexed query. Keep the most recent statements by SQL text.
 */
export function withStatementCache(
  sqlite: SqliteDatabase.Database,
  max = 500,
): { close(): void; prepare(sql: string): SqliteDatabase.Statement } {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}
