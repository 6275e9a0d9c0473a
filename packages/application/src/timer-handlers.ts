import type { Kysely } from 'kysely';
import { deliverWebhooks, webhookTimerKind, type DeliverOptions } from '@tracktrove/simulator';
import type { BatchTimerHandler, Timer } from '@tracktrove/timers';
import { system, type ApplicationContext } from './application-context.ts';
import type { CommandBus, TransactionRequest } from './command-bus.ts';
import { mergeApplied, resumesAfterOverride, resumeTimerKind, type Effects } from './command-effects.ts';
import { CommandPlan, planAfterDecline, planAuthorization } from './plan-authorization.ts';
import type { TrackTroveTables } from './tables.ts';

/** The sandbox time each transaction's command was decided at, for its effects. */
type DecisionTimes = Map<string, Date>;

/**
 * ExpireHold for a hold timer, decided on the state it finds: nothing when the hold is no longer
 * the pending one (a stale timer). The expiry is dated at the due time or now, whichever is later.
 */
function expiryRequest(timer: Timer, now: Date, times: DecisionTimes): TransactionRequest {
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
 * A retry timer's new authorization attempt, decided on the state it finds: nothing when the
 * transaction has moved on (a stale timer). It runs at its due time or now, whichever is later.
 */
function retryRequest(context: ApplicationContext, timer: Timer, now: Date, times: DecisionTimes): TransactionRequest {
  const transactionId = timer.transactionId!;
  let durationMs = 0;
  return {
    transactionId,
    command: (state) => {
      if (state.status !== 'RETRY_PENDING' || state.attempt !== Number(timer.payload.attempt)) return [];
      const at = new Date(Math.max(now.getTime(), Date.parse(state.nextRetryAt ?? now.toISOString())));
      times.set(transactionId, at);
      const plan = new CommandPlan(state);
      durationMs = planAuthorization(plan, { now: at, failures: context.settings.failures, backoff: context.backoff }).durationMs;
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
function resumeRequest(context: ApplicationContext, timer: Timer, now: Date, times: DecisionTimes): TransactionRequest {
  const transactionId = timer.transactionId!;
  let durationMs = 0;
  return {
    transactionId,
    command: (state) => {
      if (!resumesAfterOverride(state) || state.version !== Number(timer.payload.version)) return [];
      times.set(transactionId, now);
      const plan = new CommandPlan(state);
      if (state.status === 'INITIATED')
        durationMs = planAuthorization(plan, { now, failures: context.settings.failures, backoff: context.backoff }).durationMs;
      else planAfterDecline(plan, { now, backoff: context.backoff });
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
async function fireTogether(
  bus: CommandBus,
  transaction: Kysely<TrackTroveTables>,
  timers: readonly Timer[],
  requestOf: (timer: Timer) => TransactionRequest,
  now: Date,
  times: DecisionTimes,
): Promise<Effects> {
  const first = new Map<string, Timer>();
  const rest: Timer[] = [];
  for (const timer of timers) {
    if (first.has(timer.transactionId!)) rest.push(timer);
    else first.set(timer.transactionId!, timer);
  }
  let { effects } = await bus.executeBatchIn(
    transaction,
    [...first.values()].map(requestOf),
    (_, transactionId) => times.get(transactionId) ?? now,
  );
  for (const timer of rest) {
    const single = await bus.executeIn(transaction, requestOf(timer), () => times.get(timer.transactionId!) ?? now);
    effects = mergeApplied(effects, single.effects);
  }
  return effects;
}

export interface TimerHandlerServices {
  readonly bus: CommandBus;
  readonly applyEffects: (effects: Effects) => Promise<void>;
  readonly deliverOptions: DeliverOptions;
}

/** What each kind of timer does when it falls due: every kind fires a claimed batch together. */
export function timerHandlers(
  context: ApplicationContext,
  { bus, applyEffects, deliverOptions }: TimerHandlerServices,
): Record<string, BatchTimerHandler<TrackTroveTables>> {
  /** Due timers of a transaction command's kind: one read of their streams, one append for all. */
  const firing =
    (requestOf: (timer: Timer, now: Date, times: DecisionTimes) => TransactionRequest): BatchTimerHandler<TrackTroveTables> =>
    async (timers, { transaction, now, nowFor }) => {
      const times: DecisionTimes = new Map();
      const effects = await fireTogether(bus, transaction, timers, (timer) => requestOf(timer, nowFor(timer), times), now, times);
      return () => applyEffects(effects);
    };
  return {
    /** Due webhooks are sent after the claim commits, and their attempts recorded together. */
    async [webhookTimerKind](timers) {
      const deliveryIds = [...new Set(timers.map((timer) => String(timer.payload.deliveryId)))];
      return async () => {
        await deliverWebhooks(context.db, deliveryIds, deliverOptions);
      };
    },
    /** Due holds expire together. */
    hold_expiry: firing(expiryRequest),
    /** Due retries authorize again together, one new attempt each. */
    retry: firing((timer, now, times) => retryRequest(context, timer, now, times)),
    /** Transactions an override left in INITIATED or FAILED go on from there. */
    [resumeTimerKind]: firing((timer, now, times) => resumeRequest(context, timer, now, times)),
  };
}
