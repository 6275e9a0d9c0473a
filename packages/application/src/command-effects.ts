import { randomUUID } from 'node:crypto';
import { sql, type Migration } from 'kysely';
import { awaitsSettlement, traceparentAt, type TransactionState } from '@tracktrove/domain';
import type { Alongside } from '@tracktrove/commands';
import type { StreamAppend } from '@tracktrove/event-store';
import {
  magicEffectOf,
  planWebhookDelivery,
  seededRandom,
  simulationInForce,
  type FailureSettings,
  type WebhookBody,
  type WebhookDeliveryPlan,
  type WebhookInjection,
  type WebhookType,
} from '@tracktrove/simulator';
import type { Timer } from '@tracktrove/timers';
import { uuidV5 } from '@tracktrove/common';

/**
 * What a transaction command sets in motion besides its events: the hold-expiry and retry timers,
 * the simulated gateway's webhooks, the T+1 settlement candidate. They follow from the transition
 * (the state before and after the command), are planned here without I/O, and are written by
 * tt_apply_effects in the append's own statement: they commit with the events or not at all, and a
 * command is one round trip to PostgreSQL.
 */

interface TimerSpec {
  readonly id: string;
  readonly kind: string;
  readonly ref: string;
  readonly transactionId: string;
  readonly dueAt: string;
  readonly payload: Record<string, unknown>;
}

interface CancelSpec {
  readonly transactionId: string;
  readonly kind: string;
  /** Keep the pending timer with this ref (the one the command scheduled). */
  readonly keepRef: string | null;
}

interface SettlementCandidate {
  readonly transactionId: string;
  readonly vendorId: string;
  readonly currency: string;
  readonly amountMinor: number;
  readonly completedAt: string;
}

/** The argument of tt_apply_effects. */
export interface EffectsPlan {
  readonly timers: TimerSpec[];
  readonly cancel: CancelSpec[];
  readonly deliveries: WebhookDeliveryPlan['row'][];
  /** Settlement candidates to put (COMPLETED, not settled) and to drop (no longer one). */
  readonly candidatesPut: SettlementCandidate[];
  readonly candidatesDropped: string[];
}

export interface PlannedEffects {
  readonly plan: EffectsPlan;
  /** The deliveries' WebhookDeliveryScheduled events, appended with the command's events. */
  readonly streams: StreamAppend[];
}

/** Timers made and hold timers cancelled, to act on once the command has committed. */
export interface Effects {
  readonly newTimers: Timer[];
  readonly newHolds: Timer[];
  readonly cancelledHolds: string[];
}

export const noEffects = (): Effects => ({ newTimers: [], newHolds: [], cancelledHolds: [] });

export const mergeApplied = (a: Effects, b: Effects): Effects => ({
  newTimers: [...a.newTimers, ...b.newTimers],
  newHolds: [...a.newHolds, ...b.newHolds],
  cancelledHolds: [...a.cancelledHolds, ...b.cancelledHolds],
});

export interface EffectsContext {
  /** Sandbox time of the command. */
  readonly now: Date;
  readonly correlationId: string;
  readonly failures: FailureSettings;
  readonly webhookUrl: string;
}

const pendingHold = (state: TransactionState) => (state.hold?.state === 'pending' ? state.hold : null);
const pendingRefund = (state: TransactionState) => (state.refund?.state === 'pending' ? state.refund : null);
export const retryTimerRef = (transactionId: string, retry: { attempt: number; dueAt: string }) =>
  `${transactionId}:${retry.attempt}:${retry.dueAt}`;
const retryDue = (state: TransactionState) =>
  state.status === 'RETRY_PENDING' && state.nextRetryAt ? { attempt: state.attempt, dueAt: state.nextRetryAt } : null;

/**
 * INITIATED and FAILED are steps no command rests on (an initiate goes on to authorize, a decline
 * to a retry or to PERMANENTLY_FAILED), so only an admin override leaves a transaction there. A
 * `resume` timer due at once carries it on from there as the lifecycle does (see track-trove.ts).
 */
export const resumeTimerKind = 'resume';
export const resumesAfterOverride = (state: TransactionState) => state.status === 'INITIATED' || state.status === 'FAILED';
const resumeTimerRef = (transactionId: string, version: number) => `${transactionId}:resume:${version}`;

