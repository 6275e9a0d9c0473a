import { assert, InvariantViolation } from '../errors.ts';
import type { StatusOverridden } from '../events/status-overridden.ts';
import { occurredAt } from '../events/occurred-at.ts';
import type { TransactionEvent } from '../events/transaction-event.ts';
import type { TransactionStatus } from '../status.ts';
import type { Hold, TransactionState } from './state.ts';
import { findTransition } from './transitions.ts';

/**
 * Folds one event into the state. Pure and deterministic: replaying the same
 * events always gives the same state. An event the transition table forbids
 * is corrupted history and throws InvariantViolation.
 */
export function evolve(state: TransactionState, event: TransactionEvent): TransactionState {
  const at = occurredAt(event);
  const status = nextStatus(state, event);
  // apply() answers a new object of its own: setting these on it saves a second copy of the state per event.
  const next = apply(state, event, at);
  next.status = status;
  next.version = state.version + 1;
  next.updatedAt = at;
  if ((next.funds === 'held') !== (next.hold?.state === 'pending')) {
    throw new InvariantViolation('funds_match_hold', `funds ${next.funds} but hold ${next.hold?.state ?? 'none'} after ${event.type}`);
  }
  return next;
}

function nextStatus(state: TransactionState, event: TransactionEvent): TransactionStatus {
  if (event.type === 'StatusOverridden') {
    assert(event.data.from === state.status, 'override_from_matches', `override from ${event.data.from} in ${state.status}`);
    assert(event.data.fundsBefore === state.funds, 'override_funds_match', `override funds ${event.data.fundsBefore} but ${state.funds}`);
    return event.data.to;
  }
  const row = findTransition(state.status, event.type);
  if (row === undefined) throw new InvariantViolation('transition_table', `${event.type} is not allowed in ${state.status}`);
  return row.to;
}

function resolveHold(hold: Hold | null, outcome: Hold['state'], via: Hold['resolvedVia'], at: string): Hold {
  if (hold === null || hold.state !== 'pending') throw new InvariantViolation('hold_resolves_once', `hold is ${hold?.state ?? 'missing'}`);
  return { ...hold, state: outcome, resolvedVia: via, resolvedAt: at };
}

function apply(state: TransactionState, event: TransactionEvent, at: string): TransactionState {
  switch (event.type) {
    case 'TransactionInitiated': {
      const { initiatedAt, requestedSimulation, ...data } = event.data;
      return { ...state, ...data, requestedSimulation: requestedSimulation ?? null, attempt: 1, createdAt: initiatedAt, funds: 'payer' };
    }
    case 'EscrowHoldPlaced': {
      const { holdId, amountMinor, expiresAt, placedAt, attempt } = event.data;
      if (amountMinor !== state.amountMinor)
        throw new InvariantViolation('hold_amount', `hold ${amountMinor} for amount ${state.amountMinor}`);
      const hold: Hold = { holdId, amountMinor, expiresAt, placedAt, state: 'pending', resolvedVia: null, resolvedAt: null };
      return { ...state, hold, funds: 'held', attempt, nextRetryAt: null };
    }
    case 'AuthorizationDeclined':
      return {
        ...state,
        attempt: event.data.attempt,
        nextRetryAt: null,
        lastError: { code: event.data.code, message: event.data.reason, at },
      };
    case 'RetryScheduled':
      return { ...state, attempt: event.data.attempt, retryCount: state.retryCount + 1, nextRetryAt: event.data.dueAt };
    case 'RetriesExhausted':
      return { ...state, nextRetryAt: null };
    case 'EscrowHoldPosted':
      if (state.hold?.holdId !== event.data.holdId) throw new InvariantViolation('hold_id_matches', `posting ${event.data.holdId}`);
      return {
        ...state,
        hold: resolveHold(state.hold, 'posted', event.data.via, at),
        funds: 'escrow',
        completedAt: event.data.completedAt,
      };
    case 'EscrowHoldVoided': {
      if (state.hold?.holdId !== event.data.holdId) throw new InvariantViolation('hold_id_matches', `voiding ${event.data.holdId}`);
      const byExpiry = event.data.via === 'hold_expiry';
      const { refundId, reason } = event.data;
      return {
        ...state,
        hold: resolveHold(state.hold, byExpiry ? 'expired' : 'voided', event.data.via, at),
        funds: 'payer',
        refund: refundId === null ? state.refund : { refundId, reason: reason ?? '', state: 'succeeded', failureReason: null },
      };
    }
    case 'TransactionSettled':
      if (state.funds !== 'escrow') throw new InvariantViolation('settle_from_escrow', `settling with funds at ${state.funds}`);
      return {
        ...state,
        funds: 'vendor',
        settledAt: event.data.settledAt,
        settlement: { batchId: event.data.batchId, settlementDate: event.data.settlementDate },
      };
    case 'RefundRequested':
      return { ...state, refund: { refundId: event.data.refundId, reason: event.data.reason, state: 'pending', failureReason: null } };
    case 'RefundSucceeded':
      assert(state.refund?.state === 'pending', 'refund_pending', 'refund succeeded without a pending refund');
      return { ...state, refund: { ...state.refund, state: 'succeeded' }, funds: 'payer' };
    case 'RefundFailed':
      assert(state.refund?.state === 'pending', 'refund_pending', 'refund failed without a pending refund');
      return {
        ...state,
        refund: { ...state.refund, state: 'failed', failureReason: event.data.reason },
        lastError: { code: 'refund_failed', message: event.data.reason, at },
      };
    case 'DisputeOpened': {
      const fromStatus = state.status === 'SETTLED' ? 'SETTLED' : 'COMPLETED';
      return { ...state, dispute: { disputeId: event.data.disputeId, reason: event.data.reason, fromStatus, outcome: null } };
    }
    case 'DisputeResolved':
      assert(state.dispute !== null, 'dispute_open', 'resolving without a dispute');
      return {
        ...state,
        dispute: { ...state.dispute, outcome: event.data.outcome },
        // LOST: charged back to the payer. WON: the vendor keeps the money; one never settled is
        // paid out of escrow now (DISPUTE_RESOLVED is terminal: no settlement batch would take it).
        funds: event.data.outcome === 'LOST' ? 'payer' : state.funds === 'escrow' ? 'vendor' : state.funds,
      };
    case 'StatusOverridden':
      return applyOverride(state, event.data, at);
  }
}

