import { runSettlement, settlementDateOf } from './settlement/index.ts';
import { system, type ApplicationContext } from './application-context.ts';

/**
 * T+1 settlement when the sandbox date changes: at each sweep, a process that sees a date it has not
 * settled yet runs it, one process at a time (an advisory lock). A run stopped at its budget is not
 * done: the next sweep settles the rest.
 */
export function dailySettlement(context: ApplicationContext): (now: Date) => Promise<void> {
  let lastSettlementDate: string | null = null;
  return async (now) => {
    const date = settlementDateOf(now);
    if (date === lastSettlementDate) return;
    const lock = await context.database.tryAdvisoryLock('tt-settlement-schedule');
    if (!lock) return;
    try {
      const result = await runSettlement(context.db, {
        now,
        settlementDate: date,
        cutoffHourUtc: context.defaults.settlementCutoffHourUtc,
        actor: system('settlement-schedule'),
        correlationId: `settlement-${date}`,
      });
      if (result.complete) lastSettlementDate = date;
      if (result.settledCount > 0) context.logger?.info({ ...result }, 'T+1 settlement ran');
    } finally {
      await lock.release();
    }
  };
}
