import { assert, ForbiddenError, InvalidTransitionError, ValidationError } from '../errors.ts';
import type { EventData, TransactionEvent, TransactionEventType } from '../events/transaction-event.ts';
import { eventDataSchemas } from '../events/transaction-event.ts';
import { defaultRetryPolicy } from '../events/transaction-initiated.ts';
import type {
  CompleteRefund,
  ConfirmPayment,
  ExpireHold,
  Initiate,
  OverrideStatus,
  RecordAuthorization,
  RequestRefund,
  Settle,
  TransactionCommand,
} from './commands.ts';
import { fundsForStatus, isCaptured } from './funds.ts';
import { hasPendingRefund, retriesLeft, type TransactionState } from './state.ts';
import { findTransition, targetOf } from './transitions.ts';

/**
 * Decides which events a command produces in a state. Pure: everything that
 * depends on chance or time arrives in the command. Rejections throw
 * InvalidTransitionError (409), ValidationError (400) or ForbiddenError (403).
 *
 * Natural no-ops return [] so that retried or duplicated deliveries are safe:
 * - ConfirmPayment after the hold was already posted by a webhook (duplicate webhook), in any later status;
 * - ExpireHold for a hold that is already resolved or was replaced (late or stale timer);
 * - Settle on a transaction already settled by the same batch;
 * - RequestRefund repeating the refundId of the pending or succeeded refund;
 * - OverrideStatus to the status the transaction already has.
 */
export function decide(command: TransactionCommand, state: TransactionState): TransactionEvent[] {
  switch (command.type) {
    case 'Initiate':
      return initiate(command, state);
    case 'RecordAuthorization':
      return recordAuthorization(command, state);
    case 'ScheduleRetry':
      if (state.status === 'FAILED' && retriesLeft(state) === 0) {
        throw reject(state, command.type, 'RETRY_PENDING', `retries exhausted (${state.retryCount} of ${state.retryPolicy.maxRetries})`);
      }
      return [
        emit(state, command.type, 'RetryScheduled', {
          attempt: state.attempt + 1,
          dueAt: command.dueAt,
          forced: command.forced,
          scheduledAt: command.now,
        }),
      ];
    case 'ExhaustRetries':
      if (state.status === 'FAILED' && retriesLeft(state) > 0) {
        throw reject(state, command.type, 'PERMANENTLY_FAILED', `${retriesLeft(state)} retries left`);
      }
      return [emit(state, command.type, 'RetriesExhausted', { attempts: state.attempt, exhaustedAt: command.now })];
    case 'ConfirmPayment':
      return confirmPayment(command, state);
    case 'ExpireHold':
      return expireHold(command, state);
    case 'Settle':
      return settle(command, state);
    case 'RequestRefund':
      return requestRefund(command, state);
    case 'CompleteRefund':
      return completeRefund(command, state);
    case 'OpenDispute':
      if (hasPendingRefund(state)) throw reject(state, command.type, 'DISPUTE_OPEN', 'a refund is pending');
      return [emit(state, command.type, 'DisputeOpened', { disputeId: command.disputeId, reason: command.reason, openedAt: command.now })];
    case 'ResolveDispute':
      return [
        emit(state, command.type, 'DisputeResolved', {
          disputeId: state.dispute?.disputeId ?? '',
          outcome: command.outcome,
          resolvedAt: command.now,
        }),
      ];
    case 'OverrideStatus':
      return overrideStatus(command, state);
  }
}

/** Builds an event after checking the transition table; the one gate every non-override event passes. */
function emit<T extends Exclude<TransactionEventType, 'StatusOverridden'>>(
  state: TransactionState,
  command: TransactionCommand['type'],
  type: T,
  data: EventData<T>,
): TransactionEvent {
  if (!findTransition(state.status, type)) {
    throw reject(state, command, targetOf(type), `${type} is not allowed in ${state.status}`);
  }
  return { type, data } as TransactionEvent;
}

function reject(state: TransactionState, command: string, to: string | null, reason: string): InvalidTransitionError {
  return new InvalidTransitionError({ from: state.status, to, command, reason });
}

