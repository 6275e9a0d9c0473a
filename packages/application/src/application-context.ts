import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Actor } from '@tracktrove/domain';
import type { StoreDatabase } from '@tracktrove/event-store';
import type { FailureSettings } from '@tracktrove/simulator';
import type { SandboxClock } from '@tracktrove/timers';
import type { RetryBackoff } from './plan-authorization.ts';
import type { TrackTroveDefaults } from './track-trove-api.ts';
import type { TrackTroveTables } from './tables.ts';

/**
 * What every workflow of the application shares: the database, the sandbox clock, the defaults, and
 * the global failure settings as this process last read them (every sweep, and at once after a
 * change made here). Built once by createTrackTrove and handed to each workflow.
 */
export interface ApplicationContext {
  readonly database: StoreDatabase;
  readonly db: Kysely<TrackTroveTables>;
  readonly clock: SandboxClock;
  readonly logger: Logger | undefined;
  readonly defaults: TrackTroveDefaults;
  /** Where the simulated gateway posts its webhooks. */
  readonly webhookUrl: string;
  readonly backoff: RetryBackoff;
  readonly settings: { failures: FailureSettings };
}

/** The actor of what the system does by itself (timers, the gateway's webhooks, settlement). */
export const system = (id: string): Actor => ({ role: 'system', id });
