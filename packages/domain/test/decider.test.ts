import { describe, expect, it } from 'vitest';
import {
  awaitsSettlement,
  decide,
  ForbiddenError,
  InvalidTransitionError,
  initialState,
  isAllowedTransition,
  targetOf,
  transactionStatuses,
  transitions,
  transitionTableMarkdown,
  ValidationError,
  type TransactionCommand,
  type TransactionEvent,
  type TransactionState,
  type TransactionStatus,
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
  run,
  scheduleRetry,
  settle,
} from './fixtures.ts';

function thenRejected(state: TransactionState, command: TransactionCommand): InvalidTransitionError {
  try {
    decide(command, state);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTransitionError);
    const e = error as InvalidTransitionError;
    expect(e.code).toBe('invalid_transition');
    expect(e.from).toBe(state.status);
    expect(e.command).toBe(command.type);
    return e;
  }
  throw new Error(`expected ${command.type} to be rejected in ${state.status}`);
}

describe('every transition of the spec', () => {
  const cases: Array<{ name: string; given: TransactionCommand[]; when: TransactionCommand; then: string[]; status: TransactionStatus }> = [
    { name: 'NEW -> INITIATED', given: [], when: initiate(), then: ['TransactionInitiated'], status: 'INITIATED' },
    { name: 'INITIATED -> ESCROW (authorized)', given: pathTo.INITIATED, when: authorize(), then: ['EscrowHoldPlaced'], status: 'ESCROW' },
    { name: 'INITIATED -> FAILED (declined)', given: pathTo.INITIATED, when: decline(), then: ['AuthorizationDeclined'], status: 'FAILED' },
    {
      name: 'FAILED -> RETRY_PENDING (backoff)',
      given: pathTo.FAILED,
      when: scheduleRetry(),
      then: ['RetryScheduled'],
      status: 'RETRY_PENDING',
    },
    {
      name: 'FAILED -> RETRY_PENDING (forced)',
      given: pathTo.FAILED,
      when: scheduleRetry(at(2), true),
      then: ['RetryScheduled'],
      status: 'RETRY_PENDING',
    },
    {
      name: 'RETRY_PENDING -> ESCROW',
      given: pathTo.RETRY_PENDING,
      when: authorize('hold-2', at(4)),
      then: ['EscrowHoldPlaced'],
      status: 'ESCROW',
    },
    {
      name: 'RETRY_PENDING -> FAILED',
      given: pathTo.RETRY_PENDING,
      when: decline(at(4)),
      then: ['AuthorizationDeclined'],
      status: 'FAILED',
    },
    {
      name: 'FAILED -> PERMANENTLY_FAILED',
      given: [initiate({ retryPolicy: { maxRetries: 0 } }), decline()],
      when: { type: 'ExhaustRetries', now: at(3) },
      then: ['RetriesExhausted'],
      status: 'PERMANENTLY_FAILED',
    },
    { name: 'ESCROW -> COMPLETED (webhook)', given: pathTo.ESCROW, when: confirm(), then: ['EscrowHoldPosted'], status: 'COMPLETED' },
    {
      name: 'ESCROW -> COMPLETED (expiry, release)',
      given: pathTo.ESCROW,
      when: expire(),
      then: ['EscrowHoldPosted'],
      status: 'COMPLETED',
    },
    {
      name: 'ESCROW -> REFUNDED (expiry, void)',
      given: [initiate({ simulation: { onHoldExpiry: 'void' } }), authorize()],
      when: expire(),
      then: ['EscrowHoldVoided'],
      status: 'REFUNDED',
    },
    {
      name: 'ESCROW -> REFUNDED (operator refund)',
      given: pathTo.ESCROW,
      when: requestRefund(),
      then: ['EscrowHoldVoided'],
      status: 'REFUNDED',
    },
    { name: 'COMPLETED -> SETTLED', given: pathTo.COMPLETED, when: settle(), then: ['TransactionSettled'], status: 'SETTLED' },
    { name: 'COMPLETED: refund requested', given: pathTo.COMPLETED, when: requestRefund(), then: ['RefundRequested'], status: 'COMPLETED' },
    { name: 'SETTLED: refund requested', given: pathTo.SETTLED, when: requestRefund(), then: ['RefundRequested'], status: 'SETTLED' },
    {
      name: 'COMPLETED -> REFUNDED',
      given: [...pathTo.COMPLETED, requestRefund()],
      when: refundSucceeded(),
      then: ['RefundSucceeded'],
      status: 'REFUNDED',
    },
    {
      name: 'SETTLED -> REFUNDED',
      given: [...pathTo.SETTLED, requestRefund()],
      when: refundSucceeded(),
      then: ['RefundSucceeded'],
      status: 'REFUNDED',
    },
    {
      name: 'COMPLETED: refund failed',
      given: [...pathTo.COMPLETED, requestRefund()],
      when: refundFailed(),
      then: ['RefundFailed'],
      status: 'COMPLETED',
    },
    {
      name: 'SETTLED: refund failed',
      given: [...pathTo.SETTLED, requestRefund()],
      when: refundFailed(),
      then: ['RefundFailed'],
      status: 'SETTLED',
    },
    { name: 'COMPLETED -> DISPUTE_OPEN', given: pathTo.COMPLETED, when: openDispute(), then: ['DisputeOpened'], status: 'DISPUTE_OPEN' },
    { name: 'SETTLED -> DISPUTE_OPEN', given: pathTo.SETTLED, when: openDispute(), then: ['DisputeOpened'], status: 'DISPUTE_OPEN' },
    {
      name: 'DISPUTE_OPEN -> DISPUTE_RESOLVED (WON)',
      given: pathTo.DISPUTE_OPEN,
      when: resolveDispute('WON'),
      then: ['DisputeResolved'],
      status: 'DISPUTE_RESOLVED',
    },
    {
      name: 'DISPUTE_OPEN -> DISPUTE_RESOLVED (LOST)',
      given: pathTo.DISPUTE_OPEN,
      when: resolveDispute('LOST'),
      then: ['DisputeResolved'],
      status: 'DISPUTE_RESOLVED',
    },
  ];

  it.each(cases)('$name', ({ given: history, when, then, status }) => {
    const state = given(...history);
    const events = decide(when, state);
    expect(events.map((e) => e.type)).toEqual(then);
    expect(run([when], { state, events: [], entries: [] }).state.status).toBe(status);
  });

  it('covers every row of the transition table', () => {
    const covered = new Set(
      cases.map((c) => {
        const state = given(...c.given);
        return `${state.status}:${c.then[0]}`;
      }),
    );
    for (const row of transitions) expect(covered, `${row.from} ${row.on}`).toContain(`${row.from}:${row.on}`);
  });

  it('records chance and time decided by the command in the events', () => {
    const [event] = decide(authorize('hold-9', at(7)), given(...pathTo.INITIATED));
    expect(event).toEqual({
      type: 'EscrowHoldPlaced',
      data: { holdId: 'hold-9', amountMinor: 1250, expiresAt: at(37), attempt: 1, placedAt: at(7) },
    });
  });

  it('renders the table for docs: a header, then a row per transition', () => {
    const lines = transitionTableMarkdown().split('\n');
    expect(lines.slice(0, 2)).toEqual(['| from | to | event | command |', '|---|---|---|---|']);
    expect(lines).toHaveLength(2 + transitions.length);
    expect(lines).toContain('| ESCROW | COMPLETED | EscrowHoldPosted | ConfirmPayment, ExpireHold |');
  });

  it('targetOf names where an event leads, and null for events that keep the status', () => {
    expect(targetOf('EscrowHoldPosted')).toBe('COMPLETED');
    expect(targetOf('RefundSucceeded')).toBe('REFUNDED');
    expect(targetOf('RefundRequested')).toBeNull();
    expect(targetOf('RefundFailed')).toBeNull();
    expect(targetOf('StatusOverridden')).toBeNull();
  });

  it('isAllowedTransition needs one row with both the status and the target', () => {
    expect(isAllowedTransition('ESCROW', 'COMPLETED')).toBe(true);
    expect(isAllowedTransition('COMPLETED', 'COMPLETED')).toBe(true);
    // ESCROW leads somewhere, and something leads to SETTLED, but not ESCROW to SETTLED.
    expect(isAllowedTransition('ESCROW', 'SETTLED')).toBe(false);
    expect(isAllowedTransition('NEW', 'COMPLETED')).toBe(false);
  });
});

