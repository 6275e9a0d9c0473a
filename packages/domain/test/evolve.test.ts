import { describe, expect, it } from 'vitest';
import {
  decide,
  defaultSimulation,
  evolve,
  InvariantViolation,
  type TransactionCommand,
  type TransactionEvent,
  type TransactionState,
} from '../src/index.ts';
import {
  at,
  authorize,
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
  resolveDispute,
  scheduleRetry,
  settle,
} from './fixtures.ts';

/** The one event a command decides in a state (the tests below change it into history no command writes). */
function eventOf(command: TransactionCommand, state: TransactionState): TransactionEvent {
  const events = decide(command, state);
  expect(events).toHaveLength(1);
  return events[0]!;
}

/** Expects the fold to throw the named violation; with `message`, the whole message an operator's alarm shows. */
function expectViolation(fold: () => unknown, invariant: string, message?: string): void {
  let thrown: unknown;
  try {
    fold();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvariantViolation);
  expect((thrown as InvariantViolation).invariant).toBe(invariant);
  if (message !== undefined) expect((thrown as InvariantViolation).message).toBe(`${invariant}: ${message}`);
}

/** A copy of an event with its data changed (history written by a bug, or edited). */
function withData<E extends TransactionEvent>(event: E, data: Partial<E['data']>): TransactionEvent {
  return { ...event, data: { ...event.data, ...data } } as TransactionEvent;
}

describe('evolve: each event records its own business time', () => {
  // Every event type, each decided at a time no other command in its path uses.
  const paths: TransactionCommand[][] = [
    [initiate(), decline(at(1)), scheduleRetry(at(2)), authorize('hold-2', at(4)), confirm(at(5)), settle('batch-1', at(86_400))],
    [initiate({ retryPolicy: { maxRetries: 0 } }), decline(at(1)), { type: 'ExhaustRetries', now: at(3) }],
    [initiate({ simulation: { onHoldExpiry: 'void' } }), authorize('hold-1', at(1)), expire('hold-1', at(60))],
    [initiate(), authorize('hold-1', at(1)), expire('hold-1', at(61))],
    [initiate(), authorize(), confirm(), requestRefund('refund-1', at(100)), refundFailed(at(150)), requestRefund('refund-2', at(170))],
    [initiate(), authorize(), confirm(), requestRefund('refund-1', at(100)), refundSucceeded(at(200))],
    [initiate(), authorize(), confirm(), openDispute(at(300)), resolveDispute('LOST', at(400))],
    [initiate(), authorize(), override('COMPLETED', at(7))],
  ];

  it('every event type sets updatedAt to the time its command decided, and grows the version by one', () => {
    const seen = new Set<string>();
    for (const path of paths) {
      let state = given();
      for (const command of path) {
        for (const event of decide(command, state)) {
          const next = evolve(state, event);
          expect(next.updatedAt, event.type).toBe(command.now);
          expect(next.version, event.type).toBe(state.version + 1);
          seen.add(event.type);
          state = next;
        }
      }
    }
    expect([...seen].sort()).toEqual(
      [
        'AuthorizationDeclined',
        'DisputeOpened',
        'DisputeResolved',
        'EscrowHoldPlaced',
        'EscrowHoldPosted',
        'EscrowHoldVoided',
        'RefundFailed',
        'RefundRequested',
        'RefundSucceeded',
        'RetriesExhausted',
        'RetryScheduled',
        'StatusOverridden',
        'TransactionInitiated',
        'TransactionSettled',
      ].sort(),
    );
  });
});