/** The refs of the gateway's webhooks name what each is for: a hold's confirmation, a refund's outcome. */
const confirmationRef = (holdId: string) => `confirm:${holdId}`;
const refundOutcomeRef = (refundId: string) => `refund:${refundId}`;
const duplicateRefSuffix = ':duplicate';

/**
 * A manual confirmation's ref (unique per request): for the hold the caller saw when it named a
 * version (If-Match), so that a hold placed since is not the one confirmed; otherwise for whatever
 * hold the transaction has when the webhook arrives.
 */
export const manualConfirmationRef = (requestId: string, holdId: string | null) =>
  `manual-confirm:${requestId}${holdId === null ? '' : `:hold:${holdId}`}`;
const manualConfirmationPattern = /^manual-confirm:[^:]+:hold:(.+)$/;

/** What a webhook is for, from its delivery's ref; null for a manual confirmation of whatever hold there is. */
export function webhookSubjectOf(ref: string): { holdId: string } | { refundId: string } | null {
  const base = ref.endsWith(duplicateRefSuffix) ? ref.slice(0, -duplicateRefSuffix.length) : ref;
  if (base.startsWith('confirm:')) return { holdId: base.slice('confirm:'.length) };
  if (base.startsWith('refund:')) return { refundId: base.slice('refund:'.length) };
  const manual = manualConfirmationPattern.exec(base);
  return manual ? { holdId: manual[1]! } : null;
}

function candidateOf(state: TransactionState): SettlementCandidate | null {
  if (!awaitsSettlement(state)) return null;
  return {
    transactionId: state.transactionId,
    vendorId: state.vendorId,
    currency: state.currency,
    amountMinor: state.amountMinor,
    completedAt: state.completedAt,
  };
}

/** The effects of going from `before` to `after`; null when there are none. */
export function planEffects(before: TransactionState, after: TransactionState, context: EffectsContext): PlannedEffects | null {
  const id = after.transactionId;
  const plan = emptyPlan();
  const streams: StreamAppend[] = [];
  const addDeliveries = (deliveries: WebhookDeliveryPlan[]) => {
    for (const delivery of deliveries) {
      plan.deliveries.push(delivery.row);
      streams.push(delivery.append);
      if (delivery.timer)
        plan.timers.push({
          ...delivery.timer,
          transactionId: id,
          dueAt: delivery.timer.dueAt.toISOString(),
          payload: delivery.timer.payload ?? {},
        });
    }
  };

  const hold = pendingHold(after);
  const holdBefore = pendingHold(before);
  if (hold && hold.holdId !== holdBefore?.holdId) {
    const ref = `${id}:${hold.holdId}`;
    plan.timers.push({
      id: randomUUID(),
      kind: 'hold_expiry',
      ref,
      transactionId: id,
      dueAt: hold.expiresAt,
      payload: { holdId: hold.holdId, dropNotification: simulationInForce(after, context.failures).dropExpiryNotification },
    });
    if (holdBefore) plan.cancel.push({ transactionId: id, kind: 'hold_expiry', keepRef: ref });
    // Seeded by the stream version, not the hold id (it holds the transaction's random id).
    if (!hold.holdId.includes(':override-hold:'))
      addDeliveries(planWebhook(after, confirmationRef(hold.holdId), 'payment.confirmed', context, `confirm@${after.version}`));
  } else if (!hold && holdBefore) {
    plan.cancel.push({ transactionId: id, kind: 'hold_expiry', keepRef: null });
  }

  const retry = retryDue(after);
  const retryBefore = retryDue(before);
  if (retry && (retry.attempt !== retryBefore?.attempt || retry.dueAt !== retryBefore.dueAt)) {
    // The due time is part of the ref: an override back to RETRY_PENDING at an attempt whose
    // retry already fired schedules a new one instead of meeting the fired timer's ref.
    const ref = retryTimerRef(id, retry);
    plan.timers.push({ id: randomUUID(), kind: 'retry', ref, transactionId: id, dueAt: retry.dueAt, payload: { attempt: retry.attempt } });
    if (retryBefore) plan.cancel.push({ transactionId: id, kind: 'retry', keepRef: ref });
  } else if (!retry && retryBefore) {
    plan.cancel.push({ transactionId: id, kind: 'retry', keepRef: null });
  }

  if (resumesAfterOverride(after) && after.status !== before.status) {
    plan.timers.push({
      id: randomUUID(),
      kind: resumeTimerKind,
      ref: resumeTimerRef(id, after.version),
      transactionId: id,
      dueAt: context.now.toISOString(),
      payload: { version: after.version },
    });
  }

  const refund = pendingRefund(after);
  if (refund && refund.refundId !== pendingRefund(before)?.refundId) {
    // Seeded by the stream version, not the (random) refund id, so the same seed decides the same.
    const seedKey = `refund@${after.version}`;
    const simulation = simulationInForce(after, context.failures);
    const fails =
      magicEffectOf(after.amountMinor)?.kind === 'refund_fails' || seededRandom(simulation.seed, seedKey)() < simulation.refundFailureRate;
    addDeliveries(planWebhook(after, refundOutcomeRef(refund.refundId), fails ? 'refund.failed' : 'refund.succeeded', context, seedKey));
  }

  const candidate = candidateOf(after);
  const candidateBefore = candidateOf(before);
  if (candidate && candidate.completedAt !== candidateBefore?.completedAt) plan.candidatesPut.push(candidate);
  else if (!candidate && candidateBefore) plan.candidatesDropped.push(id);

  return isEmpty(plan) ? null : { plan, streams };
}

