import type { Actor } from '@tracktrove/domain';
import type { StoreDatabase } from '@tracktrove/event-store';
import type { AdvanceResult, ClockAdvance, TimerService } from '@tracktrove/timers';

/** Clock advances across processes take this lock, waiting for it at most waitMs (an advance answers within its budget, 10 s plus half). */
const clockAdvanceLock = 'tt-clock-advance';
const advanceLockLimits = { waitMs: 30_000, pollMs: 25 } as const;

async function waitForAdvisoryLock(database: StoreDatabase, name: string) {
  const deadlineMs = Date.now() + advanceLockLimits.waitMs;
  for (;;) {
    const lock = await database.tryAdvisoryLock(name);
    if (lock) return lock;
    if (Date.now() >= deadlineMs) {
      throw Object.assign(new Error(`another clock advance has been running for ${advanceLockLimits.waitMs} ms; try again`), {
        code: 'unavailable',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, advanceLockLimits.pollMs));
  }
}

/**
 * Moves the sandbox clock; the timers that become due fire. One advance at a time across
 * processes: each reads the clock and moves it from there, so two at once would both start from the
 * same now and one of them would be lost.
 */
export async function advanceClock(
  database: StoreDatabase,
  timerService: TimerService,
  advance: ClockAdvance,
  step: { actor: Actor; correlationId: string },
): Promise<AdvanceResult> {
  const lock = await waitForAdvisoryLock(database, clockAdvanceLock);
  try {
    return await timerService.advance(advance, step);
  } finally {
    await lock.release();
  }
}
