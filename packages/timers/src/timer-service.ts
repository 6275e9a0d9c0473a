import { sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { advanceTarget, type ClockAdvance, type SandboxClock } from './clock.ts';
import { repeatEvery, runBounded } from '@tracktrove/common';
import type { EventStoreTables, Queryable } from '@tracktrove/event-store';
import type { TimerTables } from './tables.ts';
import {
  claimTimers,
  countPendingTimers,
  dueTimerIds,
  earliestPendingDueAt,
  recordTimerFailure,
  type FiredBy,
  type Timer,
  type TimerKind,
} from './timer-store.ts';

/**
 * Fires the due timers of one kind together, inside the transaction that claimed them, so the claims
 * and the commands they trigger commit together (e.g. one append for many expiries). It may return
 * work to run after the commit (calls to the outside world, e.g. webhook deliveries, which must not
 * hold the transaction open).
 */
export type BatchTimerHandler<DB extends TimerTables = TimerTables> = (
  timers: readonly Timer[],
  context: TimerContext<DB>,
) => Promise<void | (() => Promise<void>)>;

/** DB: the tables of the connection the service was made with; its handlers get the same. */
export interface TimerContext<DB extends TimerTables = TimerTables> {
  readonly transaction: Transaction<DB>;
  /** Sandbox now, read in the claiming transaction. */
  readonly now: Date;
  readonly firedBy: FiredBy;
  /**
   * The sandbox instant a timer fires at: now, or during a clock advance the timer's due time (the
   * clock passed through it; a step may have moved it a little further).
   */
  nowFor(timer: Timer): Date;
}

export const timerLimits = {
  sweepIntervalMs: 250,
  sweepBatchSize: 200,
  /** Timers claimed and fired in one transaction. */
  fireBatchSize: 100,
  /** Batches fired at once by one process. */
  fireConcurrency: 2,
  /** Follow-ups (e.g. webhook deliveries) of one batch run at once. */
  followUpConcurrency: 8,
  maxFailures: 5,
  /** Distinct due times an advance steps through before firing the rest at the target time. */
  maxAdvanceSteps: 2000,
  /** Wall time an advance spends stepping before it moves to the target and fires what is due. */
  advanceBudgetMs: 10_000,
  /**
   * An advance step fires, together, the due timers within this much sandbox time of the earliest
   * one, at most one per transaction (below the smallest hold TTL the API accepts, 1 s, so no
   * step can carry a transaction past a deadline it set for itself within the step).
   */
  advanceWindowMs: 500,
  maxDrainRounds: 200,
  /** Longest in-process sleep before looking again (the sweeper runs anyway). */
  maxWakeDelayMs: 60_000,
} as const;

export interface TimerServiceOptions<DB extends TimerTables & EventStoreTables> {
  readonly db: Queryable<DB>;
  readonly clock: SandboxClock;
  /** One handler per timer kind, fired with the kind's due timers of a claim (a group of one too). */
  readonly handlers: Readonly<Record<string, BatchTimerHandler<DB>>>;
  readonly logger?: Logger;
  readonly sweepIntervalMs?: number;
  readonly batchSize?: number;
  /** Runs after every sweep and every advance, with sandbox now (e.g. the daily settlement schedule). */
  readonly onTick?: (now: Date) => Promise<void>;
  /** Arms a setTimeout for the nearest due timer (the fast path when there is no Redis). */
  readonly inProcessWake?: boolean;
}

export interface AdvanceResult {
  readonly from: string;
  readonly now: string;
  readonly firedTimers: number;
  readonly position: string;
}

export interface TimerServiceStatus {
  readonly running: boolean;
  readonly sweepIntervalMs: number;
  readonly lastSweepAt: string | null;
  readonly lastSweepError: string | null;
  readonly firedSinceStart: number;
  /** Timers this process fired since it started, by the path that found them (the Redis fast path shows here). */
  readonly firedByPath: Readonly<Partial<Record<FiredBy, number>>>;
}

export interface TimerService {
  readonly clock: SandboxClock;
  /** Fires one timer if it is pending and due; true when this call fired it. */
  fireTimer(id: string, firedBy: FiredBy): Promise<boolean>;
  /** Fires those of the timers that are pending and due, in one transaction; answers how many fired. */
  fireTimers(ids: readonly string[], firedBy: FiredBy): Promise<number>;
  /** Fires up to one batch of due timers; answers how many fired. */
  fireDue(firedBy: FiredBy): Promise<number>;
  /** Fires due timers until none is left (bounded). */
  drain(firedBy: FiredBy): Promise<number>;
  /** Moves the sandbox clock forward, firing each timer at its due time on the way. */
  advance(advance: ClockAdvance, context: { actor: unknown; correlationId: string }): Promise<AdvanceResult>;
  /** Tells the in-process waker about a new timer (after its transaction committed). */
  scheduled(timer: Pick<Timer, 'dueAt'>): void;
  pending(kind?: TimerKind): Promise<number>;
  status(): TimerServiceStatus;
  start(): void;
  stop(): Promise<void>;
}

export function createTimerService<DB extends TimerTables & EventStoreTables>(options: TimerServiceOptions<DB>): TimerService {
  const { db, clock, handlers, logger } = options;
  const sweepIntervalMs = Math.max(10, Math.min(options.sweepIntervalMs ?? timerLimits.sweepIntervalMs, 60_000));
  const batchSize = Math.max(1, Math.min(options.batchSize ?? timerLimits.sweepBatchSize, 1000));
  let running = false;
  let lastSweepAt: Date | null = null;
  let lastSweepError: string | null = null;
  let firedSinceStart = 0;
  const firedByPath: Partial<Record<FiredBy, number>> = {};
  let advancing: Promise<unknown> = Promise.resolve();

  // While an advance runs, the other paths of this process stand aside, so that every timer that
  // becomes due is fired (follow-ups included) before advance() returns.
  let advanceActive = false;
  const inflight = new Set<Promise<number>>();

  function fireTimers(ids: readonly string[], firedBy: FiredBy): Promise<number> {
    if (ids.length === 0 || (advanceActive && firedBy !== 'clock_advance')) return Promise.resolve(0);
    const promise = fireTimersNow(ids.slice(0, timerLimits.fireBatchSize), firedBy);
    inflight.add(promise);
    void promise.finally(() => inflight.delete(promise)).catch(() => undefined);
    return promise;
  }

  async function fireTimersNow(ids: readonly string[], firedBy: FiredBy): Promise<number> {
    let claimed: Claimed;
    try {
      claimed = await claimAndHandle(db, clock, handlers, ids, firedBy);
    } catch (error) {
      if (ids.length > 1) {
        // One timer may be the cause: fire them one by one, so each failure is its own.
        logger?.debug({ err: error, timers: ids.length }, 'timer batch failed; firing its timers one by one');
        let count = 0;
        for (const id of ids) count += await fireTimersNow([id], firedBy);
        return count;
      }
      logger?.warn({ err: error, timerId: ids[0] }, 'timer handler failed; the timer stays pending');
      await recordTimerFailure(db, ids[0]!, error, timerLimits.maxFailures).catch(() => undefined);
      return 0;
    }
    firedSinceStart += claimed.fired.length;
    if (claimed.fired.length > 0) firedByPath[firedBy] = (firedByPath[firedBy] ?? 0) + claimed.fired.length;
    await runBounded(claimed.followUps, timerLimits.followUpConcurrency, (followUp) =>
      followUp().catch((error) => logger?.warn({ err: error }, 'timer follow-up failed')),
    );
    return claimed.fired.length;
  }

  async function fireDue(firedBy: FiredBy): Promise<number> {
    const now = await clock.now();
    const ids = await dueTimerIds(db, now, batchSize);
    const chunks: string[][] = [];
    for (let index = 0; index < ids.length; index += timerLimits.fireBatchSize)
      chunks.push(ids.slice(index, index + timerLimits.fireBatchSize));
    let fired = 0;
    await runBounded(chunks, timerLimits.fireConcurrency, async (chunk) => {
      fired += await fireTimers(chunk, firedBy);
    });
    return fired;
  }

  async function drain(firedBy: FiredBy, deadlineMs: number = Number.POSITIVE_INFINITY): Promise<number> {
    let total = 0;
    for (let round = 0; round < timerLimits.maxDrainRounds && Date.now() < deadlineMs; round += 1) {
      const fired = await fireDue(firedBy);
      total += fired;
      if (fired === 0) break; // nothing is due, or everything due is held by another process or failing
    }
    return total;
  }

  async function sweep(): Promise<void> {
    try {
      await drain('sweeper');
      const now = await clock.now();
      await options.onTick?.(now);
      lastSweepAt = now;
      lastSweepError = null;
    } catch (error) {
      lastSweepError = error instanceof Error ? error.message : String(error);
      logger?.warn({ err: error }, 'timer sweep failed');
    }
  }

  const sweeps = repeatEvery(sweepIntervalMs, sweep);

  // Without Redis, the process wakes itself at the earliest timer it knows of (the sweeper covers the rest).
  const wake = options.inProcessWake
    ? inProcessWake(clock, () => drain('in_process').then(() => (running ? earliestPendingDueAt(db) : null)), logger)
    : null;
  const armWake = (dueAt: Date) => {
    if (running) wake?.arm(dueAt);
  };

  async function advance(request: ClockAdvance, context: { actor: unknown; correlationId: string }): Promise<AdvanceResult> {
    const run = advancing.then(async () => {
      advanceActive = true;
      try {
        await Promise.allSettled([...inflight]);
        return await advanceThroughDueTimes({ db, clock, onTick: options.onTick, fireTimers, drain }, request, context);
      } finally {
        advanceActive = false;
      }
    });
    advancing = run.catch(() => undefined);
    return run;
  }

  return {
    clock,
    fireTimer: async (id, firedBy) => (await fireTimers([id], firedBy)) > 0,
    fireTimers,
    fireDue,
    drain,
    advance,
    scheduled: (timer) => armWake(timer.dueAt),
    pending: (kind) => countPendingTimers(db, kind),
    status: () => ({
      running,
      sweepIntervalMs,
      lastSweepAt: lastSweepAt?.toISOString() ?? null,
      lastSweepError,
      firedSinceStart,
      firedByPath: { ...firedByPath },
    }),
    start() {
      if (running) return;
      running = true;
      sweeps.start();
      if (options.inProcessWake) {
        void earliestPendingDueAt(db)
          .then((next) => next && armWake(next))
          .catch(() => undefined);
      }
    },
    async stop() {
      running = false;
      wake?.stop();
      await sweeps.stop();
      await advancing;
    },
  };
}

/**
 * Moves the sandbox clock to the target, firing every timer that falls due on the way at its own
 * due time (and what those schedule), then what the new time makes due, and records the advance.
 */
async function advanceThroughDueTimes<DB extends TimerTables & EventStoreTables>(
  service: {
    db: Queryable<DB>;
    clock: SandboxClock;
    onTick: ((now: Date) => Promise<void>) | undefined;
    fireTimers: (ids: readonly string[], firedBy: FiredBy) => Promise<number>;
    drain: (firedBy: FiredBy, deadlineMs?: number) => Promise<number>;
  },
  request: ClockAdvance,
  context: { actor: unknown; correlationId: string },
): Promise<AdvanceResult> {
  const { db, clock, fireTimers, drain } = service;
  const startedAtMs = Date.now();
  const steppingDeadlineMs = startedAtMs + timerLimits.advanceBudgetMs;
  const fromMs = (await clock.now()).getTime();
  const targetMs = advanceTarget(fromMs, request);
  let firedTimers = await stepThroughDueTimes(db, clock, targetMs, steppingDeadlineMs, (ids) => fireTimers(ids, 'clock_advance'));
  const now = await clock.moveTo(targetMs);
  const finalDeadlineMs = Math.max(steppingDeadlineMs, Date.now()) + timerLimits.advanceBudgetMs / 2;
  firedTimers += await drain('clock_advance', finalDeadlineMs);
  await service.onTick?.(now);
  firedTimers += await drain('clock_advance', finalDeadlineMs);
  const position = await clock.record({
    fromMs,
    toMs: now.getTime(),
    firedTimers,
    actor: context.actor,
    correlationId: context.correlationId,
  });
  return { from: new Date(fromMs).toISOString(), now: now.toISOString(), firedTimers, position };
}

/**
 * A wake-up at the earliest due time this process has heard of: `run` fires what is due and answers
 * the next due time, at which it wakes again. Never sleeps longer than maxWakeDelayMs.
 */
function inProcessWake(
  clock: SandboxClock,
  run: () => Promise<Date | null>,
  logger: Logger | undefined,
): { arm(dueAt: Date): void; stop(): void } {
  let wakeTimer: NodeJS.Timeout | undefined;
  let wakeAtMs = Number.POSITIVE_INFINITY;
  const arm = (dueAt: Date): void => {
    const dueMs = dueAt.getTime();
    if (dueMs >= wakeAtMs) return;
    wakeAtMs = dueMs;
    if (wakeTimer) clearTimeout(wakeTimer);
    const delayMs = Math.min(Math.max(0, dueMs - clock.nowCached().getTime()), timerLimits.maxWakeDelayMs);
    wakeTimer = setTimeout(() => {
      wakeTimer = undefined;
      wakeAtMs = Number.POSITIVE_INFINITY;
      void run()
        .then((next) => {
          if (next) arm(next);
        })
        .catch((error) => logger?.warn({ err: error }, 'in-process timer wake failed'));
    }, delayMs);
    wakeTimer.unref?.();
  };
  return {
    arm,
    stop() {
      if (wakeTimer) clearTimeout(wakeTimer);
      wakeTimer = undefined;
      wakeAtMs = Number.POSITIVE_INFINITY;
    },
  };
}

interface Claimed {
  readonly fired: Timer[];
  readonly followUps: Array<() => Promise<void>>;
}

/**
 * Claims the timers still pending among `ids` and runs their kinds' handlers, all in one
 * transaction; the handlers' follow-ups (webhooks to send, Redis to tell) run after it commits.
 */
async function claimAndHandle<DB extends TimerTables>(
  db: Queryable<DB>,
  clock: SandboxClock,
  handlers: Record<string, BatchTimerHandler<DB>>,
  ids: readonly string[],
  firedBy: FiredBy,
): Promise<Claimed> {
  const followUps: Array<() => Promise<void>> = [];
  const fired = await db.transaction().execute(async (transaction) => {
    followUps.length = 0;
    // The clock is read in the claiming transaction (no second connection per batch); an advance
    // has just moved it, and this process's value is the one it moved to.
    const now = firedBy === 'clock_advance' ? clock.nowCached() : await clock.now(transaction);
    const timers = await claimTimers(transaction, ids, now, firedBy);
    const context: TimerContext<DB> = {
      transaction,
      now,
      firedBy,
      nowFor: (timer) => (firedBy === 'clock_advance' && timer.dueAt.getTime() < now.getTime() ? timer.dueAt : now),
    };
    for (const [kind, group] of groupByKind(timers)) {
      const handler = handlers[kind];
      if (!handler) throw new Error(`no handler for timer kind ${kind}`);
      const after = await handler(group, context);
      if (after) followUps.push(after);
    }
    return timers;
  });
  return { fired, followUps };
}

/**
 * An advance steps through due times in order, so that (say) a webhook due before a hold's expiry
 * is handled first and a retry scheduled by a fired timer fires in its turn. A step takes the due
 * timers of a short window (advanceWindowMs), at most one per transaction and stopping at a
 * transaction's second timer, moves the clock to the last one and fires them together: each
 * transaction still sees its timers one at a time, in order, each at its own due time. Stepping
 * has a wall-time budget: under load new timers keep arriving, and an advance must still answer;
 * past the budget it moves to the target, fires what is due, and the sweeper does the rest.
 * Answers the timers fired.
 */
async function stepThroughDueTimes<DB extends TimerTables>(
  db: Queryable<DB>,
  clock: SandboxClock,
  targetMs: number,
  deadlineMs: number,
  fire: (ids: readonly string[]) => Promise<number>,
): Promise<number> {
  let firedTimers = 0;
  for (let step = 0; step < timerLimits.maxAdvanceSteps && Date.now() < deadlineMs; step += 1) {
    const window = await nextAdvanceWindow(db, new Date(targetMs));
    if (window.ids.length === 0) break;
    // Never backwards: a window behind the clock (a step moved it a little further) leaves it.
    await clock.moveTo(window.lastDueAt.getTime());
    const fired = await fire(window.ids);
    firedTimers += fired;
    if (fired === 0) break;
  }
  return firedTimers;
}

function groupByKind(timers: readonly Timer[]): Map<string, Timer[]> {
  const groups = new Map<string, Timer[]>();
  for (const timer of timers) {
    const group = groups.get(timer.kind);
    if (group) group.push(timer);
    else groups.set(timer.kind, [timer]);
  }
  return groups;
}

/** The timers of the next advance step (see advanceNow), in due order. */
async function nextAdvanceWindow<DB extends TimerTables>(db: Queryable<DB>, target: Date): Promise<{ ids: string[]; lastDueAt: Date }> {
  const { rows } = await sql<{ id: string; transaction_id: string | null; due_at: Date }>`
    select id, transaction_id, due_at from tt_timers
     where state = 'pending'
       and due_at <= least(${target}::timestamptz, (select min(due_at) from tt_timers where state = 'pending') + ${timerLimits.advanceWindowMs} * interval '1 millisecond')
     order by due_at, id limit ${timerLimits.fireBatchSize * 2}`.execute(db);
  const ids: string[] = [];
  const seen = new Set<string>();
  let lastDueAt = new Date(0);
  for (const row of rows) {
    if (row.transaction_id !== null) {
      if (seen.has(row.transaction_id)) break;
      seen.add(row.transaction_id);
    }
    ids.push(row.id);
    lastDueAt = new Date(row.due_at);
    if (ids.length >= timerLimits.fireBatchSize) break;
  }
  return { ids, lastDueAt };
}
