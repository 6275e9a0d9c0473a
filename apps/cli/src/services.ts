import { join } from 'node:path';
import type { Logger } from 'pino';
import { trackTroveModule, type Config } from '@tracktrove/api';
import { createTrackTrove, type TrackTrove } from '@tracktrove/application';
import { upcastTransactionEvent } from '@tracktrove/commands';
import { createEventStore, eventStoreMigrations, migrateToLatest, openDatabase, type EventStore, type StoreDatabase } from '@tracktrove/event-store';
import { readModels, startProjectionRuntime, type ProjectionRuntime } from '@tracktrove/projections';

export interface CliServices {
  readonly database: StoreDatabase;
  readonly store: EventStore;
  runtime(): Promise<ProjectionRuntime>;
  trackTrove(): Promise<TrackTrove>;
  close(): Promise<void>;
}

/** The database, migrated, and the store; the projection runtime and the facade on first use. */
export async function openServices(config: Config, logger: Logger): Promise<CliServices> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? undefined : join(config.dataDir, 'pglite'), logger });
  await migrateToLatest(database.db, { ...eventStoreMigrations, ...trackTroveModule().migrations });
  const store = await createEventStore({ database, upcast: upcastTransactionEvent, logger });
  let runtime: ProjectionRuntime | undefined;
  let trackTrove: TrackTrove | undefined;
  return {
    database,
    store,
    async runtime() {
      runtime ??= await startProjectionRuntime({ store, projections: readModels, logger });
      return runtime;
    },
    async trackTrove() {
      if (!trackTrove) {
        trackTrove = createTrackTrove({
          database,
          store,
          redisUrl: config.redisUrl,
          webhookSecret: config.webhookSecret,
          defaults: { escrowTtlMs: config.escrowTtlMs, maxRetries: config.maxRetries, retryBaseDelayMs: config.retryBaseDelayMs, retryMaxDelayMs: config.retryMaxDelayMs, amountLimits: config.amountLimits, settlementCutoffHourUtc: config.settlementCutoffHourUtc },
          logger,
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
