// @ts-check
/**
 * Worker thread behind SqliteRowAppender (row-appender.ts): appends batches of entries to the
 * access log's hash chain on its own connection, so that chaining, the INSERT and its commit run
 * on another core instead of blocking the server's event loop. A batch's jobs may also carry
 * sealed reads (a query whose rows each hold a sealed column, and the key to open it): the
 * metadata reads of the API, the SELECT and the decryption of which would otherwise cost the event
 * loop more than anything else in a read. Each key arrives transferred, not copied, and is
 * zero-filled once its job is done.
 *
 * Plain JavaScript on purpose: a worker thread is a fresh module graph, and this file must load the
 * same way under `node --import tsx`, under vitest and from a build, without a TypeScript loader.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Sqlite from 'better-sqlite3';
import { chainEntries } from '../crypto/access-chain.mjs';
import { IntegrityError, openSealedText } from '../crypto/aead-open.mjs';

/** @type {{ path: string, lockWaitMs: number, synchronous: 'FULL' | 'NORMAL' }} */
const { path, lockWaitMs, synchronous } = workerData;

const db = new Sqlite(path, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
db.pragma('foreign_keys = ON');
db.pragma('secure_delete = ON');
// Statement journals (a multi-row INSERT keeps one) in memory, never a temporary file (dialect.ts).
db.pragma('temp_store = MEMORY');
// This thread may block while another connection writes: that is what it is for.
db.pragma(`busy_timeout = ${Math.max(0, Math.floor(Number(lockWaitMs)))}`);

/**
 * A statement for `count` rows (VALUES lists), prepared once per count.
 * @param {Map<number, import('better-sqlite3').Statement>} cache
 * @param {number} count
 * @param {(count: number) => string} sql
 */
function statementFor(cache, count, sql) {
  let stmt = cache.get(count);
  if (!stmt) {
    stmt = db.prepare(sql(count));
    if (cache.size >= 200) cache.delete(/** @type {number} */ (cache.keys().next().value));
    cache.set(count, stmt);
  }
  return stmt;
}

const list = (/** @type {number} */ n, /** @type {string} */ one) => Array(n).fill(one).join(', ');
/** @type {Map<number, import('better-sqlite3').Statement>} */
const headSelects = new Map();
/** @type {Map<number, import('better-sqlite3').Statement>} */
const entryInserts = new Map();
/** @type {Map<number, import('better-sqlite3').Statement>} */
const headUpserts = new Map();

/**
 * Entries as they travel: [uid, nid, actor, dataset, fields, action, at] (row-appender.ts).
 * Chained after their members' heads and appended, the heads advanced, in one transaction that
 * takes the write lock first (IMMEDIATE), so no other connection can extend a chain meanwhile.
 */
const appendChained = db.transaction(
  /** @param {unknown[][]} tuples */
  (tuples) => {
    const entries = tuples.map(([uid, nid, actor, dataset, fields, action, at]) => ({
      uid: /** @type {number} */ (uid),
      nid: /** @type {number | null} */ (nid),
      actor: /** @type {string} */ (actor),
      dataset: /** @type {string} */ (dataset),
      fields: /** @type {string} */ (fields),
      action: /** @type {string} */ (action),
      at: /** @type {number} */ (at),
    }));
    const uids = [...new Set(entries.map((e) => e.uid))];
    const current = /** @type {{ uid: number, seq: number, head: string }[]} */ (
      statementFor(
        headSelects,
        uids.length,
        (n) => `select uid, seq, head from access_log_heads where uid in (${list(n, '?')})`,
      ).all(uids)
    );
    const heads = new Map(current.map((h) => [h.uid, { seq: h.seq, head: h.head }]));
    const chained = chainEntries(heads, entries);
    statementFor(
      entryInserts,
      chained.length,
      (n) =>
        `insert into access_log (uid, nid, actor, dataset, fields, action, at, seq, hash) values ${list(n, '(?, ?, ?, ?, ?, ?, ?, ?, ?)')}`,
    ).run(chained.flatMap((e) => [e.uid, e.nid, e.actor, e.dataset, e.fields, e.action, e.at, e.seq, e.hash]));
    statementFor(
      headUpserts,
      heads.size,
      (n) =>
        `insert into access_log_heads (uid, seq, head, grown) values ${list(n, '(?, ?, ?, 1)')} ` +
        'on conflict (uid) do update set seq = excluded.seq, head = excluded.head, grown = 1',
    ).run([...heads].flatMap(([uid, h]) => [uid, h.seq, h.head]));
  },
);

/**
 * A sealed read as it travels: [sql, params, key offset, key length, context prefix]. The query's
 * last column is the sealed value, and the one before it ends the row's context; any columns
 * before those two come back as they are.
 * @typedef {[string, unknown[], number, number, string]} WireRead
 * @typedef {[WireRead[], unknown[][]]} Job
 */

/** Each sealed read's statement, and how many columns its rows have. @type {Map<string, { stmt: import('better-sqlite3').Statement, width: number }>} */
const selects = new Map();

/** @param {string} sql */
function selectStatement(sql) {
  let select = selects.get(sql);
  if (!select) {
    const stmt = db.prepare(sql);
    const width = stmt.reader ? stmt.columns().length : 0;
    if (width < 2) throw new Error('a sealed read must be a query of at least two columns');
    stmt.raw(true);
    if (selects.size >= 200) selects.delete(/** @type {string} */ (selects.keys().next().value));
    selects.set(sql, (select = { stmt, width }));
  }
  return select;
}

/**
 * Runs a read and opens each row's sealed value with the read's key, bound to the row's context.
 * The rows come back as one flat array, `[width, ...row 1's columns, ...row 2's columns, …]`, each
 * row its columns with the opened text in place of the sealed value. Flat, because structured
 * cloning copies a packed array of strings and numbers in one pass, but writes each of
 * better-sqlite3's row arrays (holey: allocated at their length, then filled) property by property:
 * for a page of 100 rows that was most of the message's cost, paid on both threads.
 * @param {WireRead} read
 * @param {Uint8Array} keys
 * @returns {unknown[]}
 */
function readSealed([sql, params, at, length, contextPrefix], keys) {
  const key = keys.subarray(at, at + length);
  const { stmt, width } = selectStatement(sql);
  const last = width - 1;
  /** @type {unknown[]} */
  const out = [width];
  for (const row of /** @type {unknown[][]} */ (stmt.all(params))) {
    for (let i = 0; i < last; i++) out.push(row[i]);
    out.push(openSealedText(key, String(row[last]), `${contextPrefix}${row[last - 1]}`));
  }
  return out;
}

/**
 * A batch's jobs' reads, in one read transaction (DEFERRED: one snapshot, one shared lock): alone,
 * each SELECT takes and drops the WAL read lock, about two thirds of a small read's cost. A read
 * transaction does not hold up writers (WAL), and it ends before the append takes the write lock.
 * Returns each job's rows or error, and the entries of the jobs whose reads all succeeded.
 */
const readJobs = db.transaction(
  /** @param {Job[]} jobs @param {Uint8Array} keys */
  (jobs, keys) => {
    /** @type {(unknown[][] | { error: { code: string, message: string } })[]} */
    const results = [];
    /** @type {unknown[][]} */
    const rows = [];
    for (const [reads, jobRows] of jobs) {
      try {
        // A job's reads all succeed, or the job fails and its rows are not appended.
        results.push(reads.map((read) => readSealed(read, keys)));
        for (const row of jobRows) rows.push(row);
      } catch (err) {
        results.push({ error: errorOf(err) });
      }
    }
    return { results, rows };
  },
);

/** @param {unknown} err */
function errorOf(err) {
  const e = /** @type {{ code?: unknown, name?: unknown, message?: unknown }} */ (err);
  const code = err instanceof IntegrityError ? 'INTEGRITY' : String(e.code ?? '');
  return { code, message: String(e.message ?? err) };
}

parentPort?.on(
  'message',
  /** @param {{ id: number, keys: Uint8Array, jobs: Job[] } | { close: true }} msg */
  (msg) => {
    if ('close' in msg) {
      db.close();
      parentPort?.close();
      return;
    }
    try {
      const { results, rows } = readJobs.deferred(msg.jobs, msg.keys);
      // One transaction: the batch's entries commit whole or not at all.
      if (rows.length) appendChained.immediate(rows);
      parentPort?.postMessage({ id: msg.id, results });
    } catch (err) {
      parentPort?.postMessage({ id: msg.id, error: errorOf(err) });
    } finally {
      msg.keys.fill(0);
    }
  },
);