const emptyPlan = (): EffectsPlan => ({ timers: [], cancel: [], deliveries: [], candidatesPut: [], candidatesDropped: [] });
const isEmpty = (plan: EffectsPlan) =>
  plan.timers.length + plan.cancel.length + plan.deliveries.length + plan.candidatesPut.length + plan.candidatesDropped.length === 0;

/** The effects of several commands (on distinct transactions) as one plan, written by one call. */
export function mergeEffects(planned: readonly (PlannedEffects | null)[]): PlannedEffects | null {
  const plan = emptyPlan();
  const streams: StreamAppend[] = [];
  for (const entry of planned) {
    if (!entry) continue;
    plan.timers.push(...entry.plan.timers);
    plan.cancel.push(...entry.plan.cancel);
    plan.deliveries.push(...entry.plan.deliveries);
    plan.candidatesPut.push(...entry.plan.candidatesPut);
    plan.candidatesDropped.push(...entry.plan.candidatesDropped);
    streams.push(...entry.streams);
  }
  return isEmpty(plan) ? null : { plan, streams };
}

/**
 * The gateway's webhook for `ref`, with its failure injection decided (seeded) and recorded: one
 * delivery, or two when it is duplicated.
 */
function planWebhook(
  state: TransactionState,
  ref: string,
  type: WebhookType,
  context: EffectsContext,
  seedKey: string = ref,
): WebhookDeliveryPlan[] {
  const { now, failures } = context;
  const simulation = simulationInForce(state, failures);
  const random = seededRandom(simulation.seed, 'webhook', seedKey);
  const magic = magicEffectOf(state.amountMinor);
  const isConfirmation = type === 'payment.confirmed';
  const dropRoll = random();
  const duplicateRoll = random();
  const dropped = isConfirmation && (magic?.kind === 'drop_confirmation' || dropRoll < simulation.webhook.dropRate);
  const duplicate = (isConfirmation && magic?.kind === 'duplicate_confirmation') || duplicateRoll < simulation.webhook.duplicateRate;
  const delayMs = simulation.webhook.delayMs;
  const reorderSpanMs = 2 * delayMs + 1000;
  const extraDelayMs = failures.webhook.reorder ? Math.floor(random() * reorderSpanMs) : 0;
  const body: WebhookBody = {
    id: `evt_${uuidV5(`webhook|${state.transactionId}|${ref}`)}`,
    type,
    transactionId: state.transactionId,
    createdAt: now.toISOString(),
  };
  const injection: WebhookInjection = {
    dropped,
    duplicateOf: null,
    extraDelayMs,
    reason: dropped
      ? magic?.kind === 'drop_confirmation'
        ? 'magic amount 6.66'
        : 'webhook.dropRate'
      : failures.webhook.reorder
        ? 'reorder'
        : null,
  };
  // The transaction's trace, with the span of the event that scheduled the webhook as parent.
  const base = {
    body,
    url: context.webhookUrl,
    now,
    correlationId: context.correlationId,
    traceparent: traceparentAt(state, state.version),
  };
  const first = planWebhookDelivery({ ...base, ref, dueAt: new Date(now.getTime() + delayMs + extraDelayMs), injection });
  if (!duplicate) return [first];
  const duplicateExtraMs = (failures.webhook.reorder ? Math.floor(random() * reorderSpanMs) : 0) + 200;
  const second = planWebhookDelivery({
    ...base,
    ref: `${ref}${duplicateRefSuffix}`,
    dueAt: new Date(now.getTime() + delayMs + duplicateExtraMs),
    injection: {
      dropped: false,
      duplicateOf: first.deliveryId,
      extraDelayMs: duplicateExtraMs,
      reason: magic?.kind === 'duplicate_confirmation' ? 'magic amount 9.99' : 'webhook.duplicateRate',
    },
  });
  return [first, second];
}

