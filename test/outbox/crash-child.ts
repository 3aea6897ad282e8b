/**
 * Spawned by crash-and-claim.test.ts: opens the application context on the test's database (from
 * the environment) with the delivery worker running, and stays alive until killed.
 */
import pino from 'pino';
import { createAppContext } from '../../src/app-context.ts';
import { loadConfig } from '../../src/config/config.ts';

const schema = process.env.OPENPDX_TEST_PG_SCHEMA;
await createAppContext(loadConfig(process.env), {
  logger: pino({ level: 'silent' }),
  databaseOptions: schema ? { pgSchema: schema } : {},
  migrate: false,
});
process.stdout.write('worker started\n');
// The worker's timers are unref'd; this keeps the process up until the test kills it.
setInterval(() => {}, 60_000);
