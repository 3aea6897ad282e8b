import { Migrator, sql, type DatabaseIntrospector, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import type { DatabaseHandle } from './dialect.ts';
import { migrations } from './migrations/index.ts';

/**
 * The migrator only asks whether its own two tables exist. Kysely's PostgreSQL introspection
 * answers by describing every table of every schema, naming each schema as it goes, and fails
 * ("schema … does not exist") when another schema is dropped meanwhile (as the tests' private
 * schemas are, in parallel). This one lists the tables of the connection's schema only.
 */
function schemaTables(db: Kysely<unknown>): DatabaseIntrospector {
  const getTables = async () =>
    (
      await sql<{
        name: string;
        schema: string;
        type: string;
      }>`select table_name as name, table_schema as schema, table_type as type
        from information_schema.tables where table_schema = current_schema()`.execute(db)
    ).rows.map((t) => ({ name: t.name, schema: t.schema, isView: t.type === 'VIEW', columns: [] }));
  return {
    getTables,
    getSchemas: async () => [],
    getMetadata: async () => ({ tables: await getTables() }),
  };
}

/** `db` as the migrator sees it: on PostgreSQL, with the narrow introspection above. */
function forMigrator(handle: DatabaseHandle): Kysely<unknown> {
  const db = handle.db as unknown as Kysely<unknown>;
  if (handle.dialect.name !== 'postgres') return db;
  const introspection = schemaTables(db);
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'introspection') return introspection;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function migrator(handle: DatabaseHandle): Migrator {
  const { dialect } = handle;
  return new Migrator({
    db: forMigrator(handle),
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
