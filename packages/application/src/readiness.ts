import { countOverdueTimers, countPendingTimers, type RedisHolds, type TimerService } from '@tracktrove/timers';
import type { ApplicationContext } from './application-context.ts';
import type { Readiness } from './track-trove-api.ts';

/** A pending timer this much past its due time counts as overdue in /ready. */
const overdueAfterMs = 5_000;

/** The timers' and Redis's part of /ready: pending and overdue timers, the sweeper, the fast path. */
export async function readinessOf(context: ApplicationContext, timerService: TimerService, redis: RedisHolds | null): Promise<Readiness> {
  const { db, clock } = context;
  const now = await clock.now();
  const [pending, overdue] = await Promise.all([countPendingTimers(db), countOverdueTimers(db, new Date(now.getTime() - overdueAfterMs))]);
  const status = timerService.status();
  return {
    redis: redis
      ? redis.status()
      : { status: 'disabled', detail: 'neither REDIS_URL nor REDIS_SENTINELS is set: in-process timers with the PostgreSQL sweeper' },
    timers: {
      status: !status.running ? 'stopped' : status.lastSweepError ? 'degraded' : 'running',
      detail: status.lastSweepError ?? `sweeper every ${status.sweepIntervalMs} ms`,
      pending,
      overdue,
      lastSweepAt: status.lastSweepAt,
    },
  };
}
