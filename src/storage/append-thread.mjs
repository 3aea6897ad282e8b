// @ts-check
/**
 * Worker thread behind SqliteRowAppender (row-appender.ts): appends batches of rows to a SQLite
 * table on its own connection, so that the INSERT and its commit run on another core instead of
 * blocking the server's event loop. A batch's jobs may also carry sealed reads (a query whose rows
 * each hold a sealed column, and the key to open it): the metadata reads of the API, the
 * SELECT and the decryption of which would otherwise cost the event loop more than anything else
 * in a read. Each key arrives transferred, not copied, and is zero-filled once its job is done.
 *
 * Plain JavaScript on purpose: a worker thread is a fresh module graph, and this file must load the
 * same way under `node --import tsx`, under vitest and from a build, without a TypeScript loader.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Sqlite from 'better-sqlite3';
import { IntegrityError, openSealed } from '../crypto/aead-open.mjs';

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

/**
 * A sealed read as it travels: [sql, params, key offset, key length, context prefix]. The query's
 * last column is the sealed value, and the one before it ends the row's context; any columns
 * before those two come back as they are.
 * @typedef {[string, unknown[], number, number, string]} WireRead
 * @typedef {[WireRead[], unknown[][]]} Job
 */

/** @type {Map<string, import('better-sqlite3').Statement>} */
const selects = new Map();

/** @param {string} sql */
function selectStatement(sql) {
  let stmt = selects.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    if (!stmt.reader || stmt.columns().length < 2) throw new Error('a sealed read must be a query of at least two columns');
    stmt.raw(true);
    if (selects.size >= 200) selects.delete(/** @type {string} */ (selects.keys().next().value));
    selects.set(sql, stmt);
  }
  return stmt;
}

/**
 * Runs a read and opens each row's sealed value with the read's key, bound to the row's context:
 * each row comes back as its columns with the opened text in place of the sealed value.
 * @param {WireRead} read
 * @param {Uint8Array} keys
 * @returns {unknown[][]}
 */
function readSealed([sql, params, at, length, contextPrefix], keys) {
  const key = keys.subarray(at, at + length);
  const rows = /** @type {unknown[][]} */ (selectStatement(sql).all(params));
  for (const row of rows) {
    const last = row.length - 1;
    row[last] = openSealed(key, Buffer.from(String(row[last]), 'base64url'), `${contextPrefix}${row[last - 1]}`).toString('utf8');
  }
  return rows;
}

/** @param {unknown} err */
function errorOf(err) {
  const e = /** @type {{ code?: unknown, name?: unknown, message?: unknown }} */ (err);
  const code = err instanceof IntegrityError ? 'INTEGRITY' : String(e.code ?? '');
  return { code, message: String(e.message ?? err) };
}

parentPort?.on(
  'message',
  /** @param {{ id: number, table: string, columns: string[], keys: Uint8Array, jobs: Job[] } | { close: true }} msg */
  (msg) => {
    if ('close' in msg) {
      db.close();
      parentPort?.close();
      return;
    }
    /** @type {(unknown[][][] | { error: { code: string, message: string } })[]} */
    const results = [];
    /** @type {unknown[][]} */
    const rows = [];
    try {
      for (const [reads, jobRows] of msg.jobs) {
        try {
          // A job's reads all succeed, or the job fails and its rows are not appended.
          results.push(reads.map((read) => readSealed(read, msg.keys)));
          for (const row of jobRows) rows.push(row);
        } catch (err) {
          results.push({ error: errorOf(err) });
        }
      }
      // One statement: the batch's rows commit whole or not at all.
      if (rows.length) insertStatement(msg.table, msg.columns, rows.length).run(rows.flat());
      parentPort?.postMessage({ id: msg.id, results });
    } catch (err) {
      parentPort?.postMessage({ id: msg.id, error: errorOf(err) });
    } finally {
      msg.keys.fill(0);
    }
  },
);
