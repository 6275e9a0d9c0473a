import { commandMigrations } from '@tracktrove/commands';
import { endpointMigrations } from '@tracktrove/endpoints';
import { projectionMigrations } from '@tracktrove/projections';
import { simulatorMigrations } from '@tracktrove/simulator';
import { timerMigrations } from '@tracktrove/timers';
import { applicationMigrations } from './command-effects.ts';
import { settlementMigrations } from './settlement/index.ts';

/** Every package's tables, after the event store's own: what a TrackTrove database needs. */
export const trackTroveMigrations = {
  ...commandMigrations,
  ...projectionMigrations,
  ...timerMigrations,
  ...settlementMigrations,
  ...simulatorMigrations,
  ...applicationMigrations,
  ...endpointMigrations,
};