describe('evolve refuses history no command writes, naming the invariant it breaks', () => {
  const escrow = given(...pathTo.ESCROW);
  const completed = given(...pathTo.COMPLETED);

  it('an event the transition table forbids in the status', () => {
    expectViolation(
      () => evolve(given(...pathTo.INITIATED), eventOf(confirm(), escrow)),
      'transition_table',
      'EscrowHoldPosted is not allowed in INITIATED',
    );
    expectViolation(() => evolve(completed, eventOf(confirm(), escrow)), 'transition_table');
  });

  it('a hold for another amount than the transaction', () => {
    const initiated = given(...pathTo.INITIATED);
    const placed = eventOf(authorize(), initiated);
    expect(evolve(initiated, placed).hold?.amountMinor).toBe(1250);
    expectViolation(() => evolve(initiated, withData(placed, { amountMinor: 1251 })), 'hold_amount', 'hold 1251 for amount 1250');
  });

  it('posting or voiding a hold the transaction does not have', () => {
    // A refund in ESCROW voids the hold (EscrowHoldVoided); a confirmation posts it (EscrowHoldPosted).
    const voided = eventOf(requestRefund(), escrow);
    expect(voided.type).toBe('EscrowHoldVoided');
    expectViolation(() => evolve(escrow, withData(eventOf(confirm(), escrow), { holdId: 'hold-9' })), 'hold_id_matches', 'posting hold-9');
    expectViolation(() => evolve(escrow, withData(voided, { holdId: 'hold-9' })), 'hold_id_matches', 'voiding hold-9');
    const noHold = { ...escrow, hold: null };
    expectViolation(() => evolve(noHold, eventOf(confirm(), escrow)), 'hold_id_matches', 'posting hold-1');
    expectViolation(() => evolve(noHold, voided), 'hold_id_matches', 'voiding hold-1');
  });

  it('resolving a hold that is resolved already, or missing where the money is said to be held', () => {
    const posted = { ...escrow, hold: { ...escrow.hold!, state: 'posted' as const } };
    expectViolation(() => evolve(posted, eventOf(confirm(), escrow)), 'hold_resolves_once', 'hold is posted');
    expectViolation(() => evolve(posted, eventOf(expire(), escrow)), 'hold_resolves_once', 'hold is posted');
    const overridden = eventOf(override('COMPLETED', at(10)), escrow);
    expectViolation(() => evolve({ ...escrow, hold: null }, overridden), 'hold_resolves_once', 'hold is missing');
    expectViolation(() => evolve(posted, overridden), 'hold_resolves_once', 'hold is posted');
  });

  it('money held without a pending hold, or a pending hold without held money', () => {
    // An override into ESCROW recorded without the new hold it needs: held money, no pending hold.
    const toEscrow = eventOf(override('ESCROW'), completed);
    expect(evolve(completed, toEscrow).hold?.state).toBe('pending');
    expectViolation(
      () => evolve(completed, withData(toEscrow, { newHold: null })),
      'funds_match_hold',
      'funds held but hold posted after StatusOverridden',
    );
    expectViolation(
      () => evolve({ ...completed, hold: null }, withData(toEscrow, { newHold: null })),
      'funds_match_hold',
      'funds held but hold none after StatusOverridden',
    );
    // An override out of ESCROW recorded as if the money were already in escrow: the hold stays pending.
    const held = { ...escrow, funds: 'escrow' as const };
    expectViolation(
      () => evolve(held, withData(eventOf(override('SETTLED', at(10)), escrow), { fundsBefore: 'escrow' })),
      'funds_match_hold',
    );
  });

  it('an override whose from or money-before is not the state it is folded onto', () => {
    const overridden = eventOf(override('SETTLED'), completed);
    expect(evolve(completed, overridden).status).toBe('SETTLED');
    expectViolation(
      () => evolve(completed, withData(overridden, { from: 'ESCROW' })),
      'override_from_matches',
      'override from ESCROW in COMPLETED',
    );
    expectViolation(
      () => evolve(completed, withData(overridden, { fundsBefore: 'payer' })),
      'override_funds_match',
      'override funds payer but escrow',
    );
  });

  it('an override that places a new hold where one is pending, or where the money does not end held', () => {
    const newHold = { holdId: 'hold-9', expiresAt: at(900) };
    expectViolation(
      () => evolve(escrow, withData(eventOf(override('COMPLETED', at(10)), escrow), { newHold })),
      'override_new_hold',
      'a new hold only replaces no pending hold',
    );
    expectViolation(() => evolve(completed, withData(eventOf(override('SETTLED'), completed), { newHold })), 'override_new_hold');
  });

  it('settling money that is not in escrow', () => {
    const settled = eventOf(settle(), completed);
    expect(evolve(completed, settled).funds).toBe('vendor');
    expectViolation(() => evolve({ ...completed, funds: 'payer' }, settled), 'settle_from_escrow', 'settling with funds at payer');
  });

  it('a refund outcome without a pending refund', () => {
    const pending = given(...pathTo.COMPLETED, requestRefund());
    const succeeded = eventOf(refundSucceeded(), pending);
    const failed = eventOf(refundFailed(), pending);
    expectViolation(() => evolve(completed, succeeded), 'refund_pending', 'refund succeeded without a pending refund');
    expectViolation(() => evolve(completed, failed), 'refund_pending', 'refund failed without a pending refund');
    const alreadyFailed = given(...pathTo.COMPLETED, requestRefund(), refundFailed());
    expectViolation(() => evolve(alreadyFailed, succeeded), 'refund_pending');
    expectViolation(() => evolve(alreadyFailed, failed), 'refund_pending');
  });

  it('resolving a dispute that was never opened', () => {
    const open = given(...pathTo.DISPUTE_OPEN);
    expectViolation(
      () => evolve({ ...open, dispute: null }, eventOf(resolveDispute('WON'), open)),
      'dispute_open',
      'resolving without a dispute',
    );
  });
});

