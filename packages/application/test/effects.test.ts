import { sql, type Transaction } from 'kysely';
import fc from 'fast-check';
import { awaitsSettlement, transactionStatuses, type TransactionState } from '@tracktrove/domain';
import { listTimers } from '@tracktrove/timers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackTroveDb, type TrackTrove, type TrackTroveTables } from '../src/index.ts';
import { resumeTimerKind, retryTimerRef } from '../src/command-effects.ts';
import { admin, input, inspect, openFixture, operator, type Fixture } from './fixture.ts';

/**
 * A command's effects are planned from its transition and written with its events. Whatever the
 * sequence of commands, what is scheduled must equal what the final state calls for: this checks
 * the tables against a fresh fold of each stream after random command sequences.
 */
type Step =
  | { kind: 'confirm' }
  | { kind: 'retry' }
  | { kind: 'refund' }
  | { kind: 'dispute' }
  | { kind: 'resolve'; outcome: 'WON' | 'LOST' }
  | { kind: 'override'; to: (typeof transactionStatuses)[number] }
  | { kind: 'advance'; ms: number }
  | { kind: 'settle' };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ kind: 'confirm' as const }),
  fc.constant({ kind: 'retry' as const }),
  fc.constant({ kind: 'refund' as const }),
  fc.constant({ kind: 'dispute' as const }),
  fc.constantFrom('WON' as const, 'LOST' as const).map((outcome) => ({ kind: 'resolve' as const, outcome })),
  fc.constantFrom(...transactionStatuses).map((to) => ({ kind: 'override' as const, to })),
  fc.constantFrom(5_000, 45_000, 600_000).map((ms) => ({ kind: 'advance' as const, ms })),
  fc.constant({ kind: 'settle' as const }),
);

async function run(app: TrackTrove, id: string, step: Step): Promise<void> {
  try {
    switch (step.kind) {
      case 'confirm':
        return void (await app.confirm(id, operator));
      case 'retry':
        return void (await app.retry(id, operator));
      case 'refund':
        return void (await app.refund(id, 'property', operator));
      case 'dispute':
        return void (await app.openDispute(id, 'property', operator));
      case 'resolve':
        return void (await app.resolveDispute(id, step.outcome, operator));
      case 'override':
        return void (await app.override(id, step.to, 'property', admin));
      case 'advance':
        return void (await app.clock.advance({ ms: step.ms }));
      case 'settle': {
        const tomorrow = new Date((await app.clock.now()).getTime() + 86_400_000).toISOString().slice(0, 10);
        return void (await app.runSettlement({ settlementDate: tomorrow }));
      }
    }
  } catch (error) {
    // Commands the state refuses are part of the sequence; anything else fails the property.
    const code = (error as { code?: string }).code;
    if (code !== 'invalid_transition' && code !== 'unavailable') throw error;
  }
}

/** What the state calls for, compared with what the tables hold, read in the same snapshot as the state. */
async function expectEffectsMatch(snapshot: Transaction<TrackTroveTables>, id: string, state: TransactionState): Promise<void> {
  const pending = (await listTimers(snapshot, { transactionId: id })).filter((timer) => timer.state === 'pending');
  const holds = pending.filter((timer) => timer.kind === 'hold_expiry').map((timer) => timer.ref);
  expect(holds).toEqual(state.hold?.state === 'pending' ? [`${id}:${state.hold.holdId}`] : []);
  const retries = pending.filter((timer) => timer.kind === 'retry').map((timer) => timer.ref);
  expect(retries).toEqual(
    state.status === 'RETRY_PENDING' && state.nextRetryAt ? [retryTimerRef(id, { attempt: state.attempt, dueAt: state.nextRetryAt })] : [],
  );
  // An override to INITIATED or FAILED was carried on by its resume timer; none is left.
  expect(['INITIATED', 'FAILED']).not.toContain(state.status);
  expect(pending.filter((timer) => timer.kind === resumeTimerKind)).toEqual([]);
  const candidate = await sql<{
    transaction_id: string;
  }>`select transaction_id from tt_settlement_candidates where transaction_id = ${id}`.execute(snapshot);
  expect(candidate.rows.length).toBe(awaitsSettlement(state) ? 1 : 0);
  if (state.hold && !state.hold.holdId.includes(':override-hold:')) {
    const refs = await sql<{ ref: string }>`select ref from tt_webhook_deliveries where ref = ${`confirm:${state.hold.holdId}`}`.execute(
      snapshot,
    );
    expect(refs.rows).toHaveLength(1);
  }
}

/**
 * The stream's state and the tables its effects write, read in one snapshot: a timer the process
 * fires meanwhile (a retry coming due in real time) changes both in one commit, never one of them.
 */
async function checkInOneSnapshot(fixture: Fixture, id: string): Promise<void> {
  await trackTroveDb(fixture.database)
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (snapshot) => {
      const view = await inspect(snapshot, id);
      expect(view.violations).toEqual([]);
      await expectEffectsMatch(snapshot, id, view.state);
    });
}

describe('command effects follow the transitions', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await openFixture({ timers: { sweepIntervalMs: 60_000, dailySettlement: false } });
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('after random command sequences, pending timers, deliveries and settlement candidates are what each final state calls for', {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1250, 404, 402, 666, 777, 999, 500),
        fc.constantFrom(1, 0.5, 0),
        fc.array(stepArbitrary, { minLength: 1, maxLength: 6 }),
        async (amountMinor, successRate, steps) => {
          const created = await fixture.app.initiate(
            input({ amountMinor, simulation: { successRate, escrowTtlMs: 30_000, webhook: { delayMs: 10_000 } } }),
            operator,
          );
          const id = created.state.transactionId;
          for (const step of steps) await run(fixture.app, id, step);
          // What is due now fires (a resume after an override), so the state checked is settled.
          await fixture.app.clock.advance({ ms: 1 });
          await checkInOneSnapshot(fixture, id);
        },
      ),
      { numRuns: 200 },
    );
  });
  it('settles without a date given: the sandbox day of the run, named in the events and the batch', async () => {
    const created = await fixture.app.initiate(input({ simulation: { successRate: 1, webhook: { delayMs: 86_400_000 } } }), operator);
    const id = created.state.transactionId;
    expect((await fixture.app.confirm(id, operator)).state.status).toBe('COMPLETED');
    await fixture.app.clock.advance({ ms: 2 * 86_400_000 });
    const today = (await fixture.app.clock.now()).toISOString().slice(0, 10);
    const run = await fixture.app.runSettlement();
    expect(run.settlementDate).toBe(today);
    expect(run.settledCount).toBeGreaterThanOrEqual(1);
    const view = await inspect(fixture.database, id);
    expect(view.state.status).toBe('SETTLED');
    expect(view.state.settlement?.settlementDate).toBe(today);
    expect(view.violations).toEqual([]);
  });
});