/** The planned effects as the command's alongside writes. */
export function alongsideOf(planned: PlannedEffects | null): Alongside | null {
  if (!planned) return null;
  return { streams: planned.streams, statement: sql`tt_apply_effects(${JSON.stringify(planned.plan)}::jsonb)` };
}

interface AppliedTimer {
  id: string;
  kind: string;
  transactionId: string | null;
  ref: string;
  dueAt: string;
  payload: Record<string, unknown>;
}

/** What tt_apply_effects answered, as effects to act on after commit. */
export function effectsOf(applied: unknown): Effects {
  if (applied === undefined || applied === null) return noEffects();
  const { timers, cancelledHolds } = applied as { timers: AppliedTimer[]; cancelledHolds: string[] };
  const newTimers: Timer[] = timers.map((timer) => ({
    ...timer,
    dueAt: new Date(timer.dueAt),
    state: 'pending',
    firedBy: null,
    claims: 0,
  }));
  return { newTimers, newHolds: newTimers.filter((timer) => timer.kind === 'hold_expiry'), cancelledHolds };
}

/**
 * tt_apply_effects(plan) writes an EffectsPlan in the statement that appends the command's events,
 * each part by the package that owns its table: the gateway's webhook deliveries (the simulator's
 * tt_plan_gateway_deliveries), cancelled and new timers (the timers' tt_cancel_timers and
 * tt_schedule_timers), the settlement candidate (settlement's tt_update_settlement_candidates).
 * Answers the timers it made and the hold timers it cancelled. Each part runs only when the plan
 * has rows for it: most commands touch one or two of them.
 */
const applyEffectsFunction = `
create or replace function tt_apply_effects(p_effects jsonb) returns jsonb
language plpgsql as $fn$
declare
  v_timers jsonb := '[]'::jsonb;
  v_cancelled_holds jsonb := '[]'::jsonb;
begin
  if jsonb_array_length(p_effects->'deliveries') > 0 then
    perform tt_plan_gateway_deliveries(p_effects->'deliveries');
  end if;
  if jsonb_array_length(p_effects->'cancel') > 0 then
    v_cancelled_holds := tt_cancel_timers(p_effects->'cancel');
  end if;
  if jsonb_array_length(p_effects->'timers') > 0 then
    v_timers := tt_schedule_timers(p_effects->'timers');
  end if;
  if jsonb_array_length(p_effects->'candidatesPut') > 0 or jsonb_array_length(p_effects->'candidatesDropped') > 0 then
    perform tt_update_settlement_candidates(p_effects->'candidatesPut', p_effects->'candidatesDropped');
  end if;
  return jsonb_build_object('timers', v_timers, 'cancelledHolds', v_cancelled_holds);
end
$fn$`;

export const applicationMigrations: Record<string, Migration> = {
  '0500-command-effects': {
    async up(db) {
      await sql.raw(applyEffectsFunction).execute(db);
    },
    async down(db) {
      await sql`drop function if exists tt_apply_effects(jsonb)`.execute(db);
    },
  },
  /** Databases made before it get the function of today (timers cancelled by index). */
  '0520-apply-effects-cancel-by-index': {
    async up(db) {
      await sql.raw(applyEffectsFunction).execute(db);
    },
  },
  /** The deliveries' traceparent (after the simulator's 0590 adds the column). */
  '0591-apply-effects-traceparent': {
    async up(db) {
      await sql.raw(applyEffectsFunction).execute(db);
    },
  },
  /** Each part by its owner (0631 to 0633 made them): databases made before get this function. */
  '0639-apply-effects-by-owner': {
    async up(db) {
      await sql.raw(applyEffectsFunction).execute(db);
    },
  },
};
