import { randomInt, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Kysely, Migration } from 'kysely';
import type { Logger } from 'pino';
import {
  decide, defaultSimulation, initialState, InvalidTransitionError, ValidationError,
  type Actor, type Channel, type Currency, type DisputeOutcome, type JsonValue, type SimulationSettings,
  type TransactionCommand, type TransactionKind, type TransactionState, type TransactionStatus,
} from '@tracktrove/domain';
import type { EventStore, Page, StoreDatabase } from '@tracktrove/event-store';
import {
  executeTransactionCommand, executeTransactionCommands, loadTransaction, loadTransactionWithPosition, VersionMismatchError, runIdempotent, runIdempotentAround, transactionIdOf, transactionStreamId,
  type CommandResult, type CommandSequence, type IdempotencyRequest, type StepContext,
} from '@tracktrove/commands';
import {
  deliverWebhook, deliverWebhooks, effectiveSimulation, listDeliveries, NotFoundError, readFailureSettings, webhookRefsOf,
  receiveVerifiedWebhooks, scheduleWebhookDelivery, webhookReceiptOf, verifyGatewayWebhook, simulatorMigrations, webhookTimerKind, writeFailureSettings,
  defaultFailureSettings, WebhookSignatureError,
  type AppliedWebhook, type DeliveryAttemptView, type DeliveryView, type FailureSettings, type ListDeliveriesOptions, type ReceiveResult, type WebhookBody, type WebhooksApplier,
  type WebhookTransport,
} from '@tracktrove/simulator';
import {
  countPendingTimers, createGroupCommit, createRedisHolds, type BatchOutcome, createSandboxClock, createTimerService, isConflict, listSettlementBatches,
  runSettlement, settlementDateOf, syncSettlementCandidates, timerMigrations, transact, transactLimits, uuidV5, type CandidateSync,
  type AdvanceResult, type BatchTimerHandler, type ClockAdvance, type ListSettlementBatchesOptions, type RedisHolds, type SettlementBatchView, type SettlementRunResult, type Timer, type FiredBy,
} from '@tracktrove/timers';
import { alongsideOf, applicationMigrations, manualConfirmationRef, effectsOf, mergeApplied, mergeEffects, noEffects, planEffects, resumesAfterOverride, resumeTimerKind, webhookSubjectOf, type Effects } from './command-effects.ts';
import { CommandPlan, planAfterDecline, planAuthorization } from './plan-authorization.ts';

export type SimulationInput = Partial<Omit<SimulationSettings, 'webhook'>> & { webhook?: Partial<SimulationSettings['webhook']> };

/** Already validated by the API (zod); amounts in minor units. */
export interface InitiateInput {
  readonly transactionId?: string;
  readonly vendorId: string;
  readonly payerId?: string | null;
  readonly amountMinor: number;
  readonly currency: Currency;
  readonly channel: Channel;
  readonly kind: TransactionKind;
  readonly payload: JsonValue;
  readonly serviceContext?: string | null;
  readonly simulation?: SimulationInput;
}

export interface TrackTroveDefaults {
  readonly escrowTtlMs: number;
  readonly maxRetries: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly amountLimits: { readonly minMinor: number; readonly maxMinor: number };
  /** T+1 cut-off, hour of the day (UTC): completed before it on day T settles on T+1, after it on T+2. Default 0 (midnight). */
  readonly settlementCutoffHourUtc?: number;
}

export interface TrackTroveOptions {
  readonly database: StoreDatabase;
  readonly store: EventStore;
  /** Unset: in-process timers plus the PostgreSQL sweeper. */
  readonly redisUrl?: string;
  readonly webhookSecret: string;
  /** How the simulated gateway reaches POST /api/webhooks/gateway; default: an in-process call of receiveWebhook. */
  readonly webhookTransport?: WebhookTransport;
  readonly webhookUrl?: string;
  readonly defaults: TrackTroveDefaults;
  readonly logger?: Logger;
  readonly timers?: {
    readonly sweepIntervalMs?: number;
    /** Sorted-set poll of the Redis fast path; 0 = keyspace notifications only. */
    readonly redisPollIntervalMs?: number;
    /** Run T+1 settlement when the sandbox date changes (default true). */
    readonly dailySettlement?: boolean;
    readonly redisKeyPrefix?: string;
  };
}

export interface CommandOptions {
  readonly correlationId?: string;
  readonly idempotency?: IdempotencyRequest;
  readonly expectedVersion?: number;
}

export type TransactionResult = CommandResult<TransactionState>;

export interface Readiness {
  readonly redis: { readonly status: 'up' | 'down' | 'disabled' | 'simulated_down'; readonly detail: string };
  readonly timers: {
    readonly status: 'running' | 'stopped' | 'degraded';
    readonly detail: string;
    readonly pending: number;
    readonly overdue: number;
    readonly lastSweepAt: string | null;
  };
}

