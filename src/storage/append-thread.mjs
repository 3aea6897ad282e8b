// @ts-check
/**
 * Worker thread behind SqliteRowAppender (row-appender.ts): appends batches of rows to a SQLite
 * table on its own connection, so that the INSERT and its commit run on another core instead of
 * blocking the server's event loop.
 *
 * Plain JavaScript on purpose: a worker thread is a fresh module graph, and this file must load the
 * same way under `node --import tsx`, under vitest and from a build, without a TypeScript loader.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Sqlite from 'better-sqlite3';

/** @type {{ path: string, lockWaitMs: number, synchronous: 'FULL' | 'NORMAL' }} */
const { path, lockWaitMs, synchronous } = workerData;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

const db = new Sqlite(path, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
db.pragma('foreign_keys = ON');
db.pragma('secure_delete = ON');
// This thread may block while another connection writes: that is what it is for.
db.pragma(`busy_timeout = ${Math.max(0, Math.floor(Number(lockWaitMs)))}`);

/** @type {Map<string, import('better-sqlite3').Statement>} */
const statements = new Map();

/**
 * @param {string} table
 * @param {string[]} columns
 * @param {number} count
 */
function insertStatement(table, columns, count) {
  const key = `${table}|${columns.join(',')}|${count}`;
  let stmt = statements.get(key);
  if (!stmt) {
    if (!IDENTIFIER.test(table) || !columns.every((c) => IDENTIFIER.test(c))) {
      throw new Error(`refusing to append to ${table} (${columns.join(', ')})`);
    }
    const one = `(${columns.map(() => '?').join(', ')})`;
    stmt = db.prepare(
      `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${Array(count).fill(one).join(', ')}`,
    );
    if (statements.size >= 200) statements.delete(/** @type {string} */ (statements.keys().next().value));
    statements.set(key, stmt);
  }
  return stmt;
}

parentPort?.on(
  'message',
  /** @param {{ id: number, table: string, columns: string[], rows: unknown[][] } | { close: true }} msg */
  (msg) => {
    if ('close' in msg) {
      db.close();
      parentPort?.close();
      return;
    }
    try {
      // One statement: the batch commits whole or not at all.
      insertStatement(msg.table, msg.columns, msg.rows.length).run(msg.rows.flat());
      parentPort?.postMessage({ id: msg.id });
    } catch (err) {
      const e = /** @type {{ code?: unknown, message?: unknown }} */ (err);
      parentPort?.postMessage({ id: msg.id, error: { code: String(e.code ?? ''), message: String(e.message ?? err) } });
    }
  },
);
