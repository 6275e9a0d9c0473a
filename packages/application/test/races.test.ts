import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import fc from 'fast-check';
import { awaitsSettlement, evolve, fundsMatchStatus, hasPendingRefund, initialState, type TransactionState } from '@tracktrove/domain';
import { toTransactionEvent, transactionStreamId } from '@tracktrove/commands';
import { readStream } from '@tracktrove/event-store';
import { listTimers } from '@tracktrove/timers';
// Not part of the timers' public API: the regression below calls it as a settlement run does.
import { syncSettlementCandidate } from '../src/settlement/candidates.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackTroveDb, type TrackTrove, type TransactionResult } from '../src/index.ts';
import { resumeTimerKind, retryTimerRef } from '../src/command-effects.ts';
import { deliverWebhook, deliverWebhooks, webhookTimerKind } from '@tracktrove/simulator';
import { testRedisUrl } from '@tracktrove/testing';
import { admin, input, inspect, openFixture, operator, secret, waitFor, type Fixture } from './fixture.ts';

/**
 * Two (or three) actors act on the same transaction at the same moment: operators on one API
 * process or on two (fixture.peer()), the timers, the settlement run, the gateway's webhooks. Each
 * race is run on many transactions at once, and each must end as some serial order of the same
 * actions would: nothing acknowledged is lost, a hold resolves once, money is paid out once and
 * never with a refund pending, and what is scheduled is what the final state calls for.
 */

/** Timers that fire only when a test fires them (the sweeper every minute, no daily settlement). */
const quietTimers = { sweepIntervalMs: 60_000, dailySettlement: false };

type Outcome = { ok: true; value: unknown } | { ok: false; code: string | undefined; error: unknown };

async function settle<T>(promise: Promise<T>): Promise<Outcome> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, code: (error as { code?: string }).code, error };
  }
}

/** A command's refusal that a serial order can produce; anything else fails the race. */
function expectRefusedOrOk(outcome: Outcome): void {
  if (!outcome.ok) expect(outcome.code, String((outcome.error as Error)?.stack ?? outcome.error)).toBe('invalid_transition');
}

const appendedOf = (outcome: Outcome): string[] =>
  outcome.ok && outcome.value && typeof outcome.value === 'object' && 'appended' in outcome.value
    ? (outcome.value as TransactionResult).appended.map((event) => event.eventId)
    : [];

interface History {
  readonly types: string[];
  readonly eventIds: string[];
  readonly state: TransactionState;
  /** The state before each event. */
  readonly before: TransactionState[];
  readonly data: Record<string, unknown>[];
}

async function historyOf(fixture: Fixture, id: string): Promise<History> {
  const events = await readStream(fixture.database.db, transactionStreamId(id));
  let state = initialState();
  const before: TransactionState[] = [];
  for (const recorded of events) {
    before.push(state);
    state = evolve(state, toTransactionEvent(recorded));
  }
  return {
    types: events.map((e) => e.type),
    eventIds: events.map((e) => e.eventId),
    state,
    before,
    data: events.map((e) => e.data as Record<string, unknown>),
  };
}

/** What the state calls for, compared with what the tables hold (as in effects.test.ts). */
async function expectEffectsMatch(fixture: Fixture, id: string, state: TransactionState): Promise<void> {
  const pending = (await listTimers(trackTroveDb(fixture.database), { transactionId: id })).filter((timer) => timer.state === 'pending');
  const holds = pending.filter((timer) => timer.kind === 'hold_expiry').map((timer) => timer.ref);
  expect(holds, `hold timers of ${id}`).toEqual(state.hold?.state === 'pending' ? [`${id}:${state.hold.holdId}`] : []);
  const retries = pending.filter((timer) => timer.kind === 'retry').map((timer) => timer.ref);
  expect(retries, `retry timers of ${id}`).toEqual(
    state.status === 'RETRY_PENDING' && state.nextRetryAt ? [retryTimerRef(id, { attempt: state.attempt, dueAt: state.nextRetryAt })] : [],
  );
  if (!['INITIATED', 'FAILED'].includes(state.status))
    expect(
      pending.filter((timer) => timer.kind === resumeTimerKind),
      `resume timers of ${id}`,
    ).toEqual([]);
  const candidate = await sql<{
    completed_at: Date;
  }>`select completed_at from tt_settlement_candidates where transaction_id = ${id}`.execute(fixture.database.db);
  expect(
    candidate.rows.map((row) => row.completed_at.toISOString()),
    `settlement candidate of ${id} (${state.status}, refund ${state.refund?.state ?? 'none'})`,
  ).toEqual(awaitsSettlement(state) ? [state.completedAt] : []);
}

