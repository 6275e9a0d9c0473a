import type { Logger } from 'pino';
import type { EventStore } from '@tracktrove/event-store';
import type { Config } from '@tracktrove/config';
import type { Availability } from './http/availability.ts';
import type { Tokens } from './http/auth.ts';
import type { Metrics } from './metrics.ts';
import type { LogTail } from './stream/log-tail.ts';

/** One component's part of /ready. */
export interface ComponentCheck {
  readonly status: 'up' | 'down' | 'degraded' | 'disabled';
  readonly detail?: string;
  readonly [key: string]: unknown;
}

/** What the routes need, handed to each route plugin (no module-level singletons). */
export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: EventStore;
  readonly tail: LogTail;
  readonly metrics: Metrics;
  readonly availability: Availability;
  readonly tokens: Tokens;
  /** Readiness of components beyond PostgreSQL (projections, redis, ...). */
  readonly readinessChecks: Record<string, () => Promise<ComponentCheck>>;
  /** The sandbox clock's now (as this process last read it), sent with every response. */
  readonly sandboxNow?: () => Date;
}
