/**
 * The one shape of a store (docs/architecture.md, "Where the SQL is"): a class over the database
 * whose methods hold the queries. `in(trx)` is the same store over a transaction the caller
 * opened, so its queries join that transaction (on SQLite, one connection: a query on the outer
 * handle there would wait for the transaction forever).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

export abstract class Store {
  /** A store takes the database alone, so that `in` can make another over a transaction. */
  constructor(protected readonly db: Kysely<Database>) {}

  /** This store over the caller's transaction `trx`. */
  in(trx: Transaction<Database>): this {
    const Same = this.constructor as new (db: Kysely<Database>) => this;
    return new Same(trx);
  }
}