/** Every check a race must pass, whoever won it. */
async function expectSound(fixture: Fixture, id: string, outcomes: readonly Outcome[]): Promise<History> {
  const view = await inspect(fixture.database, id);
  expect(view.violations, `ledger of ${id}`).toEqual([]);
  const history = await historyOf(fixture, id);
  expect(fundsMatchStatus(history.state), `money of ${id} where ${history.state.status} says (${history.state.funds})`).toBe(true);
  // No lost update: every acknowledged command's events are in the log.
  for (const outcome of outcomes) {
    const appended = appendedOf(outcome).map((eventId) => history.eventIds.indexOf(eventId));
    for (const [index, at] of appended.entries())
      expect(at, `acknowledged event ${appendedOf(outcome)[index]} of ${id}`).toBeGreaterThanOrEqual(0);
    // A command's events are decided on one state and appended together: nothing between them.
    for (let index = 1; index < appended.length; index += 1) expect(appended[index]).toBe(appended[index - 1]! + 1);
  }
  // Each hold resolves at most once.
  const resolutions = new Map<string, number>();
  history.types.forEach((type, index) => {
    if (type === 'EscrowHoldPosted' || type === 'EscrowHoldVoided') {
      const holdId = String(history.data[index]!.holdId);
      resolutions.set(holdId, (resolutions.get(holdId) ?? 0) + 1);
    }
  });
  for (const [holdId, count] of resolutions) expect(count, `resolutions of hold ${holdId}`).toBe(1);
  // Paid out at most once, and never while a refund is pending.
  const settled = history.types.flatMap((type, index) => (type === 'TransactionSettled' ? [index] : []));
  expect(settled.length, `settlements of ${id}`).toBeLessThanOrEqual(1);
  for (const index of settled) expect(hasPendingRefund(history.before[index]!), `settled with a refund pending: ${id}`).toBe(false);
  await expectEffectsMatch(fixture, id, history.state);
  return history;
}

const count = (history: History, type: string) => history.types.filter((t) => t === type).length;