describe('state after the lifecycle', () => {
  it('remembers which status a dispute was opened from', () => {
    expect(given(...pathTo.SETTLED, openDispute()).dispute).toMatchObject({ fromStatus: 'SETTLED', outcome: null });
    expect(given(...pathTo.DISPUTE_OPEN).dispute).toMatchObject({ fromStatus: 'COMPLETED' });
  });

  it('counts attempts and retries', () => {
    const state = given(...pathTo.RETRY_PENDING, decline(at(4)), scheduleRetry(at(5)), authorize('hold-3', at(8)));
    expect(state).toMatchObject({ status: 'ESCROW', attempt: 3, retryCount: 2, version: 6 });
    expect(state.lastError).toMatchObject({ code: 'card_declined' });
  });

  it('marks a pending refund, then clears it on failure', () => {
    expect(given(...pathTo.COMPLETED, requestRefund()).refund?.state).toBe('pending');
    expect(given(...pathTo.COMPLETED, requestRefund(), refundFailed()).refund?.state).toBe('failed');
  });
});

describe('rejected transitions', () => {
  const allCommands: TransactionCommand[] = [
    initiate(),
    authorize('hold-x', at(10)),
    decline(at(10)),
    scheduleRetry(at(10)),
    { type: 'ExhaustRetries', now: at(10) },
    confirm(at(10)),
    expire('hold-1', at(60)),
    settle(),
    requestRefund('refund-x'),
    refundSucceeded(),
    refundFailed(),
    openDispute(),
    resolveDispute('WON'),
    resolveDispute('LOST'),
  ];

  const statuses = ['NEW', ...transactionStatuses] as const;

  it.each(statuses)('from %s, every command either follows the table or is rejected with invalid_transition', (status) => {
    const state = status === 'NEW' ? initialState() : given(...pathTo[status]);
    for (const command of allCommands) {
      let events: TransactionEvent[];
      try {
        events = decide(command, state);
      } catch (error) {
        expect(error, `${command.type} in ${status}`).toBeInstanceOf(InvalidTransitionError);
        continue;
      }
      for (const event of events) expect(transitions.some((t) => t.from === status && t.on === event.type)).toBe(true);
    }
  });

  it.each(transactionStatuses.flatMap((from) => transactionStatuses.map((to) => [from, to] as const)))(
    'status pair %s -> %s is reachable without override only when the table says so',
    (from, to) => {
      const state = given(...pathTo[from]);
      const reached = allCommands.flatMap((command) => {
        try {
          return decide(command, state).length > 0 ? [run([command], { state, events: [], entries: [] }).state.status] : [];
        } catch (error) {
          expect(error, `${command.type} in ${from}`).toBeInstanceOf(InvalidTransitionError);
          return [];
        }
      });
      if (from !== to && reached.includes(to)) expect(isAllowedTransition(from, to)).toBe(true);
      if (!isAllowedTransition(from, to)) expect(reached).not.toContain(to);
    },
  );

  it('names from, to and command', () => {
    const error = thenRejected(given(...pathTo.FAILED), confirm());
    expect(error).toMatchObject({ from: 'FAILED', to: 'COMPLETED', command: 'ConfirmPayment' });
  });

  it('terminal statuses accept nothing but an override', () => {
    for (const status of ['PERMANENTLY_FAILED', 'REFUNDED', 'DISPUTE_RESOLVED'] as const) {
      const state = given(...pathTo[status]);
      for (const command of allCommands) {
        const events = (() => {
          try {
            return decide(command, state);
          } catch (error) {
            expect(error, `${command.type} in ${status}`).toBeInstanceOf(InvalidTransitionError);
            return [];
          }
        })();
        expect(events, `${command.type} in ${status}`).toEqual([]);
      }
    }
  });

  it('ScheduleRetry when retries are exhausted is rejected; ExhaustRetries before that too', () => {
    const exhausted = given(initiate({ retryPolicy: { maxRetries: 1 } }), decline(), scheduleRetry(), decline(at(4)));
    expect(thenRejected(exhausted, scheduleRetry(at(5))).reason).toMatch(/retries exhausted/);
    expect(decide({ type: 'ExhaustRetries', now: at(5) }, exhausted)).toHaveLength(1);
    thenRejected(given(...pathTo.FAILED), { type: 'ExhaustRetries', now: at(5) });
  });

  it('default policy allows 3 retries after the first attempt', () => {
    let state = given(...pathTo.FAILED);
    for (let retry = 1; retry <= 3; retry += 1) {
      state = run([scheduleRetry(at(10 * retry)), decline(at(10 * retry + 5))], { state, events: [], entries: [] }).state;
    }
    expect(state).toMatchObject({ status: 'FAILED', attempt: 4, retryCount: 3 });
    thenRejected(state, scheduleRetry(at(100)));
  });

  it('an expired hold cannot be posted afterwards', () => {
    thenRejected(given(...pathTo.ESCROW, expire()), confirm(at(70)));
    thenRejected(given(initiate({ simulation: { onHoldExpiry: 'void' } }), authorize(), expire()), confirm(at(70)));
    const error = thenRejected(given(...pathTo.ESCROW), confirm(at(31)));
    expect(error.reason).toMatch(/expired/);
  });

  it('ExpireHold before the due time is rejected', () => {
    thenRejected(given(...pathTo.ESCROW), expire('hold-1', at(30)));
  });

  it('a dispute cannot open while a refund is pending, a refund cannot complete when none is pending', () => {
    thenRejected(given(...pathTo.COMPLETED, requestRefund()), openDispute());
    thenRejected(given(...pathTo.COMPLETED), refundSucceeded());
    thenRejected(given(...pathTo.COMPLETED, requestRefund()), requestRefund('refund-2'));
  });

  it('a confirmation or refund outcome naming another hold or refund than the current one is rejected; naming it, or none, applies', () => {
    const escrow = given(...pathTo.ESCROW);
    expect(thenRejected(escrow, { type: 'ConfirmPayment', now: at(5), holdId: 'hold-0' }).reason).toMatch(/for hold hold-0/);
    expect(decide({ type: 'ConfirmPayment', now: at(5), holdId: 'hold-1' }, escrow).map((event) => event.type)).toEqual([
      'EscrowHoldPosted',
    ]);
    expect(decide(confirm(), escrow).map((event) => event.type)).toEqual(['EscrowHoldPosted']);
    const pending = given(...pathTo.COMPLETED, requestRefund('refund-2'));
    expect(thenRejected(pending, { type: 'CompleteRefund', outcome: 'succeeded', now: at(200), refundId: 'refund-1' }).reason).toMatch(
      /for refund refund-1/,
    );
    expect(
      thenRejected(pending, { type: 'CompleteRefund', outcome: 'failed', reason: 'bank', now: at(200), refundId: 'refund-1' }).reason,
    ).toMatch(/for refund refund-1/);
    expect(
      decide({ type: 'CompleteRefund', outcome: 'succeeded', now: at(200), refundId: 'refund-2' }, pending).map((event) => event.type),
    ).toEqual(['RefundSucceeded']);
    expect(decide(refundSucceeded(), pending).map((event) => event.type)).toEqual(['RefundSucceeded']);
  });

  it('settlement holds back a COMPLETED transaction while its refund is pending, and pays it out once the refund failed', () => {
    const pending = given(...pathTo.COMPLETED, requestRefund());
    expect(awaitsSettlement(given(...pathTo.COMPLETED))).toBe(true);
    expect(awaitsSettlement(pending)).toBe(false);
    expect(thenRejected(pending, settle()).reason).toMatch(/refund is pending/);
    const failed = given(...pathTo.COMPLETED, requestRefund(), refundFailed());
    expect(awaitsSettlement(failed)).toBe(true);
    expect(decide(settle(), failed).map((event) => event.type)).toEqual(['TransactionSettled']);
    // A settled transaction's refund comes out of the vendor's payout: nothing to hold back.
    expect(awaitsSettlement(given(...pathTo.SETTLED))).toBe(false);
    // Completed once, then moved on without a settlement: nothing to pay out.
    expect(awaitsSettlement(given(...pathTo.COMPLETED, requestRefund(), refundSucceeded()))).toBe(false);
    expect(awaitsSettlement(given(...pathTo.COMPLETED, openDispute()))).toBe(false);
  });

  it('bad initiate input is a ValidationError naming the field', () => {
    expect(() => decide(initiate({ amountMinor: 12.5 }), initialState())).toThrow(ValidationError);
    try {
      decide(initiate({ transactionId: 'nope' }), initialState());
    } catch (error) {
      expect((error as ValidationError).errors[0]?.path).toBe('transactionId');
    }
  });

  it('only an admin may override, and the transaction must exist', () => {
    expect(() =>
      decide({ ...override('SETTLED'), actor: { role: 'operator', id: 'op' } } as TransactionCommand, given(...pathTo.COMPLETED)),
    ).toThrow(ForbiddenError);
    thenRejected(initialState(), override('SETTLED'));
  });
});

describe('idempotent no-ops', () => {
  it.each([
    ['duplicate confirmation webhook', [...pathTo.COMPLETED], confirm(at(6))],
    ['confirmation webhook after settlement', [...pathTo.SETTLED], confirm(at(6))],
    ['expiry timer after the webhook', [...pathTo.COMPLETED], expire()],
    ['stale expiry timer for an older hold', [...pathTo.ESCROW], expire('hold-0')],
    ['expiry fired twice', [...pathTo.ESCROW, expire()], expire('hold-1', at(61))],
    ['same settlement batch again', [...pathTo.SETTLED], settle()],
    ['same refund request again', [...pathTo.COMPLETED, requestRefund()], requestRefund()],
    ['same refund of a hold again', [...pathTo.REFUNDED], requestRefund()],
    ['override to the current status', [...pathTo.COMPLETED], override('COMPLETED')],
  ] as const)('%s gives no events', (_name, history, command) => {
    expect(decide(command, given(...history))).toEqual([]);
  });
});
