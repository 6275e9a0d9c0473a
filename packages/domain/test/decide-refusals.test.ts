import { describe, expect, it } from 'vitest';
import {
  decide,
  ForbiddenError,
  InvalidTransitionError,
  InvariantViolation,
  ValidationError,
  type TransactionCommand,
  type TransactionState,
} from '../src/index.ts';
import {
  at,
  confirm,
  decline,
  expire,
  given,
  initiate,
  openDispute,
  override,
  pathTo,
  refundFailed,
  refundSucceeded,
  requestRefund,
  scheduleRetry,
  settle,
} from './fixtures.ts';

type Refusal = { to: string | null; reason: string };

/** The refusal as the API answers it (409 invalid_transition): the status it would have led to, and why not. */
function refusalOf(command: TransactionCommand, state: TransactionState): Refusal {
  let thrown: unknown;
  try {
    decide(command, state);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `${command.type} in ${state.status}`).toBeInstanceOf(InvalidTransitionError);
  const { from, to, command: type, reason } = thrown as InvalidTransitionError;
  expect(from).toBe(state.status);
  expect(type).toBe(command.type);
  return { to, reason };
}

function validationOf(command: TransactionCommand, state: TransactionState): ValidationError['errors'] {
  let thrown: unknown;
  try {
    decide(command, state);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ValidationError);
  return (thrown as ValidationError).errors;
}

const exhaust: TransactionCommand = { type: 'ExhaustRetries', now: at(3) };

describe('decide says why it refuses a command, and where the command would have led', () => {
  it('a command the table does not allow in the status', () => {
    expect(refusalOf(settle(), given(...pathTo.ESCROW))).toEqual({ to: 'SETTLED', reason: 'TransactionSettled is not allowed in ESCROW' });
    expect(refusalOf(requestRefund(), given(...pathTo.FAILED))).toEqual({ to: null, reason: 'RefundRequested is not allowed in FAILED' });
  });

  it('a retry with none left, and giving up with retries left; elsewhere the table answers', () => {
    const noRetries = initiate({ retryPolicy: { maxRetries: 0 } });
    expect(refusalOf(scheduleRetry(), given(noRetries, decline()))).toEqual({ to: 'RETRY_PENDING', reason: 'retries exhausted (0 of 0)' });
    expect(refusalOf(scheduleRetry(), given(noRetries))).toEqual({
      to: 'RETRY_PENDING',
      reason: 'RetryScheduled is not allowed in INITIATED',
    });
    expect(refusalOf(exhaust, given(...pathTo.FAILED))).toEqual({ to: 'PERMANENTLY_FAILED', reason: '3 retries left' });
    expect(refusalOf(exhaust, given(...pathTo.INITIATED))).toEqual({
      to: 'PERMANENTLY_FAILED',
      reason: 'RetriesExhausted is not allowed in INITIATED',
    });
  });

  it('a dispute while a refund is pending', () => {
    expect(refusalOf(openDispute(), given(...pathTo.COMPLETED, requestRefund()))).toEqual({
      to: 'DISPUTE_OPEN',
      reason: 'a refund is pending',
    });
  });

  it('a confirmation for another hold, for no hold, for an expired hold, or after the hold expired', () => {
    const forHold9: TransactionCommand = { type: 'ConfirmPayment', holdId: 'hold-9', now: at(5) };
    expect(refusalOf(forHold9, given(...pathTo.ESCROW))).toEqual({
      to: 'COMPLETED',
      reason: "the confirmation is for hold hold-9, not the transaction's hold hold-1",
    });
    expect(refusalOf(forHold9, given(...pathTo.INITIATED))).toEqual({
      to: 'COMPLETED',
      reason: "the confirmation is for hold hold-9, not the transaction's missing hold",
    });
    const released = given(...pathTo.ESCROW, expire());
    expect(refusalOf(confirm(at(70)), released)).toEqual({
      to: 'COMPLETED',
      reason: 'the hold expired; an expired hold can no longer be posted',
    });
    // authorize() at 1 s holds until 31 s: at 31 s it has expired, its timer not fired yet.
    expect(refusalOf(confirm(at(31)), given(...pathTo.ESCROW))).toEqual({
      to: 'COMPLETED',
      reason: `the hold expired at ${at(31)}; it can no longer be posted`,
    });
    expect(decide(confirm(at(30)), given(...pathTo.ESCROW))).toHaveLength(1);
  });

  it('a hold expiry with no hold, or before the hold is due; at the due time it expires', () => {
    expect(refusalOf(expire('hold-1', at(60)), given(...pathTo.INITIATED))).toEqual({ to: null, reason: 'there is no escrow hold' });
    expect(refusalOf(expire('hold-1', at(30)), given(...pathTo.ESCROW))).toEqual({
      to: null,
      reason: `the hold expires at ${at(31)}, not yet`,
    });
    expect(decide(expire('hold-1', at(31)), given(...pathTo.ESCROW))).toEqual([
      { type: 'EscrowHoldPosted', data: { holdId: 'hold-1', amountMinor: 1250, via: 'hold_expiry', completedAt: at(31) } },
    ]);
  });

  it('settling by another batch, or while a refund is pending; the same batch again is a no-op', () => {
    const settled = given(...pathTo.SETTLED);
    expect(decide(settle('batch-1'), settled)).toEqual([]);
    expect(refusalOf(settle('batch-2'), settled)).toEqual({ to: 'SETTLED', reason: 'TransactionSettled is not allowed in SETTLED' });
    const pending = given(...pathTo.COMPLETED, requestRefund());
    expect(refusalOf(settle(), pending)).toEqual({
      to: 'SETTLED',
      reason: 'a refund is pending: the funds are held back until it resolves',
    });
    // Settled, then a refund requested: the table refuses settling again before the refund matters.
    const settledPending = given(...pathTo.SETTLED, requestRefund());
    expect(refusalOf(settle('batch-2'), settledPending)).toEqual({ to: 'SETTLED', reason: 'TransactionSettled is not allowed in SETTLED' });
    // Settled by an override, not by a batch: no settlement recorded, and a batch cannot settle it again.
    expect(refusalOf(settle('batch-1'), given(...pathTo.COMPLETED, override('SETTLED')))).toEqual({
      to: 'SETTLED',
      reason: 'TransactionSettled is not allowed in SETTLED',
    });
    // Disputed after settlement by batch-1: the settlement is kept, and settling again is refused.
    expect(refusalOf(settle('batch-1'), given(...pathTo.SETTLED, openDispute()))).toEqual({
      to: 'SETTLED',
      reason: 'TransactionSettled is not allowed in DISPUTE_OPEN',
    });
  });

  it('a second refund while one is pending; the same refund again is a no-op, and a failed one may be asked again', () => {
    const pending = given(...pathTo.COMPLETED, requestRefund('refund-1'));
    expect(decide(requestRefund('refund-1'), pending)).toEqual([]);
    expect(refusalOf(requestRefund('refund-2'), pending)).toEqual({ to: null, reason: 'refund refund-1 is already pending' });
    expect(decide(requestRefund('refund-1'), given(...pathTo.ESCROW, requestRefund('refund-1')))).toEqual([]);
    const failed = given(...pathTo.COMPLETED, requestRefund('refund-1'), refundFailed());
    expect(decide(requestRefund('refund-1', at(300)), failed)).toEqual([
      { type: 'RefundRequested', data: { refundId: 'refund-1', reason: 'customer asked', requestedAt: at(300) } },
    ]);
  });

  it('a refund outcome with no refund pending, or for another refund', () => {
    const completed = given(...pathTo.COMPLETED);
    expect(refusalOf(refundSucceeded(), completed)).toEqual({ to: 'REFUNDED', reason: 'no refund is pending' });
    expect(refusalOf(refundFailed(), completed)).toEqual({ to: null, reason: 'no refund is pending' });
    const pending = given(...pathTo.COMPLETED, requestRefund('refund-1'));
    expect(refusalOf({ type: 'CompleteRefund', outcome: 'succeeded', refundId: 'refund-2', now: at(200) }, pending)).toEqual({
      to: 'REFUNDED',
      reason: 'the outcome is for refund refund-2, not the pending refund refund-1',
    });
    expect(refusalOf({ type: 'CompleteRefund', outcome: 'failed', reason: 'x', refundId: 'refund-2', now: at(200) }, pending)).toEqual({
      to: null,
      reason: 'the outcome is for refund refund-2, not the pending refund refund-1',
    });
    expect(decide({ type: 'CompleteRefund', outcome: 'succeeded', refundId: 'refund-1', now: at(200) }, pending)).toEqual([
      { type: 'RefundSucceeded', data: { refundId: 'refund-1', refundedAt: at(200) } },
    ]);
  });

  it('an override by a non-admin, of a transaction that does not exist, or without a reason', () => {
    const completed = given(...pathTo.COMPLETED);
    const byOperator = { ...override('SETTLED'), actor: { role: 'operator', id: 'op-1' } } as TransactionCommand;
    expect(() => decide(byOperator, completed)).toThrow(new ForbiddenError('a status override needs the admin role'));
    expect(() => decide(byOperator, completed)).toThrow(ForbiddenError);
    expect(refusalOf(override('SETTLED'), given())).toEqual({ to: 'SETTLED', reason: 'the transaction does not exist' });
    for (const reason of ['', '   ', '\n\t']) {
      const command = { ...override('SETTLED'), reason } as TransactionCommand;
      expect(validationOf(command, completed), JSON.stringify(reason)).toEqual([{ path: 'reason', message: 'must not be empty' }]);
    }
    expect(decide({ ...override('SETTLED'), reason: ' ticket 7 ' } as TransactionCommand, completed)).toHaveLength(1);
  });
});

