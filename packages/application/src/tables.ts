import type { Kysely } from 'kysely';
import type { CommandTables } from '@tracktrove/commands';
import type { EndpointTables } from '@tracktrove/endpoints';
import type { EventStoreTables, StoreDatabase } from '@tracktrove/event-store';
import type { ProjectionTables } from '@tracktrove/projections';
import type { SimulatorTables } from '@tracktrove/simulator';
import type { TimerTables } from '@tracktrove/timers';
import type { SettlementTables } from './settlement/tables.ts';

/** The tables the packages own beside the event store's, each interface in its package's tables.ts. */
export type PackageTables = CommandTables & ProjectionTables & TimerTables & SettlementTables & SimulatorTables & EndpointTables;

/** Every table of a TrackTrove database (trackTroveMigrations makes them), as kysely sees them. */
export type TrackTroveTables = EventStoreTables & PackageTables;

/**
 * The store's connection typed with every table of a TrackTrove database: the same connection
 * (kysely's withTables changes types only), for a database trackTroveMigrations ran on.
 */
export function trackTroveDb(database: StoreDatabase): Kysely<TrackTroveTables> {
  return database.db.withTables<PackageTables>();
}