describe('races on one transaction', () => {
  let fixture: Fixture;
  let peer: TrackTrove;
  /** The two API processes; race i runs its second actor on the same process or on the other. */
  const actors = (index: number): [TrackTrove, TrackTrove] => (index % 2 === 0 ? [fixture.app, fixture.app] : [fixture.app, peer]);
  const perRace = 8;

  beforeAll(async () => {
    fixture = await openFixture({ timers: quietTimers });
    peer = await fixture.peer();
  });
  afterAll(async () => {
    await fixture.close();
  });

  async function escrow(n: number, extra: Parameters<typeof input>[0] = {}): Promise<string[]> {
    return Promise.all(
      Array.from({ length: n }, async () => {
        const created = await fixture.app.initiate(input(extra), operator);
        expect(created.state.status).toBe('ESCROW');
        return created.state.transactionId;
      }),
    );
  }
  async function completed(n: number, extra: Parameters<typeof input>[0] = {}): Promise<string[]> {
    const ids = await escrow(n, extra);
    for (const id of ids) expect((await fixture.app.confirm(id, operator)).state.status).toBe('COMPLETED');
    return ids;
  }
  async function retryPending(n: number): Promise<string[]> {
    return Promise.all(
      Array.from({ length: n }, async () => {
        const created = await fixture.app.initiate(input({ simulation: { successRate: 0 } }), operator);
        expect(created.state.status).toBe('RETRY_PENDING');
        return created.state.transactionId;
      }),
    );
  }
  /** A settlement date for which everything completed so far is due. */
  const dueDate = async () => new Date((await fixture.app.clock.now()).getTime() + 2 * 86_400_000).toISOString().slice(0, 10);

  it('refund vs confirm: refunded with the confirmation ignored, or confirmed with a refund pending', async () => {
    const ids = await escrow(perRace);
    await Promise.all(
      ids.map(async (id, index) => {
        const [a, b] = actors(index);
        const outcomes = await Promise.all([settle(a.refund(id, 'race', operator)), settle(b.confirm(id, operator))]);
        outcomes.forEach(expectRefusedOrOk);
        const history = await expectSound(fixture, id, outcomes);
        expect(outcomes[0]!.ok).toBe(true);
        // An acknowledged confirmation posted the hold: refunded first, it is refused.
        if (outcomes[1]!.ok) {
          expect((outcomes[1]!.value as TransactionResult).state.hold?.state, `confirm of ${id} answered ok`).toBe('posted');
          expect(count(history, 'EscrowHoldPosted')).toBe(1);
        }
        if (history.state.status === 'REFUNDED') expect(history.types.slice(-1)).toEqual(['EscrowHoldVoided']);
        else expect(history.types.slice(-2)).toEqual(['EscrowHoldPosted', 'RefundRequested']);
      }),
    );
  });

  it('refund vs hold expiry, and confirm vs hold expiry (the clock advanced meanwhile)', async () => {
    const refunding = await escrow(perRace);
    const confirming = await escrow(perRace);
    const outcomes = await Promise.all([
      ...refunding.map((id, index) => settle(actors(index)[1].refund(id, 'race', operator))),
      ...confirming.map((id, index) => settle(actors(index)[1].confirm(id, operator))),
      settle(fixture.app.clock.advance({ ms: 31_000 })),
    ]);
    expect(outcomes.at(-1)!.ok).toBe(true);
    for (const [index, id] of refunding.entries()) {
      expectRefusedOrOk(outcomes[index]!);
      expect(outcomes[index]!.ok).toBe(true);
      const history = await expectSound(fixture, id, [outcomes[index]!]);
      // Refund first: voided by the refund. Expiry first: released, then the refund is requested.
      if (history.state.status === 'REFUNDED') expect(history.state.hold?.resolvedVia).toBe('refund');
      else expect(history.types.slice(-2)).toEqual(['EscrowHoldPosted', 'RefundRequested']);
    }
    for (const [index, id] of confirming.entries()) {
      const outcome = outcomes[refunding.length + index]!;
      expectRefusedOrOk(outcome);
      const history = await expectSound(fixture, id, [outcome]);
      expect(history.state.status).toBe('COMPLETED');
      // An acknowledged confirmation posted the hold; expired first, it is refused.
      expect(history.state.hold?.resolvedVia, `hold of ${id}, confirm answered ${outcome.ok ? 'ok' : outcome.code}`).toBe(
        outcome.ok ? 'webhook' : 'hold_expiry',
      );
      expect(count(history, 'EscrowHoldPosted')).toBe(1);
    }
  });

  it('two refunds: one is requested, the other refused', async () => {
    const ids = await completed(perRace);
    await Promise.all(
      ids.map(async (id, index) => {
        const [a, b] = actors(index);
        const outcomes = await Promise.all([settle(a.refund(id, 'one', operator)), settle(b.refund(id, 'two', operator))]);
        outcomes.forEach(expectRefusedOrOk);
        expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
        const history = await expectSound(fixture, id, outcomes);
        expect(count(history, 'RefundRequested')).toBe(1);
      }),
    );
  });

  it('refund vs settlement run, and open dispute vs settlement run, on two processes', async () => {
    const refunding = await completed(perRace);
    const disputing = await completed(perRace);
    const date = await dueDate();
    const outcomes = await Promise.all([
      ...refunding.map((id, index) => settle(actors(index)[1].refund(id, 'race', operator))),
      ...disputing.map((id, index) => settle(actors(index)[1].openDispute(id, 'race', operator))),
      settle(fixture.app.runSettlement({ settlementDate: date })),
      settle(peer.runSettlement({ settlementDate: date })),
    ]);
    expect(outcomes.slice(-2).every((o) => o.ok)).toBe(true);
    for (const [index, id] of refunding.entries()) {
      expect(outcomes[index]!.ok).toBe(true);
      const history = await expectSound(fixture, id, [outcomes[index]!]);
      expect(count(history, 'RefundRequested')).toBe(1);
      // Settled before the refund was requested, or held back by it.
      if (count(history, 'TransactionSettled') === 1) expect(history.types.slice(-2)).toEqual(['TransactionSettled', 'RefundRequested']);
      else expect(history.state.status).toBe('COMPLETED');
    }
    for (const [index, id] of disputing.entries()) {
      expect(outcomes[refunding.length + index]!.ok).toBe(true);
      const history = await expectSound(fixture, id, [outcomes[refunding.length + index]!]);
      expect(history.state.status).toBe('DISPUTE_OPEN');
    }
  });

  it('two settlement runs at once settle each transaction once', async () => {
    const ids = await completed(perRace);
    const date = await dueDate();
    const runs = await Promise.all([
      fixture.app.runSettlement({ settlementDate: date }),
      peer.runSettlement({ settlementDate: date }),
      fixture.app.runSettlement({ settlementDate: date }),
    ]);
    for (const id of ids) {
      const history = await expectSound(fixture, id, []);
      expect(count(history, 'TransactionSettled')).toBe(1);
    }
    const settledIds = (
      await Promise.all(
        runs.flatMap((run) =>
          run.batchIds.map(async (batchId) => {
            const row = await sql<{
              transaction_ids: string[];
            }>`select transaction_ids from tt_settlement_batches where batch_id = ${batchId}`.execute(fixture.database.db);
            return row.rows[0]!.transaction_ids;
          }),
        ),
      )
    ).flat();
    for (const id of ids) expect(settledIds.filter((s) => s === id)).toHaveLength(1);
  });

  it('a refund failing while a settlement run looks at the transaction: it is paid out by this run or the next', async () => {
    const ids = await completed(perRace, { simulation: { refundFailureRate: 1, webhook: { delayMs: 86_400_000 } } });
    await Promise.all(ids.map((id) => fixture.app.refund(id, 'will fail', operator)));
    const refundDeliveries = await Promise.all(
      ids.map(async (id) => {
        const page = await fixture.app.listDeliveries({ transactionId: id });
        const delivery = page.items.find((item) => item.type === 'refund.failed');
        expect(delivery).toBeDefined();
        return delivery!.id;
      }),
    );
    const date = await dueDate();
    await Promise.all([
      ...refundDeliveries.map((deliveryId, index) => actors(index)[1].redeliver(deliveryId)),
      fixture.app.runSettlement({ settlementDate: date }),
      peer.runSettlement({ settlementDate: date }),
    ]);
    await fixture.app.runSettlement({ settlementDate: date });
    for (const id of ids) {
      const history = await expectSound(fixture, id, []);
      expect(count(history, 'RefundFailed')).toBe(1);
      expect(history.state.status).toBe('SETTLED');
    }
  });

  it('redeliver the confirmation webhook vs confirm: the hold is posted once', async () => {
    const ids = await escrow(perRace);
    await Promise.all(
      ids.map(async (id, index) => {
        const [a, b] = actors(index);
        const page = await a.listDeliveries({ transactionId: id });
        const delivery = page.items.find((item) => item.type === 'payment.confirmed')!;
        const outcomes = await Promise.all([
          settle(a.redeliver(delivery.id)),
          settle(b.confirm(id, operator)),
          settle(b.redeliver(delivery.id)),
        ]);
        outcomes.forEach(expectRefusedOrOk);
        expect(outcomes.every((o) => o.ok)).toBe(true);
        const history = await expectSound(fixture, id, outcomes);
        expect(history.state.status).toBe('COMPLETED');
        expect(count(history, 'EscrowHoldPosted')).toBe(1);
      }),
    );
  });

  it('force retry vs the retry timer: each attempt runs once', async () => {
    const ids = await retryPending(perRace);
    const outcomes = await Promise.all([
      ...ids.map((id, index) => settle(actors(index)[1].retry(id, operator))),
      settle(fixture.app.clock.advance({ ms: 2_000 })),
    ]);
    expect(outcomes.at(-1)!.ok).toBe(true);
    for (const [index, id] of ids.entries()) {
      expectRefusedOrOk(outcomes[index]!);
      const history = await expectSound(fixture, id, [outcomes[index]!]);
      const attempts = history.data.flatMap((data, i) => (history.types[i] === 'AuthorizationDeclined' ? [String(data.attempt ?? i)] : []));
      expect(new Set(attempts).size, `attempts of ${id}: ${history.types.join(',')}`).toBe(attempts.length);
    }
  });

  it('two clock advances at once, on two processes, move the clock by both', async () => {
    const before = (await fixture.app.clock.now()).getTime();
    const [first, second] = await Promise.all([fixture.app.clock.advance({ ms: 40_000 }), peer.clock.advance({ ms: 40_000 })]);
    const after = (await fixture.app.clock.now()).getTime();
    expect(after - before, `advances ${first.from}->${first.now} and ${second.from}->${second.now}`).toBeGreaterThanOrEqual(80_000);
  });

  it('property: override vs a due retry, resume or hold timer, vs refund, confirm, redelivery, dispute, settlement, in pairs and triples', {
    timeout: 60_000,
  }, async () => {
    type Action =
      | 'override'
      | 'advance'
      | 'refund'
      | 'refundSameKey'
      | 'confirm'
      | 'redeliver'
      | 'refundOutcome'
      | 'retry'
      | 'dispute'
      | 'resolve'
      | 'settle';
    type Start = 'escrow' | 'escrowVoidOnExpiry' | 'completed' | 'retry' | 'settled' | 'refundPending' | 'refundFailing' | 'disputed';
    const statuses = [
      'INITIATED',
      'FAILED',
      'RETRY_PENDING',
      'ESCROW',
      'COMPLETED',
      'SETTLED',
      'REFUNDED',
      'DISPUTE_OPEN',
      'DISPUTE_RESOLVED',
      'PERMANENTLY_FAILED',
    ] as const;
    const action = fc.record({
      kind: fc.constantFrom<Action>(
        'override',
        'advance',
        'refund',
        'refundSameKey',
        'confirm',
        'redeliver',
        'refundOutcome',
        'retry',
        'dispute',
        'resolve',
        'settle',
      ),
      to: fc.constantFrom(...statuses),
      onPeer: fc.boolean(),
    });
    let keys = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Start>(
          'escrow',
          'escrowVoidOnExpiry',
          'completed',
          'retry',
          'settled',
          'refundPending',
          'refundFailing',
          'disputed',
        ),
        fc.array(action, { minLength: 2, maxLength: 3 }),
        async (start, actions) => {
          const [id] =
            start === 'escrow'
              ? await escrow(1)
              : start === 'escrowVoidOnExpiry'
                ? await escrow(1, { simulation: { onHoldExpiry: 'void', webhook: { delayMs: 86_400_000 } } })
                : start === 'retry'
                  ? await retryPending(1)
                  : start === 'refundFailing'
                    ? await completed(1, { simulation: { refundFailureRate: 1, webhook: { delayMs: 86_400_000 } } })
                    : await completed(1);
          const date = await dueDate();
          if (start === 'settled')
            expect((await fixture.app.runSettlement({ settlementDate: date })).settledCount).toBeGreaterThanOrEqual(1);
          if (start === 'refundPending' || start === 'refundFailing') await fixture.app.refund(id!, 'before', operator);
          if (start === 'disputed') await fixture.app.openDispute(id!, 'before', operator);
          const deliveries = (await fixture.app.listDeliveries({ transactionId: id })).items;
          const confirmation = deliveries.find((item) => item.type === 'payment.confirmed');
          const refundOutcome = deliveries.find((item) => item.type.startsWith('refund.'));
          const key = { key: `race-${(keys += 1)}`, requestHash: 'refund' };
          const run = ({ kind, to, onPeer }: { kind: Action; to: (typeof statuses)[number]; onPeer: boolean }): Promise<unknown> => {
            const app = onPeer ? peer : fixture.app;
            switch (kind) {
              case 'override':
                return app.override(id!, to, 'race', admin);
              case 'advance':
                return app.clock.advance({ ms: 31_000 });
              case 'refund':
                return app.refund(id!, 'race', operator);
              case 'refundSameKey':
                return app.refund(id!, 'race', operator, { idempotency: key });
              case 'confirm':
                return app.confirm(id!, operator);
              case 'redeliver':
                return confirmation ? app.redeliver(confirmation.id) : Promise.resolve(null);
              case 'refundOutcome':
                return refundOutcome ? app.redeliver(refundOutcome.id) : Promise.resolve(null);
              case 'retry':
                return app.retry(id!, operator);
              case 'dispute':
                return app.openDispute(id!, 'race', operator);
              case 'resolve':
                return app.resolveDispute(id!, to.length % 2 === 0 ? 'WON' : 'LOST', operator);
              case 'settle':
                return app.runSettlement({ settlementDate: date });
            }
          };
          const outcomes = await Promise.all(actions.map((step) => settle(run(step))));
          outcomes.forEach(expectRefusedOrOk);
          // Requests with one Idempotency-Key get one answer, and the refund is requested once.
          const keyed = outcomes.filter((_, index) => actions[index]!.kind === 'refundSameKey');
          if (keyed.length === 2 && keyed.every((o) => o.ok)) expect(appendedOf(keyed[0]!)).toEqual(appendedOf(keyed[1]!));
          // What is due now fires (a resume after an override), so the state checked is settled.
          await fixture.app.clock.advance({ ms: 1 });
          await expectSound(fixture, id!, outcomes);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('regression: concurrent attempts of one webhook delivery', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await openFixture({ timers: quietTimers });
  });
  afterAll(async () => {
    await fixture.close();
  });

  /** A transport that answers only once `parties` requests are in flight: every attempt reads its delivery before any is recorded. */
  function barrierTransport(parties: number, status: number) {
    let waiting: Array<() => void> = [];
    return async () => {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === parties) {
          for (const release of waiting) release();
          waiting = [];
        }
      });
      return { status, body: '' };
    };
  }
  const attemptsOf = async (deliveryId: string) =>
    (
      await sql<{ attempt: number }>`select attempt from tt_webhook_attempts where delivery_id = ${deliveryId} order by attempt`.execute(
        fixture.database.db,
      )
    ).rows.map((row) => row.attempt);

  it('two redeliveries at once are both answered and both logged, numbered one after the other', async () => {
    const { state } = await fixture.app.initiate(input(), operator);
    const delivery = (await fixture.app.listDeliveries({ transactionId: state.transactionId })).items.find(
      (item) => item.type === 'payment.confirmed',
    )!;
    const options = { secret, transport: barrierTransport(2, 200), now: () => fixture.app.clock.now(), manual: true };
    const views = await Promise.all([
      deliverWebhook(trackTroveDb(fixture.database), delivery.id, options),
      deliverWebhook(trackTroveDb(fixture.database), delivery.id, options),
    ]);
    expect(views.map((view) => view.attempt).sort()).toEqual([1, 2]);
    expect(await attemptsOf(delivery.id)).toEqual([1, 2]);
    const events = await readStream(fixture.database.db, `webhook-${delivery.id}`);
    expect(
      events
        .filter((event) => event.type === 'WebhookDeliveryAttempted')
        .map((event) => (event.data as { attempt: number }).attempt)
        .sort(),
    ).toEqual([1, 2]);
  });

  it("a timer batch beside a redelivery of one of its deliveries records every attempt, the batch's others too, with their retries", async () => {
    const ids = await Promise.all([0, 1, 2].map(async () => (await fixture.app.initiate(input(), operator)).state.transactionId));
    const deliveryIds = await Promise.all(
      ids.map(
        async (id) => (await fixture.app.listDeliveries({ transactionId: id })).items.find((item) => item.type === 'payment.confirmed')!.id,
      ),
    );
    // The receiver fails every attempt: the timer's attempts schedule their retries, the operator's does not.
    const transport = barrierTransport(4, 503);
    const now = () => fixture.app.clock.now();
    await Promise.all([
      deliverWebhooks(trackTroveDb(fixture.database), deliveryIds, { secret, transport, now }),
      deliverWebhook(trackTroveDb(fixture.database), deliveryIds[0]!, { secret, transport, now, manual: true }),
    ]);
    expect(await attemptsOf(deliveryIds[0]!)).toEqual([1, 2]);
    for (const deliveryId of deliveryIds.slice(1)) expect(await attemptsOf(deliveryId)).toEqual([1]);
    const retries = (await listTimers(trackTroveDb(fixture.database), {})).filter(
      (timer) =>
        timer.kind === webhookTimerKind &&
        timer.state === 'pending' &&
        Number(timer.payload.attempt) > 1 &&
        deliveryIds.includes(String(timer.payload.deliveryId)),
    );
    expect(retries.map((timer) => String(timer.payload.deliveryId)).sort()).toEqual([...deliveryIds].sort());
  });
});