describe('decide refuses bad input with the field it is about', () => {
  it('a hold that expires at or before the authorization', () => {
    for (const expiresAt of [at(1), at(0)]) {
      const command: TransactionCommand = { type: 'RecordAuthorization', outcome: 'authorized', holdId: 'hold-1', expiresAt, now: at(1) };
      expect(validationOf(command, given(...pathTo.INITIATED))).toEqual([{ path: 'expiresAt', message: 'must be after now' }]);
    }
    const justAfter: TransactionCommand = {
      type: 'RecordAuthorization',
      outcome: 'authorized',
      holdId: 'hold-1',
      expiresAt: new Date(Date.parse(at(1)) + 1).toISOString(),
      now: at(1),
    };
    expect(decide(justAfter, given(...pathTo.INITIATED))).toHaveLength(1);
  });

  it('an initiation with a nested field out of range names its whole path', () => {
    const errors = validationOf(initiate({ retryPolicy: { maxRetries: -1 } }), given());
    expect(errors.map((error) => error.path)).toEqual(['retryPolicy.maxRetries']);
  });
});

describe('decide on corrupted state', () => {
  it('a refund in ESCROW without a pending hold is a broken invariant, not a refund', () => {
    const escrow = given(...pathTo.ESCROW);
    let thrown: unknown;
    try {
      decide(requestRefund(), { ...escrow, hold: null });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvariantViolation);
    expect((thrown as InvariantViolation).message).toBe('escrow_has_pending_hold: ESCROW without a pending hold');
    expect(decide(requestRefund(), escrow)[0]?.type).toBe('EscrowHoldVoided');
  });
});
