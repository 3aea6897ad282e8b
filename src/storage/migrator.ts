import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import type { DatabaseHandle } from './dialect.ts';
import { migrations } from './migrations/index.ts';

function migrator(handle: DatabaseHandle): Migrator {
  const { dialect } = handle;
  return new Migrator({
    db: handle.db as unknown as Kysely<unknown>,
    // Kysely looks for its own tables by schema; name it when the connection uses a private one.
    ...(handle.pgSchema ? { migrationTableSchema: handle.pgSchema } : {}),
    provider: {
      getMigrations: async () =>
        Object.fromEntries(
          migrations.map((m): [string, Migration] => [
            m.name,
            { up: (db) => m.up(db, dialect), down: (db) => m.down(db, dialect) },
          ]),
        ),
    },
  });
}

function check(result: MigrationResultSet): string[] {
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
  return (result.results ?? []).map((r) => `${r.direction} ${r.migrationName}: ${r.status}`);
}

export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  return check(await migrator(handle).migrateToLatest());
}

/** Up or down to the named migration (tests use it to stand a database at an older schema). */
export async function migrateTo(handle: DatabaseHandle, name: string): Promise<string[]> {
  return check(await migrator(handle).migrateTo(name));
}

export async function migrateDownAll(handle: DatabaseHandle): Promise<string[]> {
  const { NO_MIGRATIONS } = await import('kysely');
  return check(await migrator(handle).migrateTo(NO_MIGRATIONS));
}

export async function migrationStatus(handle: DatabaseHandle): Promise<{ name: string; executedAt: Date | undefined }[]> {
  const list = await migrator(handle).getMigrations();
  return list.map((m) => ({ name: m.name, executedAt: m.executedAt }));
}