describe('regression: a settlement run acting on a state read before a refund failed', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await openFixture({ timers: quietTimers });
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('keeps the settlement candidate a later command put back (the run reads the state, the refund fails, the run syncs the candidate)', async () => {
    const { state } = await fixture.app.initiate(
      input({ simulation: { refundFailureRate: 1, webhook: { delayMs: 86_400_000 } } }),
      operator,
    );
    const id = state.transactionId;
    await fixture.app.confirm(id, operator);
    await fixture.app.refund(id, 'will fail', operator);
    // What the settlement run read: the refund pending, so no candidate.
    const stale = (await historyOf(fixture, id)).state;
    expect(hasPendingRefund(stale)).toBe(true);
    // Meanwhile the refund fails: the transaction awaits settlement again.
    const delivery = (await fixture.app.listDeliveries({ transactionId: id })).items.find((item) => item.type === 'refund.failed')!;
    expect((await fixture.app.redeliver(delivery.id)).outcome).toBe('delivered');
    const current = (await historyOf(fixture, id)).state;
    expect(awaitsSettlement(current)).toBe(true);
    // The run syncs the candidate from what it read, as settleBatch does for a transaction no longer waiting.
    await syncSettlementCandidate(trackTroveDb(fixture.database), stale);
    await expectEffectsMatch(fixture, id, current);
    const run = await fixture.app.runSettlement({
      settlementDate: new Date((await fixture.app.clock.now()).getTime() + 2 * 86_400_000).toISOString().slice(0, 10),
    });
    expect(run.settledCount).toBe(1);
    expect((await historyOf(fixture, id)).state.status).toBe('SETTLED');
  });
});

