import type { Logger } from 'pino';
import type { RedisHolds, SandboxClock, TimerService } from '@tracktrove/timers';
import type { Effects } from './command-effects.ts';

/**
 * What follows a commit outside the database: the timer service hears of new timers (to wake in
 * time), and new and cancelled holds go to Redis's fast path, when there is one. Redis being down
 * loses nothing: the PostgreSQL sweeper fires every timer the fast path misses.
 */
export function applyEffectsAfterCommit(
  effects: Effects,
  services: { timerService: TimerService; redis: RedisHolds | null; clock: SandboxClock; logger: Logger | undefined },
): Promise<void> {
  for (const timer of effects.newTimers) services.timerService.scheduled(timer);
  const { redis } = services;
  if (!redis) return Promise.resolve();
  const nowMs = services.clock.nowCached().getTime();
  // Registered together: the holds of a batch of commands go in one MULTI.
  return Promise.all([
    ...effects.newHolds
      .filter((hold) => hold.payload.dropNotification !== true) // failure injection: the expiry notification is lost
      .map((hold) => redis.register({ timerId: hold.id, dueAtMs: hold.dueAt.getTime(), nowMs })),
    redis.remove(effects.cancelledHolds),
  ]).then(
    () => undefined,
    (error: unknown) => services.logger?.debug({ err: error }, 'redis fast path unavailable; the sweeper covers'),
  );
}