export interface TrackTrove {
  readonly migrations: Record<string, Migration>;
  start(): Promise<void>;
  stop(): Promise<void>;
  readiness(): Promise<Readiness>;
  pendingHolds(): Promise<number>;
  /** Timers this process fired since it started, by the path that found them (redis_notification, redis_poll, sweeper...). */
  timersFired(): Readonly<Partial<Record<FiredBy, number>>>;
  initiate(input: InitiateInput, actor: Actor, options?: CommandOptions): Promise<TransactionResult>;
  confirm(transactionId: string, actor: Actor, options?: CommandOptions): Promise<TransactionResult>;
  retry(transactionId: string, actor: Actor, options?: CommandOptions): Promise<TransactionResult>;
  refund(transactionId: string, reason: string, actor: Actor, options?: CommandOptions): Promise<TransactionResult>;
  openDispute(transactionId: string, reason: string, actor: Actor, options?: CommandOptions): Promise<TransactionResult>;
  resolveDispute(transactionId: string, outcome: DisputeOutcome, actor: Actor, options?: CommandOptions): Promise<TransactionResult>;
  override(transactionId: string, to: TransactionStatus, reason: string, actor: Actor, options?: CommandOptions): Promise<TransactionResult>;
  runSettlement(options?: { settlementDate?: string; actor?: Actor; correlationId?: string }): Promise<SettlementRunResult>;
  /** Settlement batches, latest first, a page at a time (pass the previous page's nextCursor as `cursor`). */
  listSettlementBatches(options?: ListSettlementBatchesOptions): Promise<Page<SettlementBatchView>>;
  /** Puts these transactions' settlement candidates right from their states (what verify's `settlement_candidates` reports). */
  syncSettlementCandidates(transactionIds: readonly string[]): Promise<CandidateSync>;
  readonly clock: {
    now(): Promise<Date>;
    /** Sandbox now with the offset this process last read (at most one sweep old), without I/O. */
    nowCached(): Date;
    advance(advance: ClockAdvance, actor?: Actor, correlationId?: string): Promise<AdvanceResult>;
  };
  readonly failures: {
    get(): Promise<FailureSettings>;
    put(settings: unknown): Promise<FailureSettings>;
  };
  receiveWebhook(input: { rawBody: string; signatureHeader: string | undefined | null }): Promise<ReceiveResult>;
  /** The delivery log, a page at a time (pass the previous page's nextCursor as `cursor`). */
  listDeliveries(options?: ListDeliveriesOptions): Promise<Page<DeliveryView>>;
  redeliver(deliveryId: string): Promise<DeliveryAttemptView>;
  /** Read models this package adds to the projection runtime (none: its logs are tables written with the events). */
  readonly projections: readonly never[];
}

const system = (id: string): Actor => ({ role: 'system', id });

/**
 * Group commit of commands: up to 64 in one statement (well under the store's streams and events
 * per append: an initiate brings its transaction and webhook streams and four events), two
 * batches written at once, 2,000 waiting at most (then 503).
 */
export const commandBatchLimits = { maxBatch: 64, maxInFlight: 2, maxQueued: 2_000 } as const;

/** Group commit of gateway webhooks: up to 32 receipts and their commands in one transaction. */
export const webhookBatchLimits = { maxBatch: 32, maxInFlight: 2, maxQueued: 2_000 } as const;
const anonymousPayerId = uuidV5('tracktrove|anonymous-payer');

/**
 * Items in rounds with one item per key each (a batch appends one command per stream), every
 * round in key order so that concurrent batches lock their streams alike; with each item's index.
 */
/**
 * Whether the database answered an error of its own (a SQLSTATE), outside the classes of lost
 * connections, exhausted resources and operator intervention: the transaction it ended did not
 * commit. A connection lost mid-commit gives no such answer, and its outcome is unknown.
 */
function refusedByDatabase(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|53|57|58|XX)/.test(code);
}

function roundsOfDistinct<T>(items: readonly T[], keyOf: (item: T) => string): { item: T; index: number }[][] {
  const rounds: { item: T; index: number }[][] = [];
  const roundOf = new Map<string, number>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    const round = roundOf.get(key) ?? 0;
    roundOf.set(key, round + 1);
    (rounds[round] ??= []).push({ item, index });
  });
  for (const round of rounds) round.sort((a, b) => (keyOf(a.item) < keyOf(b.item) ? -1 : 1));
  return rounds;
}

/** Runs work again from the start when a concurrent writer made it conflict, a bounded number of times. */
async function withConflictRetries<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isConflict(error) || attempt >= transactLimits.maxAttempts) throw error;
    }
  }
}

/** Clock advances across processes take this lock, waiting for it at most waitMs (an advance answers within its budget, 10 s plus half). */
const clockAdvanceLock = 'tt-clock-advance';
const advanceLockLimits = { waitMs: 30_000, pollMs: 25 } as const;

async function waitForAdvisoryLock(database: StoreDatabase, name: string) {
  const deadlineMs = Date.now() + advanceLockLimits.waitMs;
  for (;;) {
    const lock = await database.tryAdvisoryLock(name);
    if (lock) return lock;
    if (Date.now() >= deadlineMs) {
      throw Object.assign(new Error(`another clock advance has been running for ${advanceLockLimits.waitMs} ms; try again`), { code: 'unavailable' });
    }
    await new Promise((resolve) => setTimeout(resolve, advanceLockLimits.pollMs));
  }
}

