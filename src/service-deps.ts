import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import type { Config } from './config/config.ts';
import type { MasterKeyRing } from './crypto/master-key.ts';
import type { Metrics } from './metrics.ts';
import type { Catalogue } from './pds/schema/catalogue.ts';
import type { DatabaseAvailability } from './storage/availability.ts';
import type { DatabaseHandle, Dialect } from './storage/dialect.ts';
import type { Database } from './storage/schema.ts';

/** What every service may be handed by the composition root. */
export interface ServiceDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  /** relaxed-durability inserts for the read access log (see DatabaseHandle) */
  appendAccessLog: DatabaseHandle['appendAccessLog'];
  /** reads outside transactions, off Kysely's executor (see DatabaseHandle) */
  selectNow: DatabaseHandle['selectNow'];
  /** reads and read-log appends together on SQLite's side thread, where there is one */
  runSideJobs: DatabaseHandle['runSideJobs'];
  /** durable write transactions (on SQLite, sharing commits: see DatabaseHandle) */
  writeTransaction: DatabaseHandle['writeTransaction'];
  /** records database outages (503s, /readyz); background loops report theirs here instead of logging each */
  availability: DatabaseAvailability;
  clock: Clock;
  config: Config;
  logger: Logger;
  masterKeys: MasterKeyRing;
  catalogue: Catalogue;
  /** Prometheus counters and gauges (src/metrics.ts) */
  metrics: Metrics;
}