describe('regression: a confirmation overtaken between its check and its webhook', () => {
  let fixture: Fixture;
  let confirming: TrackTrove;
  /** Runs on the first process while the second's confirmation webhook is on its way. */
  let meanwhile: () => Promise<unknown> = async () => undefined;
  beforeAll(async () => {
    fixture = await openFixture({ timers: quietTimers });
    confirming = await fixture.peer({
      webhookTransport: async (request) => {
        await meanwhile();
        const result = await fixture.app.receiveWebhook({
          rawBody: request.body,
          signatureHeader: request.headers['TrackTrove-Signature'],
        });
        return { status: 200, body: JSON.stringify(result) };
      },
    });
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('is refused after a refund voided the hold, not answered as confirmed', async () => {
    const { state } = await fixture.app.initiate(input(), operator);
    meanwhile = () => fixture.app.refund(state.transactionId, 'first', operator);
    await expect(confirming.confirm(state.transactionId, operator)).rejects.toMatchObject({ code: 'invalid_transition' });
    const history = await expectSound(fixture, state.transactionId, []);
    expect(history.state.status).toBe('REFUNDED');
    expect(count(history, 'EscrowHoldPosted')).toBe(0);
  });

  it('is refused after the hold expired, not answered as confirmed', async () => {
    const { state } = await fixture.app.initiate(input(), operator);
    meanwhile = () => fixture.app.clock.advance({ ms: 31_000 });
    await expect(confirming.confirm(state.transactionId, operator)).rejects.toMatchObject({ code: 'invalid_transition' });
    const history = await expectSound(fixture, state.transactionId, []);
    expect(history.state.hold?.resolvedVia).toBe('hold_expiry');
  });

  it('with If-Match, is refused with version_mismatch after a new hold was placed (override, resume), not applied to that hold', async () => {
    const { state } = await fixture.app.initiate(input(), operator);
    // Back to INITIATED by an override; its resume timer authorizes again: a new hold.
    meanwhile = async () => {
      await fixture.app.override(state.transactionId, 'INITIATED', 'authorize again', admin);
      await fixture.app.clock.advance({ ms: 1 });
      expect((await historyOf(fixture, state.transactionId)).state.status).toBe('ESCROW');
    };
    await expect(confirming.confirm(state.transactionId, operator, { expectedVersion: state.version })).rejects.toMatchObject({
      code: 'version_mismatch',
    });
    const history = await expectSound(fixture, state.transactionId, []);
    expect(history.state.status).toBe('ESCROW');
    expect(history.state.hold?.state).toBe('pending');
    expect(history.state.hold?.holdId).not.toBe(state.hold?.holdId);
  });

  it('with If-Match, is refused with version_mismatch after another confirmation posted the hold first', async () => {
    const { state } = await fixture.app.initiate(input(), operator);
    meanwhile = () => fixture.app.confirm(state.transactionId, operator);
    await expect(confirming.confirm(state.transactionId, operator, { expectedVersion: state.version })).rejects.toMatchObject({
      code: 'version_mismatch',
    });
    const history = await expectSound(fixture, state.transactionId, []);
    expect(count(history, 'EscrowHoldPosted')).toBe(1);
  });

  it('still answers a confirmation another one made first: a second confirmation changes nothing', async () => {
    const { state } = await fixture.app.initiate(input(), operator);
    meanwhile = () => fixture.app.confirm(state.transactionId, operator);
    const result = await confirming.confirm(state.transactionId, operator);
    expect(result.state.hold).toMatchObject({ state: 'posted', resolvedVia: 'webhook' });
    const history = await expectSound(fixture, state.transactionId, []);
    expect(count(history, 'EscrowHoldPosted')).toBe(1);
  });
});

describe('races with the Redis fast path, on two processes', () => {
  let fixture: Fixture;
  let peer: TrackTrove;
  beforeAll(async () => {
    const timers = { sweepIntervalMs: 200, redisPollIntervalMs: 50, redisKeyPrefix: `tt-${randomUUID()}:`, dailySettlement: false };
    fixture = await openFixture({ redisUrl: testRedisUrl(), timers });
    peer = await fixture.peer();
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('refunds and confirmations at the moment holds expire by themselves: each hold resolves once, and what was acknowledged happened', {
    timeout: 20_000,
  }, async () => {
    const ttlMs = 400;
    const created = await Promise.all(
      Array.from({ length: 16 }, (_, index) =>
        fixture.app.initiate(
          input({ simulation: { escrowTtlMs: ttlMs, onHoldExpiry: index % 4 < 2 ? 'release' : 'void', webhook: { delayMs: 86_400_000 } } }),
          operator,
        ),
      ),
    );
    const outcomes = await Promise.all(
      created.map(async ({ state }, index) => {
        await new Promise((resolve) => setTimeout(resolve, ttlMs - 60 + (index % 8) * 15));
        const app = index % 2 === 0 ? fixture.app : peer;
        return settle(
          index % 4 === 0 || index % 4 === 3
            ? app.refund(state.transactionId, 'race', operator)
            : app.confirm(state.transactionId, operator),
        );
      }),
    );
    for (const [index, { state }] of created.entries()) {
      const id = state.transactionId;
      const outcome = outcomes[index]!;
      if (!outcome.ok) expect(outcome.code, String(outcome.error)).toBe('invalid_transition');
      const history = await waitFor(
        () => historyOf(fixture, id),
        (h) => h.state.hold?.state !== 'pending',
      );
      await expectSound(fixture, id, [outcome]);
      const isConfirm = index % 4 === 1 || index % 4 === 2;
      if (isConfirm) expect(history.state.hold?.resolvedVia, `hold of ${id}`).toBe(outcome.ok ? 'webhook' : 'hold_expiry');
      // Released by expiry, a refund is still requested; voided by expiry first, it is refused.
      else if (index % 4 === 0) expect(outcome.ok, String(!outcome.ok && outcome.error)).toBe(true);
      else expect(history.state.hold?.resolvedVia, `hold of ${id}`).toBe(outcome.ok ? 'refund' : 'hold_expiry');
    }
  });
});
