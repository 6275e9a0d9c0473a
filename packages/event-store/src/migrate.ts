import { Migrator, type Kysely, type Migration } from 'kysely';
import { eventStoreMigration } from './migrations/0001-event-store.ts';
import { partitionedEventsMigration } from './migrations/0002-partitioned-events.ts';
import { appendJsonMigration } from './migrations/0640-append-json.ts';

/** Migrations of the event store itself; other packages add theirs under their own prefixes. */
export const eventStoreMigrations: Record<string, Migration> = {
  '0001-event-store': eventStoreMigration,
  '0002-partitioned-events': partitionedEventsMigration,
  // Numbered in the order of every package's migrations (a database made before it gets it last).
  '0640-append-json': appendJsonMigration,
};

export class MigrationFailedError extends Error {
  readonly code = 'migration_failed';
  constructor(
    readonly migration: string | undefined,
    cause: unknown,
  ) {
    super(`migration ${migration ?? '(unknown)'} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MigrationFailedError';
  }
}

/**
 * Runs every pending migration in name order, all in one transaction (kysely's Migrator on
 * PostgreSQL): when one fails, none of this run's is applied. Returns those run. Any connection
 * will do, whatever tables its type names: migrations make the tables.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, migrations: Record<string, Migration> = eventStoreMigrations): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'tt_migrations',
    migrationLockTableName: 'tt_migrations_lock',
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error) throw new MigrationFailedError(failed?.migrationName, error);
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
