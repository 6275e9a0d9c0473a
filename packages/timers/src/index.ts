export { advanceTarget, clockLimits, clockStreamId, createSandboxClock, type ClockAdvance, type SandboxClock } from './clock.ts';
export { timerMigrations } from './migrations.ts';
export {
  createRedisHolds,
  redisHoldKeys,
  redisHoldLimits,
  type RedisHolds,
  type RedisHoldsOptions,
  type RedisSentinelTarget,
  type RedisStatus,
} from './redis-holds.ts';
export {
  createTimerService,
  timerLimits,
  type AdvanceResult,
  type BatchTimerHandler,
  type TimerContext,
  type TimerService,
  type TimerServiceOptions,
  type TimerServiceStatus,
} from './timer-service.ts';
export {
  claimTimers,
  countOverdueTimers,
  countPendingTimers,
  dueTimerIds,
  earliestPendingDueAt,
  listTimers,
  readTimer,
  recordTimerFailure,
  scheduleTimer,
  type FiredBy,
  type NewTimer,
  type Timer,
  type TimerKind,
  type TimerState,
} from './timer-store.ts';
export type { ClockTable, TimerTables, TimersTable } from './tables.ts';