describe('evolve: what each event leaves in the state', () => {
  it('records requestedSimulation only when the initiation carried one', () => {
    const initiated = eventOf(initiate(), given());
    expect(evolve(given(), initiated).requestedSimulation).toBeNull();
    const requested = { ...defaultSimulation, escrowTtlMs: 5_000 };
    expect(evolve(given(), withData(initiated, { requestedSimulation: requested })).requestedSimulation).toEqual(requested);
  });

  it('a hold expiring is posted or expired as onHoldExpiry says; a refund in ESCROW voids it and records the refund as succeeded', () => {
    const released = given(...pathTo.ESCROW, expire());
    expect(released.hold).toMatchObject({ holdId: 'hold-1', state: 'posted', resolvedVia: 'hold_expiry', resolvedAt: at(60) });
    expect(released.funds).toBe('escrow');
    const expired = given(initiate({ simulation: { onHoldExpiry: 'void' } }), authorize(), expire());
    expect(expired.hold).toMatchObject({ holdId: 'hold-1', state: 'expired', resolvedVia: 'hold_expiry', resolvedAt: at(60) });
    expect(expired.refund).toBeNull();
    expect(expired.funds).toBe('payer');
    const refunded = given(...pathTo.ESCROW, requestRefund('refund-1', at(20)));
    expect(refunded.hold).toMatchObject({ holdId: 'hold-1', state: 'voided', resolvedVia: 'refund', resolvedAt: at(20) });
    expect(refunded.refund).toEqual({ refundId: 'refund-1', reason: 'customer asked', state: 'succeeded', failureReason: null });
  });

  it('a refund that succeeds keeps its id and reason and returns the money; one that fails records why', () => {
    const succeeded = given(...pathTo.COMPLETED, requestRefund(), refundSucceeded());
    expect(succeeded.refund).toEqual({ refundId: 'refund-1', reason: 'customer asked', state: 'succeeded', failureReason: null });
    expect(succeeded.funds).toBe('payer');
    const failed = given(...pathTo.COMPLETED, requestRefund(), refundFailed(at(250)));
    expect(failed.refund).toEqual({ refundId: 'refund-1', reason: 'customer asked', state: 'failed', failureReason: 'bank timeout' });
    expect(failed.lastError).toEqual({ code: 'refund_failed', message: 'bank timeout', at: at(250) });
    expect(failed.funds).toBe('escrow');
  });

  it('a dispute resolved keeps what it was opened with; LOST returns the money, WON pays an unsettled one out', () => {
    for (const [path, fromStatus] of [
      [pathTo.COMPLETED, 'COMPLETED'],
      [pathTo.SETTLED, 'SETTLED'],
    ] as const) {
      const opened = { disputeId: 'dispute-1', reason: 'not received', fromStatus };
      expect(given(...path, openDispute()).dispute).toEqual({ ...opened, outcome: null });
      const won = given(...path, openDispute(), resolveDispute('WON'));
      expect(won.dispute).toEqual({ ...opened, outcome: 'WON' });
      expect(won.funds).toBe('vendor');
      const lost = given(...path, openDispute(), resolveDispute('LOST'));
      expect(lost.dispute).toEqual({ ...opened, outcome: 'LOST' });
      expect(lost.funds).toBe('payer');
    }
  });
});