export function createTrackTrove(options: TrackTroveOptions): TrackTrove {
  const { database, logger, defaults } = options;
  const db = database.db as Kysely<any>;
  const clock = createSandboxClock(db);
  const webhookUrl = options.webhookUrl ?? '/api/webhooks/gateway';
  const backoff = { baseDelayMs: defaults.retryBaseDelayMs, maxDelayMs: defaults.retryMaxDelayMs };
  let failures: FailureSettings = defaultFailureSettings;
  let lastSettlementDate: string | null = null;

  const transport: WebhookTransport = options.webhookTransport ?? (async (request) => {
    try {
      const result = await receiveWebhook({ rawBody: request.body, signatureHeader: request.headers['TrackTrove-Signature'] });
      return { status: 200, body: JSON.stringify(result) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const status = error instanceof WebhookSignatureError || code === 'validation_failed' ? 400 : code === 'not_found' ? 404 : 500;
      return { status, body: JSON.stringify({ code: code ?? 'internal', detail: error instanceof Error ? error.message : String(error) }) };
    }
  });

  // ---- commands with their effects, in one statement ----

  interface Request {
    readonly transactionId: string;
    readonly command: TransactionCommand | CommandSequence | ((state: TransactionState) => TransactionCommand | CommandSequence);
    readonly context: StepContext;
    readonly stepOf?: (state: TransactionState) => Pick<StepContext, 'attempt' | 'durationMs'>;
    readonly expectedVersion?: number;
    readonly newStream?: boolean;
  }

  /**
   * Runs a transaction command with its effects (command-effects.ts), in the caller's transaction
   * or, given the database, as one statement of its own.
   */
  async function executeIn(executor: Kysely<any>, request: Request, now: Date | (() => Date)): Promise<{ result: TransactionResult; effects: Effects }> {
    const correlationId = request.context.correlationId;
    const result = await executeTransactionCommand(executor, {
      ...request,
      alongside: (before, after) => alongsideOf(planEffects(before, after, { now: typeof now === 'function' ? now() : now, correlationId, failures, webhookUrl })),
    });
    return { result, effects: effectsOf(result.alongside) };
  }

  async function applyEffects(effects: Effects): Promise<void> {
    for (const timer of effects.newTimers) timerService.scheduled(timer);
    if (!redis) return;
    const nowMs = clock.nowCached().getTime();
    try {
      // Registered together: the holds of a batch of commands go in one MULTI.
      await Promise.all([
        ...effects.newHolds
          .filter((hold) => hold.payload.dropNotification !== true) // failure injection: the expiry notification is lost
          .map((hold) => redis.register({ timerId: hold.id, dueAtMs: hold.dueAt.getTime(), nowMs })),
        redis.remove(effects.cancelledHolds),
      ]);
    } catch (error) {
      logger?.debug({ err: error }, 'redis fast path unavailable; the sweeper covers');
    }
  }

  /**
   * A command: with neither an idempotency key nor If-Match it joins the group commit of commands
   * (several written together while earlier ones are being written); otherwise it runs alone.
   */
  function execute(request: Request, now: Date, idempotency?: IdempotencyRequest): Promise<TransactionResult> {
    if (!idempotency && request.expectedVersion === undefined) return submitCommand({ request, now });
    return executeAlone(request, now, idempotency);
  }

  /**
   * A command on its own: one statement, or with an idempotency key one transaction that also
   * claims the key. Run again from the start when a concurrent writer made it conflict.
   */
  function executeAlone(request: Request, now: Date, idempotency?: IdempotencyRequest): Promise<TransactionResult> {
    return withConflictRetries(async () => {
      if (!idempotency) {
        const { result, effects } = await executeIn(db, request, now);
        await applyEffects(effects);
        return result;
      }
      let executed: { result: TransactionResult; effects: Effects } | undefined;
      const { result: stored, replayed } = await runIdempotent(db, idempotency, async (transaction) => {
        executed = await executeIn(transaction, request, now);
        const { result } = executed;
        return { version: result.version, position: result.position, appended: result.appended.map((event) => ({ ...event, recordedAt: event.recordedAt.toISOString() })) };
      });
      if (!replayed && executed) {
        await applyEffects(executed.effects);
        return executed.result;
      }
      // A replay answers for the transaction the first request made (initiate may have generated its id).
      const streamId = stored.appended[0]?.streamId ?? transactionStreamId(request.transactionId);
      const transactionId = transactionIdOf(streamId) ?? request.transactionId;
      const state = (await loadTransaction(db, transactionId, stored.version)) ?? initialState();
      return {
        streamId,
        state,
        version: stored.version,
        position: stored.position,
        appended: stored.appended.map((event) => ({ ...event, recordedAt: new Date(event.recordedAt) })),
        replayed,
      };
    });
  }

  const existing = (transactionId: string, build: (state: TransactionState) => TransactionCommand | CommandSequence) => (state: TransactionState) => {
    if (state.status === 'NEW') throw new NotFoundError('transaction', transactionId);
    return build(state);
  };

  const contextOf = (actor: Actor, commandOptions: CommandOptions | undefined, extra: Partial<StepContext> = {}): StepContext => ({
    actor, correlationId: commandOptions?.correlationId ?? randomUUID(), ...extra,
  });

  // ---- timers ----

  /**
   * ExpireHold for a hold timer, decided on the state it finds: nothing when the hold is no longer
   * the pending one (a stale timer). The expiry is dated at the due time or now, whichever is later.
   */
  function expiryRequest(timer: Timer, now: Date, times: Map<string, Date>): Request {
    const transactionId = timer.transactionId!;
    const holdId = String(timer.payload.holdId);
    return {
      transactionId,
      command: (state) => {
        if (state.hold?.holdId !== holdId || state.hold.state !== 'pending') return [];
        const at = new Date(Math.max(now.getTime(), Date.parse(state.hold.expiresAt)));
        times.set(transactionId, at);
        return { type: 'ExpireHold', holdId, now: at.toISOString() };
      },
      context: { actor: system('escrow-timer'), correlationId: transactionId, causationId: timer.id, service: 'escrow' },
    };
  }

  /**
   * Commands on distinct transactions as one batch: one read (none for new streams), one append with
   * all their effects. nowOf gives each command's sandbox time for its effects.
   */
  async function executeBatchIn(executor: Kysely<any>, requests: readonly Request[], nowOf: (index: number, transactionId: string) => Date, isolateDecisionErrors = false) {
    const batch = await executeTransactionCommands(executor, requests, {
      isolateDecisionErrors,
      alongside: (transitions) => alongsideOf(mergeEffects(transitions.map(({ index, before, after }) =>
        planEffects(before, after, { now: nowOf(index, after.transactionId), correlationId: requests[index]!.context.correlationId, failures, webhookUrl })))),
    });
    return { batch, effects: effectsOf(batch.alongside) };
  }

  /**
   * Commands written together (group-commit.ts): a lone command goes at once by the one-stream
   * statement; a group goes in rounds of distinct transactions, each round one read and one
   * multi-stream append with all its effects. A command whose decision throws is answered alone;
   * a round the database refuses, or that keeps conflicting, is tried again one command at a time,
   * so only the command at fault fails (earlier rounds have committed).
   */
  const submitCommand = createGroupCommit<{ request: Request; now: Date }, TransactionResult>(commandBatchLimits, async (items) => {
    if (items.length === 1) {
      const [{ request, now }] = items as [{ request: Request; now: Date }];
      return [{ ok: true, value: await executeAlone(request, now) }];
    }
    const outcomes: BatchOutcome<TransactionResult>[] = [];
    for (const round of roundsOfDistinct(items, (item) => item.request.transactionId)) {
      let executed: Awaited<ReturnType<typeof executeBatchIn>>;
      try {
        executed = await withConflictRetries(() => executeBatchIn(db, round.map(({ item }) => item.request), (index) => round[index]!.item.now, true));
      } catch (error) {
        if (round.length === 1 || !(refusedByDatabase(error) || isConflict(error))) {
          for (const { index } of round) outcomes[index] = { ok: false, error };
          continue;
        }
        // The database refused the round, or one of its transactions kept conflicting with writers
        // elsewhere past the retries: either way none of it committed. The command at fault (a
        // value the database cannot store, a transaction too busy) must not fail its neighbours:
        // each goes again alone and answers for itself. (A lost connection is another matter: the
        // round may have committed.)
        for (const { item, index } of round) {
          try {
            outcomes[index] = { ok: true, value: await executeAlone(item.request, item.now) };
          } catch (alone) {
            outcomes[index] = { ok: false, error: alone };
          }
        }
        continue;
      }
      const { batch, effects } = executed;
      round.forEach(({ index }, position) => {
        const error = batch.errors[position];
        outcomes[index] = error === undefined ? { ok: true, value: batch.results[position]! } : { ok: false, error };
      });
      await applyEffects(effects);
    }
    return outcomes;
  });

  /**
   * A retry timer's new authorization attempt, decided on the state it finds: nothing when the
   * transaction has moved on (a stale timer). It runs at its due time or now, whichever is later.
   */
  function retryRequest(timer: Timer, now: Date, times: Map<string, Date>): Request {
    const transactionId = timer.transactionId!;
    let durationMs = 0;
    return {
      transactionId,
      command: (state) => {
        if (state.status !== 'RETRY_PENDING' || state.attempt !== Number(timer.payload.attempt)) return [];
        const at = new Date(Math.max(now.getTime(), Date.parse(state.nextRetryAt ?? now.toISOString())));
        times.set(transactionId, at);
        const plan = new CommandPlan(state);
        durationMs = planAuthorization(plan, { now: at, failures, backoff }).durationMs;
        return plan.commands;
      },
      context: { actor: system('retry-timer'), correlationId: transactionId, causationId: timer.id },
      stepOf: (state) => ({ attempt: state.attempt, durationMs }),
    };
  }

  /**
   * A resume timer (after an override to INITIATED or FAILED, see command-effects.ts) carries the
   * transaction on as the lifecycle would: from INITIATED the gateway authorizes it, from FAILED a
   * retry is scheduled with backoff, or the retries are exhausted. Nothing when the transaction has
   * moved on since (another override, a forced retry): a stale timer.
   */
  function resumeRequest(timer: Timer, now: Date, times: Map<string, Date>): Request {
    const transactionId = timer.transactionId!;
    let durationMs = 0;
    return {
      transactionId,
      command: (state) => {
        if (!resumesAfterOverride(state) || state.version !== Number(timer.payload.version)) return [];
        times.set(transactionId, now);
        const plan = new CommandPlan(state);
        if (state.status === 'INITIATED') durationMs = planAuthorization(plan, { now, failures, backoff }).durationMs;
        else planAfterDecline(plan, { now, backoff });
        return plan.commands;
      },
      context: { actor: system('resume-timer'), correlationId: transactionId, causationId: timer.id, service: 'gateway' },
      stepOf: (state) => ({ attempt: state.attempt, durationMs }),
    };
  }

  /**
   * Timers of one kind decided together in their claim's transaction: the first timer of each
   * transaction in one batch (one read, one append with every effect), a further timer of the same
   * transaction after it, on its own. `times` holds the sandbox time each command was decided at.
   */
  async function fireTogether(transaction: Kysely<any>, timers: readonly Timer[], requestOf: (timer: Timer) => Request, now: Date, times: Map<string, Date>): Promise<Effects> {
    const first = new Map<string, Timer>();
    const rest: Timer[] = [];
    for (const timer of timers) {
      if (first.has(timer.transactionId!)) rest.push(timer);
      else first.set(timer.transactionId!, timer);
    }
    let { effects } = await executeBatchIn(transaction, [...first.values()].map(requestOf), (_, transactionId) => times.get(transactionId) ?? now);
    for (const timer of rest) {
      const single = await executeIn(transaction, requestOf(timer), () => times.get(timer.transactionId!) ?? now);
      effects = mergeApplied(effects, single.effects);
    }
    return effects;
  }

  /** What each kind of timer does when it falls due: every kind fires a claimed batch together. */
  const handlers: Record<string, BatchTimerHandler> = {
    /** Due webhooks are sent after the claim commits, and their attempts recorded together. */
    async [webhookTimerKind](timers) {
      const deliveryIds = [...new Set(timers.map((timer) => String(timer.payload.deliveryId)))];
      return async () => {
        await deliverWebhooks(db, deliveryIds, deliverOptions);
      };
    },
    /** Due holds expire together: one read of their streams, one append for all (timers fire in batches). */
    async hold_expiry(timers, { transaction, now, nowFor }) {
      const times = new Map<string, Date>();
      const effects = await fireTogether(transaction, timers, (timer) => expiryRequest(timer, nowFor(timer), times), now, times);
      return () => applyEffects(effects);
    },
    /** Due retries authorize again together: one read of their streams, one append of every new attempt. */
    async retry(timers, { transaction, now, nowFor }) {
      const times = new Map<string, Date>();
      const effects = await fireTogether(transaction, timers, (timer) => retryRequest(timer, nowFor(timer), times), now, times);
      return () => applyEffects(effects);
    },
    /** Transactions an override left in INITIATED or FAILED go on from there. */
    async [resumeTimerKind](timers, { transaction, now, nowFor }) {
      const times = new Map<string, Date>();
      const effects = await fireTogether(transaction, timers, (timer) => resumeRequest(timer, nowFor(timer), times), now, times);
      return () => applyEffects(effects);
    },
  };

  const deliverOptions = {
    secret: options.webhookSecret,
    transport: (request: Parameters<WebhookTransport>[0]) => transport(request),
    now: () => clock.nowRecent(),
    onScheduled: (timer: Timer) => timerService.scheduled(timer),
  };

  const timerService = createTimerService({
    db,
    clock,
    handlers,
    logger,
    sweepIntervalMs: options.timers?.sweepIntervalMs,
    inProcessWake: !options.redisUrl,
    onTick: async (now) => {
      failures = await readFailureSettings(db);
      if (options.timers?.dailySettlement === false) return;
      const date = settlementDateOf(now);
      if (date === lastSettlementDate) return;
      const lock = await database.tryAdvisoryLock('tt-settlement-schedule');
      if (!lock) return;
      try {
        const result = await runSettlement(db, {
          now, settlementDate: date, cutoffHourUtc: defaults.settlementCutoffHourUtc, actor: system('settlement-schedule'), correlationId: `settlement-${date}`,
        });
        // A run stopped at its budget: the next tick settles the rest.
        if (result.complete) lastSettlementDate = date;
        if (result.settledCount > 0) logger?.info({ ...result }, 'T+1 settlement ran');
      } finally {
        await lock.release();
      }
    },
  });

  const redis: RedisHolds | null = options.redisUrl
    ? createRedisHolds({
      url: options.redisUrl,
      fire: (timerIds, firedBy) => timerService.fireTimers(timerIds, firedBy),
      nowMs: () => clock.nowCached().getTime(),
      simulatedDown: () => failures.redisDown,
      pollIntervalMs: options.timers?.redisPollIntervalMs,
      keyPrefix: options.timers?.redisKeyPrefix,
      logger,
    })
    : null;

  // ---- the facade ----

  /**
   * The command a verified webhook stands for, decided on the transaction it names. A webhook the
   * simulated gateway sent names, through its delivery, the hold or refund it is for: a confirmation
   * of a hold an override replaced confirms nothing (nor a refund outcome another refund).
   */
  function webhookRequest(body: WebhookBody, now: Date, subject: ReturnType<typeof webhookSubjectOf>): Request {
    const at = now.toISOString();
    const holdId = subject && 'holdId' in subject ? { holdId: subject.holdId } : {};
    const refundId = subject && 'refundId' in subject ? { refundId: subject.refundId } : {};
    return {
      transactionId: body.transactionId,
      command: (state) => {
        if (state.status === 'NEW') throw new NotFoundError('transaction', body.transactionId);
        switch (body.type) {
          case 'payment.confirmed':
            return { type: 'ConfirmPayment', now: at, ...holdId };
          case 'refund.succeeded':
            return { type: 'CompleteRefund', outcome: 'succeeded', now: at, ...refundId };
          case 'refund.failed':
            return { type: 'CompleteRefund', outcome: 'failed', reason: 'the gateway could not refund (simulated)', now: at, ...refundId };
          case 'payment.failed':
            return [];
        }
      },
      context: { actor: system('gateway-webhook'), correlationId: body.transactionId, causationId: body.id, service: 'webhooks' },
    };
  }

  /** The note of a webhook accepted without effect because its command was a no-op (a second confirmation). */
  const alreadyApplied = 'already applied';

  /**
   * Verified webhooks applied in their receipts' transaction, together: one read of their
   * transactions and one append for every command (a second webhook of one transaction goes in the
   * next round). The effects are those of the attempt that commits.
   */
  const applyWebhooks = (now: Date, applied: { effects: Effects }): WebhooksApplier => async (transaction, bodies) => {
    applied.effects = noEffects();
    const outcomes: (AppliedWebhook | { error: unknown })[] = [];
    const refs = await webhookRefsOf(transaction, bodies.map((body) => body.id));
    const subjectOf = (body: WebhookBody) => {
      const ref = refs.get(body.id);
      return ref === undefined ? null : webhookSubjectOf(ref);
    };
    for (const round of roundsOfDistinct(bodies, (body) => body.transactionId)) {
      const { batch, effects } = await executeBatchIn(transaction, round.map(({ item }) => webhookRequest(item, now, subjectOf(item))), () => now, true);
      applied.effects = mergeApplied(applied.effects, effects);
      round.forEach(({ item: body, index }, position) => {
        const { version, position: logPosition, appended } = batch.results[position]!;
        const error = batch.errors[position];
        if (error instanceof InvalidTransitionError) {
          logger?.info({ webhookId: body.id, transactionId: body.transactionId, reason: error.message }, 'webhook accepted without effect');
          outcomes[index] = { outcome: 'ignored', note: error.message, version, position: null };
        } else if (error !== undefined) {
          outcomes[index] = { error };
        } else if (body.type === 'payment.failed') {
          outcomes[index] = { outcome: 'ignored', note: 'payment.failed is informational: declines are recorded when the gateway answers', version, position: null };
        } else {
          const changed = appended.length > 0;
          outcomes[index] = { outcome: changed ? 'processed' : 'ignored', note: changed ? null : alreadyApplied, version, position: logPosition };
        }
      });
    }
    return outcomes;
  };

  async function receiveWebhooks(bodies: readonly WebhookBody[]): Promise<BatchOutcome<ReceiveResult>[]> {
    // Read before the receipts' transaction (on PGlite's one connection a read beside it would wait
    // forever): the offset as last read, at most one sweep old and current after a move made here.
    const now = await clock.nowRecent();
    const applied = { effects: noEffects() };
    const results = await receiveVerifiedWebhooks(db, bodies, applyWebhooks(now, applied));
    await applyEffects(applied.effects);
    return results.map((result) => ('error' in result ? { ok: false, error: result.error } : { ok: true, value: result }));
  }

  /** Webhooks received while earlier ones are being applied go together (group-commit.ts); a failed batch is tried again one by one. */
  const submitWebhook = createGroupCommit<WebhookBody, ReceiveResult>(webhookBatchLimits, async (bodies) => {
    try {
      return await receiveWebhooks(bodies);
    } catch (error) {
      if (bodies.length === 1) throw error;
      const outcomes: BatchOutcome<ReceiveResult>[] = [];
      for (const body of bodies) {
        try {
          outcomes.push(...(await receiveWebhooks([body])));
        } catch (single) {
          outcomes.push({ ok: false, error: single });
        }
      }
      return outcomes;
    }
  });

  async function receiveWebhook(input: { rawBody: string; signatureHeader: string | undefined | null }): Promise<ReceiveResult> {
    return submitWebhook(verifyGatewayWebhook(input, { secret: options.webhookSecret }));
  }

  async function currentResult(transactionId: string): Promise<TransactionResult> {
    const current = await loadTransactionWithPosition(db, transactionId);
    if (!current) throw new NotFoundError('transaction', transactionId);
    return { streamId: transactionStreamId(transactionId), state: current.state, version: current.state.version, position: current.position, appended: [], replayed: false };
  }

  /** The gateway's confirmation now, delivered through the webhook path so it shows in the delivery log. */
  async function confirmNow(transactionId: string, actor: Actor, commandOptions: CommandOptions | undefined): Promise<TransactionResult> {
    const state = await loadTransaction(db, transactionId);
    if (!state) throw new NotFoundError('transaction', transactionId);
    if (commandOptions?.expectedVersion !== undefined && commandOptions.expectedVersion !== state.version) {
      throw new VersionMismatchError(transactionStreamId(transactionId), commandOptions.expectedVersion, state.version);
    }
    const now = await clock.now();
    if (decide({ type: 'ConfirmPayment', now: now.toISOString() }, state).length === 0) return currentResult(transactionId);
    const ref = manualConfirmationRef(randomUUID(), commandOptions?.expectedVersion !== undefined ? state.hold?.holdId ?? null : null);
    const body: WebhookBody = { id: `evt_${randomUUID()}`, type: 'payment.confirmed', transactionId, createdAt: now.toISOString() };
    const scheduled = await transact(db, (transaction) => scheduleWebhookDelivery(transaction, {
      ref, body, url: webhookUrl, dueAt: now, now, correlationId: transactionId, withTimer: false,
      injection: { dropped: false, duplicateOf: null, extraDelayMs: 0, reason: `confirmed by ${actor.role} ${actor.id}` },
    }));
    if (!scheduled) throw new Error('manual confirmation was not scheduled');
    const attempt = await deliverWebhook(db, scheduled.deliveryId, deliverOptions);
    if (attempt.outcome !== 'delivered') {
      throw Object.assign(new Error(`the confirmation webhook was not accepted (${attempt.status ?? attempt.error}); it will be retried`), { code: 'unavailable' });
    }
    const result = await currentResult(transactionId);
    // A command that came first (a refund, the hold's expiry) made the confirmation invalid: it is
    // refused, as it would be after that command, not answered as if it had posted the hold.
    const receipt = await webhookReceiptOf(db, body.id);
    // With If-Match, a confirmation that changed nothing (even one another confirmation made first) saw a version that is gone.
    if (receipt?.outcome === 'ignored' && commandOptions?.expectedVersion !== undefined) {
      throw new VersionMismatchError(transactionStreamId(transactionId), commandOptions.expectedVersion, result.version);
    }
    if (receipt?.outcome === 'ignored' && receipt.note !== alreadyApplied) {
      throw new InvalidTransitionError({ from: result.state.status, to: 'COMPLETED', command: 'ConfirmPayment', reason: receipt.note ?? 'the confirmation changed nothing' });
    }
    return result;
  }

  function mergeSimulation(input: SimulationInput | undefined): SimulationSettings {
    return {
      ...defaultSimulation,
      escrowTtlMs: defaults.escrowTtlMs,
      seed: randomInt(0, 2 ** 32 - 1),
      ...input,
      webhook: { ...defaultSimulation.webhook, ...input?.webhook },
    };
  }

  const facade: TrackTrove = {
    migrations: { ...timerMigrations, ...simulatorMigrations, ...applicationMigrations },
    projections: [],

    async start() {
      failures = await readFailureSettings(db);
      timerService.start();
      await redis?.start();
    },
    async stop() {
      await redis?.stop();
      await timerService.stop();
    },
    async readiness() {
      const now = await clock.now();
      const [pending, overdue] = await Promise.all([
        countPendingTimers(db),
        db.selectFrom('tt_timers' as any).select((eb: any) => eb.fn.countAll().as('count'))
          .where('state' as any, '=', 'pending').where('due_at' as any, '<', new Date(now.getTime() - 5_000)).executeTakeFirst()
          .then((row: any) => Number(row?.count ?? 0)),
      ]);
      const status = timerService.status();
      return {
        redis: redis ? redis.status() : { status: 'disabled', detail: 'REDIS_URL is not set: in-process timers with the PostgreSQL sweeper' },
        timers: {
          status: !status.running ? 'stopped' : status.lastSweepError ? 'degraded' : 'running',
          detail: status.lastSweepError ?? `sweeper every ${status.sweepIntervalMs} ms`,
          pending,
          overdue,
          lastSweepAt: status.lastSweepAt,
        },
      };
    },
    pendingHolds: () => countPendingTimers(db, 'hold_expiry'),
    timersFired: () => timerService.status().firedByPath,

    async initiate(input, actor, commandOptions) {
      const { minMinor, maxMinor } = defaults.amountLimits;
      if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor < minMinor || input.amountMinor > maxMinor) {
        throw new ValidationError([{ path: 'amount', message: `must be between ${minMinor} and ${maxMinor} minor units` }]);
      }
      // The offset and the failure settings as this process last read them (at most one sweep
      // ago, and at once after a change made here): two round trips fewer per initiate.
      const now = await clock.nowRecent();
      const transactionId = input.transactionId ?? randomUUID();
      const requestedSimulation = mergeSimulation(input.simulation);
      const simulation = effectiveSimulation(requestedSimulation, failures);
      const plan = new CommandPlan(initialState());
      plan.add({
        type: 'Initiate', transactionId, vendorId: input.vendorId, payerId: input.payerId ?? anonymousPayerId, amountMinor: input.amountMinor,
        currency: input.currency, channel: input.channel, kind: input.kind, payload: input.payload, serviceContext: input.serviceContext ?? null,
        simulation, ...(isDeepStrictEqual(simulation, requestedSimulation) ? {} : { requestedSimulation }), retryPolicy: { maxRetries: defaults.maxRetries }, now: now.toISOString(),
      });
      const decision = planAuthorization(plan, { now, failures, backoff });
      const request: Request = {
        transactionId,
        command: plan.commands,
        context: contextOf(actor, commandOptions, { durationMs: decision.durationMs }),
        newStream: input.transactionId === undefined,
      };
      return execute(request, now, commandOptions?.idempotency);
    },

    async confirm(transactionId, actor, commandOptions) {
      const idempotency = commandOptions?.idempotency;
      if (!idempotency) return confirmNow(transactionId, actor, commandOptions);
      // The confirmation commits through the webhook path, in transactions of its own, so its key is
      // stored after it rather than with it; confirming a confirmed transaction changes nothing.
      let confirmed: TransactionResult | undefined;
      const { result: stored, replayed } = await runIdempotentAround(db, idempotency, async () => {
        confirmed = await confirmNow(transactionId, actor, commandOptions);
        return { version: confirmed.version, position: confirmed.position };
      });
      if (!replayed && confirmed) return confirmed;
      const state = (await loadTransaction(db, transactionId, stored.version)) ?? initialState();
      return { streamId: transactionStreamId(transactionId), state, version: stored.version, position: stored.position, appended: [], replayed: true };
    },

    async retry(transactionId, actor, commandOptions) {
      const now = await clock.now();
      // The gateway is deterministic for a state: preview its latency for the step's metadata.
      const preview = await loadTransaction(db, transactionId);
      let durationMs = 0;
      try {
        if (preview) durationMs = planAuthorization(new CommandPlan(preview), { now, failures, backoff, forced: true }).durationMs;
      } catch {
        // the command below reports the rejection
      }
      return execute({
        transactionId,
        expectedVersion: commandOptions?.expectedVersion,
        command: existing(transactionId, (state) => {
          const plan = new CommandPlan(state);
          planAuthorization(plan, { now, failures, backoff, forced: true });
          return plan.commands;
        }),
        context: contextOf(actor, commandOptions, { service: 'gateway', durationMs }),
        // The attempt the forced retry runs: the scheduled one from RETRY_PENDING, the next one from FAILED.
        stepOf: (state) => ({ attempt: state.status === 'FAILED' ? state.attempt + 1 : Math.max(1, state.attempt) }),
      }, now, commandOptions?.idempotency);
    },

    async refund(transactionId, reason, actor, commandOptions) {
      const now = await clock.now();
      const refundId = randomUUID();
      return execute({
        transactionId,
        expectedVersion: commandOptions?.expectedVersion,
        command: existing(transactionId, () => ({ type: 'RequestRefund', refundId, reason, now: now.toISOString() })),
        context: contextOf(actor, commandOptions),
      }, now, commandOptions?.idempotency);
    },

    async openDispute(transactionId, reason, actor, commandOptions) {
      const now = await clock.now();
      const disputeId = randomUUID();
      return execute({
        transactionId,
        expectedVersion: commandOptions?.expectedVersion,
        command: existing(transactionId, () => ({ type: 'OpenDispute', disputeId, reason, now: now.toISOString() })),
        context: contextOf(actor, commandOptions),
      }, now, commandOptions?.idempotency);
    },

    async resolveDispute(transactionId, outcome, actor, commandOptions) {
      const now = await clock.now();
      return execute({
        transactionId,
        expectedVersion: commandOptions?.expectedVersion,
        command: existing(transactionId, () => ({ type: 'ResolveDispute', outcome, now: now.toISOString() })),
        context: contextOf(actor, commandOptions),
      }, now, commandOptions?.idempotency);
    },

    async override(transactionId, to, reason, actor, commandOptions) {
      const now = await clock.now();
      return execute({
        transactionId,
        expectedVersion: commandOptions?.expectedVersion,
        command: existing(transactionId, () => ({ type: 'OverrideStatus', to, reason, actor, now: now.toISOString() })),
        context: contextOf(actor, commandOptions, { service: 'admin' }),
      }, now, commandOptions?.idempotency);
    },

    async runSettlement(settlementOptions = {}) {
      const now = await clock.now();
      return runSettlement(db, {
        now,
        settlementDate: settlementOptions.settlementDate,
        cutoffHourUtc: defaults.settlementCutoffHourUtc,
        actor: settlementOptions.actor ?? system('settlement'),
        correlationId: settlementOptions.correlationId ?? randomUUID(),
      });
    },
    listSettlementBatches: (filter) => listSettlementBatches(db, filter),
    syncSettlementCandidates: (transactionIds) => syncSettlementCandidates(db, transactionIds),

    clock: {
      now: () => clock.now(),
      nowCached: () => clock.nowCached(),
      async advance(advance, actor = system('clock'), correlationId = randomUUID()) {
        // One advance at a time across processes: each reads the clock and moves it from there, so
        // two at once would both start from the same now and one of them would be lost.
        const lock = await waitForAdvisoryLock(database, clockAdvanceLock);
        try {
          return await timerService.advance(advance, { actor, correlationId });
        } finally {
          await lock.release();
        }
      },
    },
    failures: {
      get: () => readFailureSettings(db),
      async put(settings) {
        failures = await writeFailureSettings(db, settings);
        return failures;
      },
    },
    receiveWebhook,
    listDeliveries: (filter) => listDeliveries(db, filter),
    redeliver: (deliveryId) => deliverWebhook(db, deliveryId, { ...deliverOptions, manual: true }),
  };
  return facade;
}
