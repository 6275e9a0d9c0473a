import { join } from 'node:path';
import type { Logger } from 'pino';
import { applicationSettings, type Config } from '@tracktrove/config';
import { createTrackTrove, trackTroveDb, trackTroveMigrations, type TrackTrove } from '@tracktrove/application';
import { upcastTransactionEvent } from '@tracktrove/commands';
import {
  createEventStore,
  eventStoreMigrations,
  migrateToLatest,
  openDatabase,
  type EventStore,
  type StoreDatabase,
} from '@tracktrove/event-store';
import { readModels, startProjectionRuntime, type ProjectionRuntime } from '@tracktrove/projections';
import { loadOrCreateWebhookSecret } from '@tracktrove/simulator';

/** How long the CLI waits for PostgreSQL to answer before it gives up with a message. */
const connectTimeoutMs = 10_000;

/** Where the data is, for messages: never the URL's credentials. */
export function databaseTarget(config: Config): string {
  if (!config.databaseUrl) return `PGlite in ${join(config.dataDir, 'pglite')}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL at ${url.host}${url.pathname}`;
}

/** The database, answering: a server that cannot be reached is one clear error, not a failed migration. */
export async function openReachableDatabase(config: Config, logger: Logger, owner = 'tracktrove'): Promise<StoreDatabase> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : join(config.dataDir, 'pglite'),
    logger,
    owner,
  });
  try {
    await database.ping?.(connectTimeoutMs);
  } catch (error) {
    await database.close().catch(() => undefined);
    const reason = error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
    throw new Error(`cannot reach ${databaseTarget(config)}: ${reason}`);
  }
  return database;
}

export function allMigrations() {
  return { ...eventStoreMigrations, ...trackTroveMigrations };
}

export interface CliServices {
  readonly database: StoreDatabase;
  readonly store: EventStore;
  runtime(): Promise<ProjectionRuntime>;
  trackTrove(options?: { dailySettlement?: boolean }): Promise<TrackTrove>;
  close(): Promise<void>;
}

/** The database, migrated, and the store; the projection runtime and the facade on first use. */
export async function openServices(config: Config, logger: Logger, owner?: string): Promise<CliServices> {
  const database = await openReachableDatabase(config, logger, owner);
  let store: EventStore;
  try {
    await migrateToLatest(database.db, allMigrations());
    store = await createEventStore({ database, upcast: upcastTransactionEvent, logger });
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  let runtime: ProjectionRuntime | undefined;
  let trackTrove: TrackTrove | undefined;
  return {
    database,
    store,
    async runtime() {
      runtime ??= await startProjectionRuntime({ store, projections: readModels, logger });
      return runtime;
    },
    async trackTrove(options = {}) {
      if (!trackTrove) {
        trackTrove = createTrackTrove({
          ...applicationSettings(config),
          database,
          store,
          webhookSecret: config.webhookSecret ?? (await loadOrCreateWebhookSecret(trackTroveDb(database))),
          logger,
          timers: { dailySettlement: options.dailySettlement },
        });
        await trackTrove.start();
      }
      return trackTrove;
    },
    async close() {
      await trackTrove?.stop();
      await runtime?.stop();
      await store.close();
      await database.close();
    },
  };
}