function validate<T extends TransactionEventType>(type: T, data: unknown): EventData<T> {
  const result = eventDataSchemas[type].safeParse(data);
  if (result.success) return result.data as EventData<T>;
  throw new ValidationError(result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
}

function initiate(command: Initiate, state: TransactionState): TransactionEvent[] {
  const { type: _type, now, retryPolicy = defaultRetryPolicy, ...fields } = command;
  const data = validate('TransactionInitiated', { ...fields, retryPolicy, initiatedAt: now });
  return [emit(state, command.type, 'TransactionInitiated', data)];
}

function recordAuthorization(command: RecordAuthorization, state: TransactionState): TransactionEvent[] {
  const attempt = Math.max(1, state.attempt);
  if (command.outcome === 'declined') {
    return [
      emit(state, command.type, 'AuthorizationDeclined', {
        reason: command.reason,
        code: command.code,
        attempt,
        declinedAt: command.now,
      }),
    ];
  }
  if (Date.parse(command.expiresAt) <= Date.parse(command.now)) {
    throw new ValidationError([{ path: 'expiresAt', message: 'must be after now' }]);
  }
  return [
    emit(state, command.type, 'EscrowHoldPlaced', {
      holdId: command.holdId,
      amountMinor: state.amountMinor,
      expiresAt: command.expiresAt,
      attempt,
      placedAt: command.now,
    }),
  ];
}

function confirmPayment(command: ConfirmPayment, state: TransactionState): TransactionEvent[] {
  const hold = state.hold;
  if (command.holdId !== undefined && hold?.holdId !== command.holdId) {
    throw reject(
      state,
      command.type,
      'COMPLETED',
      `the confirmation is for hold ${command.holdId}, not the transaction's ${hold ? `hold ${hold.holdId}` : 'missing hold'}`,
    );
  }
  if (hold?.state === 'posted' && hold.resolvedVia === 'webhook') return [];
  if (hold?.resolvedVia === 'hold_expiry') {
    throw reject(state, command.type, 'COMPLETED', 'the hold expired; an expired hold can no longer be posted');
  }
  if (state.status === 'ESCROW' && hold?.state === 'pending' && Date.parse(command.now) >= Date.parse(hold.expiresAt)) {
    throw reject(state, command.type, 'COMPLETED', `the hold expired at ${hold.expiresAt}; it can no longer be posted`);
  }
  return [
    emit(state, command.type, 'EscrowHoldPosted', {
      holdId: hold?.holdId ?? '',
      amountMinor: state.amountMinor,
      via: 'webhook',
      completedAt: command.now,
    }),
  ];
}

function expireHold(command: ExpireHold, state: TransactionState): TransactionEvent[] {
  const hold = state.hold;
  if (hold !== null && (hold.holdId !== command.holdId || hold.state !== 'pending')) return [];
  if (hold === null) throw reject(state, command.type, null, 'there is no escrow hold');
  if (Date.parse(command.now) < Date.parse(hold.expiresAt)) {
    throw reject(state, command.type, null, `the hold expires at ${hold.expiresAt}, not yet`);
  }
  const base = { holdId: hold.holdId, amountMinor: hold.amountMinor, via: 'hold_expiry' as const };
  return state.simulation.onHoldExpiry === 'release'
    ? [emit(state, command.type, 'EscrowHoldPosted', { ...base, completedAt: command.now })]
    : [emit(state, command.type, 'EscrowHoldVoided', { ...base, refundId: null, reason: null, voidedAt: command.now })];
}

function settle(command: Settle, state: TransactionState): TransactionEvent[] {
  if (state.status === 'SETTLED' && state.settlement?.batchId === command.batchId) return [];
  if (state.status === 'COMPLETED' && hasPendingRefund(state))
    throw reject(state, command.type, 'SETTLED', 'a refund is pending: the funds are held back until it resolves');
  return [
    emit(state, command.type, 'TransactionSettled', {
      batchId: command.batchId,
      settlementDate: command.settlementDate,
      settledAt: command.now,
    }),
  ];
}

function requestRefund(command: RequestRefund, state: TransactionState): TransactionEvent[] {
  const refund = state.refund;
  if (refund?.refundId === command.refundId && (refund.state === 'pending' || refund.state === 'succeeded')) return [];
  if (refund?.state === 'pending') {
    throw reject(state, command.type, null, `refund ${refund.refundId} is already pending`);
  }
  if (state.status === 'ESCROW') {
    const hold = state.hold;
    assert(hold?.state === 'pending', 'escrow_has_pending_hold', 'ESCROW without a pending hold');
    return [
      emit(state, command.type, 'EscrowHoldVoided', {
        holdId: hold.holdId,
        amountMinor: hold.amountMinor,
        via: 'refund',
        refundId: command.refundId,
        reason: command.reason,
        voidedAt: command.now,
      }),
    ];
  }
  return [
    emit(state, command.type, 'RefundRequested', {
      refundId: command.refundId,
      reason: command.reason,
      requestedAt: command.now,
    }),
  ];
}

function completeRefund(command: CompleteRefund, state: TransactionState): TransactionEvent[] {
  const refund = state.refund;
  if (refund?.state !== 'pending') {
    throw reject(state, command.type, command.outcome === 'succeeded' ? 'REFUNDED' : null, 'no refund is pending');
  }
  if (command.refundId !== undefined && command.refundId !== refund.refundId) {
    throw reject(
      state,
      command.type,
      command.outcome === 'succeeded' ? 'REFUNDED' : null,
      `the outcome is for refund ${command.refundId}, not the pending refund ${refund.refundId}`,
    );
  }
  return command.outcome === 'succeeded'
    ? [emit(state, command.type, 'RefundSucceeded', { refundId: refund.refundId, refundedAt: command.now })]
    : [emit(state, command.type, 'RefundFailed', { refundId: refund.refundId, reason: command.reason, failedAt: command.now })];
}

function overrideStatus(command: OverrideStatus, state: TransactionState): TransactionEvent[] {
  if (command.actor.role !== 'admin') throw new ForbiddenError('a status override needs the admin role');
  if (state.status === 'NEW') throw reject(state, command.type, command.to, 'the transaction does not exist');
  if (command.reason.trim() === '') throw new ValidationError([{ path: 'reason', message: 'must not be empty' }]);
  if (command.to === state.status) return [];
  const fundsBefore = state.funds;
  const fundsAfter = fundsForStatus(command.to, fundsBefore);
  const needsHold = fundsAfter === 'held' && fundsBefore !== 'held';
  const expiresAt = new Date(Date.parse(command.now) + state.simulation.escrowTtlMs).toISOString();
  const data = validate('StatusOverridden', {
    from: state.status,
    to: command.to,
    reason: command.reason,
    actor: command.actor,
    fundsBefore,
    fundsAfter,
    newHold: needsHold ? { holdId: `${state.transactionId}:override-hold:${state.version + 1}`, expiresAt } : null,
    overriddenAt: command.now,
    // Money captured now (from the payer or a hold) completes the payment now, for T+1 too.
    ...(isCaptured(fundsAfter) && !isCaptured(fundsBefore) ? { completedAt: command.now } : {}),
  });
  return [{ type: 'StatusOverridden', data }];
}
