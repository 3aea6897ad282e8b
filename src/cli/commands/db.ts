import type { Command } from 'commander';
import { openDatabase, type DatabaseHandle } from '../../storage/dialect.ts';
import { migrateToLatest, migrationStatus } from '../../storage/migrator.ts';
import { emit, table, type OutputOptions } from '../output.ts';
import { examples, withJson } from '../options.ts';
import { cliConfig, type CliRuntime } from '../runtime.ts';

/** Opens only the database: migrations need neither the master key nor the services. */
async function withDatabase<T>(rt: CliRuntime, fn: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const config = cliConfig(rt);
  const handle = await openDatabase(config.databaseUrl, rt.contextOverrides?.databaseOptions);
  try {
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

export function registerDbCommands(program: Command, rt: CliRuntime): void {
  const db = program.command('db').description('database schema');

  examples(
    withJson(db.command('migrate').description('apply every pending migration')),
    'OPENPDX_DATABASE_URL=postgres://pdx@db/pdx openpdx db migrate',
  ).action((opts: OutputOptions) =>
    withDatabase(rt, async (handle) => {
      const before = new Set((await migrationStatus(handle)).filter((m) => m.executedAt).map((m) => m.name));
      await migrateToLatest(handle);
      const applied = (await migrationStatus(handle)).map((m) => m.name).filter((n) => !before.has(n));
      emit(rt, opts, { applied }, () =>
        applied.length ? `Applied ${applied.join(', ')}.\n` : 'The database schema is up to date.\n',
      );
    }),
  );

  examples(withJson(db.command('status').description('list migrations and when each was applied')), 'openpdx db status').action(
    (opts: OutputOptions) =>
      withDatabase(rt, async (handle) => {
        const status = (await migrationStatus(handle)).map((m) => ({
          name: m.name,
          applied: m.executedAt !== undefined,
          executed_at: m.executedAt?.toISOString() ?? null,
        }));
        emit(rt, opts, status, () => table(status, ['name', 'applied', 'executed_at'], 'No migrations.'));
      }),
  );
}
