import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decide,
  InvalidTransitionError,
  InvariantViolation,
  lifecycleActionNames,
  lifecycleActions,
  transactionStatuses,
  type LifecycleAction,
  type LifecycleStatus,
  type TransactionCommand,
  type TransactionStatus,
} from '../src/index.ts';
import { at, authorize, confirm, decline, given, initiate, override, pathTo, requestRefund, run, scheduleRetry } from './fixtures.ts';

/** What the spec (domain.md) lets a user do from each status, written out once here as the test's oracle. */
const expected: Record<TransactionStatus, LifecycleAction[]> = {
  INITIATED: ['retry'],
  ESCROW: ['confirm', 'refund'],
  FAILED: ['retry'],
  RETRY_PENDING: ['retry'],
  PERMANENTLY_FAILED: [],
  COMPLETED: ['refund', 'open-dispute'],
  SETTLED: ['refund', 'open-dispute'],
  REFUNDED: [],
  DISPUTE_OPEN: ['resolve-dispute'],
  DISPUTE_RESOLVED: [],
};

describe('lifecycleActions notes and errors', () => {
  it('has no note where an action is left: retries left, no refund pending, retries used up only once FAILED', () => {
    expect(lifecycleActions(given(...pathTo.FAILED), at(10)).note).toBeNull();
    expect(lifecycleActions(given(...pathTo.COMPLETED), at(10)).note).toBeNull();
    expect(lifecycleActions(given(initiate({ retryPolicy: { maxRetries: 0 } })), at(10)).note).toBeNull();
  });

  it('lets a broken invariant surface instead of reading it as "not allowed"', () => {
    const escrow = given(...pathTo.ESCROW);
    expect(() => lifecycleActions({ ...escrow, hold: null }, at(10))).toThrow(InvariantViolation);
  });
});

describe('lifecycleActions', () => {
  it.each(transactionStatuses)('offers from %s exactly what the spec allows', (status) => {
    const { actions } = lifecycleActions(given(...pathTo[status]), at(10));
    expect(actions).toEqual(expected[status]);
  });

  it('offers nothing before the transaction exists', () => {
    expect(lifecycleActions(run([]).state).actions).toEqual([]);
  });

  it('says why a terminal status offers nothing', () => {
    expect(lifecycleActions(given(...pathTo.REFUNDED)).note).toMatch(/REFUNDED is terminal/);
  });

  it('holds refund and dispute back while a refund is pending, and says so', () => {
    const state = given(initiate(), authorize(), confirm(), requestRefund());
    const { actions, note } = lifecycleActions(state, at(150));
    expect(actions).toEqual([]);
    expect(note).toMatch(/refund is pending/);
  });

  it('offers no retry once the retries are used up, and says so', () => {
    const state = given(initiate({ retryPolicy: { maxRetries: 1 } }), decline(), scheduleRetry(), decline(at(3)));
    expect(state.status).toBe('FAILED');
    const { actions, note } = lifecycleActions(state, at(10));
    expect(actions).toEqual([]);
    expect(note).toMatch(/retries exhausted \(1 of 1\)/);
  });

  it('offers no confirmation of a hold past its expiry', () => {
    const state = given(initiate(), authorize());
    expect(lifecycleActions(state, at(10)).actions).toContain('confirm');
    expect(lifecycleActions(state, at(31)).actions).not.toContain('confirm');
  });

  it('follows an override: a refunded transaction moved back to ESCROW can be confirmed again', () => {
    const state = given(...pathTo.REFUNDED, override('ESCROW', at(500)));
    expect(lifecycleActions(state, at(501)).actions).toEqual(['confirm', 'refund']);
  });

  it('agrees with decide on every reachable state: an offered action appends, a missing one is refused or changes nothing', () => {
    // Overrides come after every path's events; the probe after the overrides' holds were placed,
    // sometimes past their expiry (an override's hold lives 30 s).
    const overrideAt = (i: number) => at(1_000_000 + i);
    const commandOf: Record<LifecycleAction, (status: LifecycleStatus, now: string) => TransactionCommand> = {
      confirm: (_status, now) => confirm(now),
      retry: (status, now) =>
        status === 'FAILED'
          ? scheduleRetry(now, true)
          : {
              type: 'RecordAuthorization',
              outcome: 'authorized',
              holdId: 'h',
              expiresAt: new Date(Date.parse(now) + 60_000).toISOString(),
              now,
            },
      refund: (_status, now) => ({ type: 'RequestRefund', refundId: 'r-new', reason: 'customer asked', now }),
      'open-dispute': (_status, now) => ({ type: 'OpenDispute', disputeId: 'd-new', reason: 'not received', now }),
      'resolve-dispute': (_status, now) => ({ type: 'ResolveDispute', outcome: 'LOST', now }),
    };
    const overrideTargets = fc.constantFrom(...transactionStatuses);
    fc.assert(
      fc.property(
        fc.constantFrom(...transactionStatuses),
        fc.array(overrideTargets, { maxLength: 3 }),
        fc.integer({ min: 0, max: 60 }),
        (start, targets, probeS) => {
          const state = given(...pathTo[start], ...targets.map((to, i) => override(to, overrideAt(i))));
          const now = overrideAt(3 + probeS);
          const offered = lifecycleActions(state, now).actions;
          for (const action of lifecycleActionNames) {
            let appended: boolean;
            try {
              appended = decide(commandOf[action](state.status, now), state).length > 0;
            } catch (error) {
              if (!(error instanceof InvalidTransitionError)) throw error;
              appended = false;
            }
            expect(offered.includes(action), `${action} from ${state.status}`).toBe(appended);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