function applyOverride(state: TransactionState, data: StatusOverridden, at: string): TransactionState {
  const { fundsBefore, fundsAfter, to } = data;
  let hold = state.hold;
  if (fundsBefore === 'held' && fundsAfter !== 'held') {
    // An expired hold can no longer be posted: past its expiry (its timer not fired yet) it is
    // voided, and the money the target status needs moves as a fresh transfer (postings-for.ts).
    const expired = hold !== null && Date.parse(at) >= Date.parse(hold.expiresAt);
    hold = resolveHold(hold, fundsAfter === 'payer' || expired ? 'voided' : 'posted', 'override', at);
  }
  if (data.newHold) {
    assert(fundsBefore !== 'held' && fundsAfter === 'held', 'override_new_hold', 'a new hold only replaces no pending hold');
    hold = { ...data.newHold, amountMinor: state.amountMinor, placedAt: at, state: 'pending', resolvedVia: null, resolvedAt: null };
  }
  const refund = state.refund?.state === 'pending' ? { ...state.refund, state: 'cancelled' as const } : state.refund;
  const reachesCompletion = to === 'COMPLETED' || to === 'SETTLED' || to === 'DISPUTE_OPEN' || to === 'DISPUTE_RESOLVED';
  const fromStatus =
    fundsAfter === 'vendor' ? 'SETTLED' : fundsAfter === 'escrow' ? 'COMPLETED' : (state.dispute?.fromStatus ?? 'COMPLETED');
  const disputeId = state.dispute?.disputeId ?? `override-${state.version + 1}`;
  const dispute =
    to === 'DISPUTE_OPEN'
      ? { disputeId, reason: data.reason, fromStatus, outcome: null }
      : to === 'DISPUTE_RESOLVED'
        ? {
            disputeId,
            reason: state.dispute?.reason ?? data.reason,
            fromStatus,
            outcome: fundsAfter === 'payer' ? ('LOST' as const) : ('WON' as const),
          }
        : state.dispute;
  return {
    ...state,
    hold,
    funds: fundsAfter,
    refund,
    dispute,
    nextRetryAt: to === 'RETRY_PENDING' ? (state.nextRetryAt ?? at) : null,
    completedAt: data.completedAt ?? (reachesCompletion ? (state.completedAt ?? at) : state.completedAt),
    // Money no longer with the vendor is unsettled: back in escrow (COMPLETED), or back at the payer
    // or held (on its way to completing again), the next T+1 run after it completes settles it (a
    // settlement kept here would make it wait forever).
    settlement: fundsAfter === 'vendor' ? state.settlement : null,
    settledAt: to === 'SETTLED' ? at : fundsAfter === 'vendor' ? state.settledAt : null,
  };
}