describe('evolve: an admin override', () => {
  it('posts a pending hold not yet expired and voids one past its expiry, as the override', () => {
    // authorize() at 1 s holds for 30 s.
    const early = given(...pathTo.ESCROW, override('COMPLETED', at(10)));
    expect(early.hold).toMatchObject({ state: 'posted', resolvedVia: 'override', resolvedAt: at(10) });
    const atExpiry = given(...pathTo.ESCROW, override('COMPLETED', at(31)));
    expect(atExpiry.hold).toMatchObject({ state: 'voided', resolvedVia: 'override', resolvedAt: at(31) });
    const toPayer = given(...pathTo.ESCROW, override('FAILED', at(10)));
    expect(toPayer.hold).toMatchObject({ state: 'voided', resolvedVia: 'override' });
    expect(toPayer.funds).toBe('payer');
  });

  it('into ESCROW places a new pending hold for the amount; a hold already resolved stays as it was', () => {
    const completed = given(...pathTo.COMPLETED);
    const toEscrow = given(...pathTo.COMPLETED, override('ESCROW', at(600)));
    expect(toEscrow.hold).toEqual({
      holdId: `${completed.transactionId}:override-hold:${completed.version + 1}`,
      amountMinor: 1250,
      expiresAt: new Date(Date.parse(at(600)) + defaultSimulation.escrowTtlMs).toISOString(),
      placedAt: at(600),
      state: 'pending',
      resolvedVia: null,
      resolvedAt: null,
    });
    expect(given(...pathTo.COMPLETED, override('SETTLED')).hold).toEqual(completed.hold);
  });

  it('cancels a pending refund, and leaves a refund that already ended as it was', () => {
    const pending = given(...pathTo.COMPLETED, requestRefund(), override('SETTLED'));
    expect(pending.refund).toEqual({ refundId: 'refund-1', reason: 'customer asked', state: 'cancelled', failureReason: null });
    const failed = given(...pathTo.COMPLETED, requestRefund(), refundFailed(), override('SETTLED'));
    expect(failed.refund).toMatchObject({ state: 'failed', failureReason: 'bank timeout' });
  });

  it('into DISPUTE_OPEN opens a dispute of its own, from where the money is', () => {
    const fromCompleted = given(...pathTo.COMPLETED, override('DISPUTE_OPEN'));
    expect(fromCompleted.dispute).toEqual({
      disputeId: `override-${given(...pathTo.COMPLETED).version + 1}`,
      reason: 'support ticket 42',
      fromStatus: 'COMPLETED',
      outcome: null,
    });
    expect(given(...pathTo.SETTLED, override('DISPUTE_OPEN')).dispute).toMatchObject({ fromStatus: 'SETTLED', outcome: null });
    // Money at the payer is captured into escrow first: the dispute is from COMPLETED.
    expect(given(...pathTo.FAILED, override('DISPUTE_OPEN')).dispute).toMatchObject({ fromStatus: 'COMPLETED' });
    // Even when an earlier dispute was opened after settlement: the money captured again is not settled.
    const reopened = given(...pathTo.SETTLED, openDispute(), resolveDispute('LOST'), override('DISPUTE_OPEN', at(600)));
    expect(reopened.dispute).toEqual({ disputeId: 'dispute-1', reason: 'support ticket 42', fromStatus: 'COMPLETED', outcome: null });
    expect(reopened.funds).toBe('escrow');
  });

  it('into DISPUTE_RESOLVED keeps an open dispute, and reads money at the payer as LOST, elsewhere as WON', () => {
    const open = given(...pathTo.DISPUTE_OPEN, override('DISPUTE_RESOLVED'));
    expect(open.dispute).toEqual({ disputeId: 'dispute-1', reason: 'not received', fromStatus: 'SETTLED', outcome: 'WON' });
    expect(open.funds).toBe('vendor');
    const refunded = given(...pathTo.REFUNDED, override('DISPUTE_RESOLVED'));
    expect(refunded.dispute).toEqual({
      disputeId: `override-${given(...pathTo.REFUNDED).version + 1}`,
      reason: 'support ticket 42',
      fromStatus: 'COMPLETED',
      outcome: 'LOST',
    });
    const openSettled = given(...pathTo.SETTLED, openDispute(), override('DISPUTE_RESOLVED'));
    expect(openSettled.dispute).toMatchObject({ disputeId: 'dispute-1', fromStatus: 'SETTLED', outcome: 'WON' });
    // A settled dispute lost, its money moved back to the payer by an override, then resolved again:
    // the money stays at the payer, so it reads as LOST, from where the dispute was opened.
    const lostAgain = given(
      ...pathTo.SETTLED,
      openDispute(),
      resolveDispute('LOST'),
      override('REFUNDED'),
      override('DISPUTE_RESOLVED', at(600)),
    );
    expect(lostAgain.dispute).toEqual({ disputeId: 'dispute-1', reason: 'not received', fromStatus: 'SETTLED', outcome: 'LOST' });
  });

  it('leaves the dispute alone on other targets', () => {
    expect(given(...pathTo.COMPLETED, override('SETTLED')).dispute).toBeNull();
    expect(given(...pathTo.DISPUTE_OPEN, override('REFUNDED')).dispute).toEqual(given(...pathTo.DISPUTE_OPEN).dispute);
  });

  it('into RETRY_PENDING keeps a due time, or makes one now; anywhere else clears it', () => {
    expect(given(...pathTo.FAILED, override('RETRY_PENDING', at(50))).nextRetryAt).toBe(at(50));
    expect(given(...pathTo.ESCROW, override('RETRY_PENDING', at(50))).nextRetryAt).toBe(at(50));
    const retrying = given(...pathTo.RETRY_PENDING);
    expect(retrying.nextRetryAt).not.toBeNull();
    expect(given(...pathTo.RETRY_PENDING, override('FAILED')).nextRetryAt).toBeNull();
    expect(given(...pathTo.RETRY_PENDING, override('ESCROW')).nextRetryAt).toBeNull();
  });

  it('into SETTLED is settled at the override; money leaving the vendor is unsettled; money staying keeps its settlement', () => {
    const settledState = given(...pathTo.SETTLED);
    expect(settledState.settlement).not.toBeNull();
    const forced = given(...pathTo.COMPLETED, override('SETTLED', at(700)));
    expect(forced.settledAt).toBe(at(700));
    expect(forced.settlement).toBeNull();
    const back = given(...pathTo.SETTLED, override('COMPLETED'));
    expect(back.settlement).toBeNull();
    expect(back.settledAt).toBeNull();
    const disputed = given(...pathTo.SETTLED, override('DISPUTE_OPEN'));
    expect(disputed.settlement).toEqual(settledState.settlement);
    expect(disputed.settledAt).toBe(settledState.settledAt);
  });

  it('sets completedAt when it captures money; an override recorded before completedAt was recorded completes at its own time', () => {
    expect(given(...pathTo.FAILED, override('COMPLETED', at(800))).completedAt).toBe(at(800));
    expect(given(...pathTo.COMPLETED, override('SETTLED', at(800))).completedAt).toBe(at(5));
    expect(given(...pathTo.COMPLETED, override('FAILED', at(800))).completedAt).toBe(at(5));
    expect(given(...pathTo.INITIATED, override('FAILED', at(800))).completedAt).toBeNull();
    const failed = given(...pathTo.FAILED);
    for (const to of ['COMPLETED', 'SETTLED', 'DISPUTE_OPEN', 'DISPUTE_RESOLVED'] as const) {
      const legacy = withData(eventOf(override(to, at(800)), failed), { completedAt: undefined });
      expect(evolve(failed, legacy).completedAt, to).toBe(at(800));
    }
    for (const to of ['ESCROW', 'REFUNDED', 'PERMANENTLY_FAILED'] as const) {
      expect(evolve(failed, eventOf(override(to, at(800)), failed)).completedAt, to).toBeNull();
    }
  });
});
