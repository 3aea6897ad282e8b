/**
 * Group commit for durable writes on SQLite (DatabaseHandle.writeTransaction).
 *
 * Each commit of the main connection is synced to disk (synchronous=FULL), and better-sqlite3 runs
 * it on the event loop: on this machine a sync costs about as much as the rest of a one-row write.
 * Writes that arrive while others run therefore share one transaction and one commit: each runs in
 * a savepoint of its own, so a write that fails is rolled back alone and the others go on, and
 * every write's promise settles only after the commit (or its failure). A write is still all or
 * nothing, and none is reported stored before it is on disk.
 *
 * A group takes the writes queued when it starts and those that queue while it runs, then lets the
 * event loop turn once (requests that arrived meanwhile queue theirs) and commits when nothing new
 * came, or after MAX_GROUP writes. The connection is the group's meanwhile, as it is any
 * transaction's: other transactions wait for the commit; reads outside transactions do not
 * (selectNow has a connection of its own).
 *
 * If the transaction itself is lost (SQLite rolls it back on its own after SQLITE_FULL, IOERR or
 * NOMEM, and then no savepoint is left to roll back to), the group stops: every write of it fails
 * with that error, none is stored, and the writes not yet run wait for the next group.
 */
import { CompiledQuery, type ControlledTransaction, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

/** Each write's savepoint: released (or rolled back to and released) before the next is taken. */
const SAVEPOINT = CompiledQuery.raw('savepoint write');
const RELEASE = CompiledQuery.raw('release savepoint write');
const ROLLBACK_TO = CompiledQuery.raw('rollback to savepoint write');

/** Writes per commit, at most: a bound on how long other transactions wait for the connection. */
const MAX_GROUP = 64;

interface Queued {
  fn: (trx: Transaction<Database>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** A write of the group that ran: its value once the commit succeeds, or its own error. */
type Ran = { write: Queued; ok: true; value: unknown } | { write: Queued; ok: false; error: unknown };

export class GroupCommit {
  private readonly queue: Queued[] = [];
  private running = false;

  constructor(private readonly db: Kysely<Database>) {}

  /** Runs `fn` in a savepoint of the current group; resolves with its value once the group committed. */
  run<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) await this.group();
    } finally {
      this.running = false;
    }
  }

  private async group(): Promise<void> {
    let trx: ControlledTransaction<Database>;
    try {
      trx = await this.db.startTransaction().execute();
    } catch (err) {
      // Not even begun (the lock was not free in time, the disk is gone): the queued writes fail as a lone write would.
      for (const w of this.queue.splice(0)) w.reject(err);
      return;
    }
    const ran: Ran[] = [];
    let lost: unknown;
    while (ran.length < MAX_GROUP && lost === undefined) {
      const write = this.queue.shift() ?? (await this.nextTurn());
      if (!write) break;
      lost = await this.runOne(trx, write, ran);
    }
    if (lost === undefined) {
      try {
        await trx.commit().execute();
      } catch (err) {
        lost = err;
      }
    }
    if (lost !== undefined)
      await trx
        .rollback()
        .execute()
        .catch(() => {});
    for (const r of ran) {
      if (!r.ok) r.write.reject(r.error);
      else if (lost !== undefined) r.write.reject(lost);
      else r.write.resolve(r.value);
    }
  }

  /**
   * Runs one write in a savepoint, adding it to `ran`; returns the error that lost the whole
   * transaction, if one did (a savepoint that cannot be taken or rolled back to). The savepoint is
   * plain SQL on the group's own transaction, which the write runs on: Kysely's savepoint API would
   * build a transaction object and compile each statement again for every write.
   */
  private async runOne(trx: ControlledTransaction<Database>, write: Queued, ran: Ran[]): Promise<unknown> {
    try {
      await trx.executeQuery(SAVEPOINT);
    } catch (error) {
      ran.push({ write, ok: false, error });
      return error;
    }
    try {
      const value = await write.fn(trx);
      await trx.executeQuery(RELEASE);
      ran.push({ write, ok: true, value });
      return undefined;
    } catch (error) {
      ran.push({ write, ok: false, error });
      try {
        await trx.executeQuery(ROLLBACK_TO);
        await trx.executeQuery(RELEASE);
        return undefined;
      } catch {
        return error;
      }
    }
  }

  /** Lets the event loop turn once, then takes a write that queued meanwhile, if any. */
  private async nextTurn(): Promise<Queued | undefined> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.queue.shift();
  }
}
