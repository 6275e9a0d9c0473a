import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkLedgerInvariants,
  decide,
  eventSchemaVersions,
  evolve,
  fundsMatchStatus,
  ForbiddenError,
  foldBalances,
  initialState,
  InvalidTransitionError,
  parseEvent,
  postedBalance,
  postingsFor,
  transactionStatuses,
  ValidationError,
  accountAt,
  escrowAccount,
  payerAccount,
  type LedgerEntry,
  type TransactionCommand,
  type TransactionEvent,
  type TransactionState,
} from '../src/index.ts';

const transactionIds = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];

type Action = (typeof actions)[number];

type Step = {
  txn: number;
  advanceS: number;
  /** Mostly (8 in 10) an action that fits the status, so runs go deep; otherwise any action. */
  guided: number;
  choice: number;
  action: Action;
  pick: number;
  flag: boolean;
  roleAdmin: boolean;
};

const actions = [
  'initiate',
  'authorize',
  'authorize',
  'decline',
  'retry',
  'exhaust',
  'confirm',
  'confirm',
  'expire',
  'settle',
  'refund',
  'completeRefund',
  'openDispute',
  'resolveDispute',
  'override',
] as const;

const plausible: Record<TransactionState['status'], readonly Action[]> = {
  NEW: ['initiate'],
  INITIATED: ['authorize', 'decline'],
  RETRY_PENDING: ['authorize', 'decline'],
  FAILED: ['retry', 'retry', 'exhaust'],
  ESCROW: ['confirm', 'confirm', 'expire', 'refund'],
  COMPLETED: ['settle', 'refund', 'completeRefund', 'openDispute'],
  SETTLED: ['refund', 'completeRefund', 'completeRefund', 'openDispute'],
  DISPUTE_OPEN: ['resolveDispute'],
  PERMANENTLY_FAILED: ['override'],
  REFUNDED: ['override'],
  DISPUTE_RESOLVED: ['override'],
};

const stepArb: fc.Arbitrary<Step> = fc.record({
  txn: fc.nat({ max: transactionIds.length - 1 }),
  advanceS: fc.nat({ max: 15 }),
  guided: fc.nat({ max: 9 }),
  choice: fc.nat({ max: 99 }),
  action: fc.constantFrom(...actions),
  pick: fc.nat({ max: 1000 }),
  flag: fc.boolean(),
  roleAdmin: fc.boolean(),
});

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Turns a random step into a concrete command for the transaction's current state. */
function commandFor(step: Step, state: TransactionState, nowMs: number, txn: number): TransactionCommand {
  const now = iso(nowMs);
  const { pick, flag } = step;
  switch (step.action) {
    case 'initiate':
      return {
        type: 'Initiate',
        transactionId: transactionIds[txn]!,
        vendorId: `vendor-${pick % 2}`,
        payerId: `payer-${pick % 3}`,
        amountMinor: 100 + (pick % 500) * 97,
        currency: pick % 4 === 0 ? 'USD' : 'INR',
        channel: 'API',
        kind: 'PAYMENT',
        payload: { n: pick },
        serviceContext: null,
        simulation: {
          successRate: 0.5,
          seed: pick,
          escrowTtlMs: 1000 * (5 + (pick % 120)),
          onHoldExpiry: flag ? 'release' : 'void',
          webhook: { dropRate: 0, duplicateRate: 0, delayMs: 0 },
          dropExpiryNotification: false,
          refundFailureRate: 0,
        },
        retryPolicy: { maxRetries: pick % 4 },
        now,
      };
    case 'authorize':
      return {
        type: 'RecordAuthorization',
        outcome: 'authorized',
        holdId: `hold-${state.version}-${pick % 3}`,
        expiresAt: iso(nowMs + state.simulation.escrowTtlMs),
        now,
      };
    case 'decline':
      return { type: 'RecordAuthorization', outcome: 'declined', reason: 'declined', code: 'magic_amount', now };
    case 'retry':
      return { type: 'ScheduleRetry', dueAt: iso(nowMs + 2 ** state.retryCount * 1000), forced: flag, now };
    case 'exhaust':
      return { type: 'ExhaustRetries', now };
    case 'confirm':
      return { type: 'ConfirmPayment', now };
    case 'expire':
      return { type: 'ExpireHold', holdId: flag ? (state.hold?.holdId ?? 'none') : 'stale', now };
    case 'settle':
      return { type: 'Settle', batchId: `batch-${pick % 2}`, settlementDate: now.slice(0, 10), now };
    case 'refund':
      return { type: 'RequestRefund', refundId: `refund-${pick % 3}`, reason: 'asked', now };
    case 'completeRefund':
      return flag
        ? { type: 'CompleteRefund', outcome: 'succeeded', now }
        : { type: 'CompleteRefund', outcome: 'failed', reason: 'bank down', now };
    case 'openDispute':
      return { type: 'OpenDispute', disputeId: `dispute-${pick}`, reason: 'chargeback', now };
    case 'resolveDispute':
      return { type: 'ResolveDispute', outcome: flag ? 'WON' : 'LOST', now };
    default:
      return {
        type: 'OverrideStatus',
        to: transactionStatuses[pick % transactionStatuses.length]!,
        reason: 'fuzz',
        actor: { role: step.roleAdmin || pick % 5 !== 0 ? 'admin' : 'operator', id: 'fuzzer' },
        now,
      };
  }
}

type World = {
  states: TransactionState[];
  events: TransactionEvent[][];
  entries: LedgerEntry[];
};

function simulate(steps: Step[]): World {
  const world: World = {
    states: transactionIds.map(() => initialState()),
    events: transactionIds.map(() => []),
    entries: [],
  };
  let nowMs = Date.parse('2025-03-01T10:00:00.000Z');
  for (const step of steps) {
    nowMs += step.advanceS * 1000;
    let state = world.states[step.txn]!;
    const options = plausible[state.status];
    const action = step.guided < 8 ? (options[step.choice % options.length] ?? step.action) : step.action;
    if (action === 'expire' && step.flag && state.hold) nowMs = Math.max(nowMs, Date.parse(state.hold.expiresAt));
    const command = commandFor({ ...step, action }, state, nowMs, step.txn);
    let events: TransactionEvent[];
    try {
      events = decide(command, state);
    } catch (error) {
      if (error instanceof InvalidTransitionError || error instanceof ForbiddenError || error instanceof ValidationError) continue;
      throw error;
    }
    expect(decide(command, state)).toEqual(events);
    for (const event of events) {
      const next = evolve(state, event);
      expect(next.version).toBe(state.version + 1);
      world.entries.push(...postingsFor(state, event, next));
      world.events[step.txn]!.push(event);
      state = next;
    }
    world.states[step.txn] = state;
  }
  return world;
}

/** Posted and pending balance per account of one transaction's entries. */
function netOf(entries: LedgerEntry[]): Map<string, { posted: number; pending: number }> {
  const result = new Map<string, { posted: number; pending: number }>();
  for (const [account, b] of foldBalances(entries).accounts) {
    const posted = postedBalance(b);
    const pending = b.creditsPending - b.debitsPending;
    if (posted !== 0 || pending !== 0) result.set(account, { posted, pending });
  }
  return result;
}

function expectedNet(state: TransactionState): Map<string, { posted: number; pending: number }> {
  const a = state.amountMinor;
  const payer = payerAccount(state.payerId, state.currency);
  switch (state.funds) {
    case 'payer':
      return new Map();
    case 'held':
      return new Map([
        [payer, { posted: 0, pending: -a }],
        [escrowAccount(state.currency), { posted: 0, pending: a }],
      ]);
    case 'escrow':
    case 'vendor':
      return new Map([
        [payer, { posted: -a, pending: 0 }],
        [accountAt(state.funds, state), { posted: a, pending: 0 }],
      ]);
  }
}

const stepsArb = fc.array(stepArb, { minLength: 4, maxLength: 80 });
/** Sequences per property: 1,000; fewer under mutation testing (PROPERTY_RUNS), where each mutant runs them again. */
const propertyRuns = Number(process.env.PROPERTY_RUNS ?? 1000);

describe('properties over random command sequences (with overrides)', () => {
  it('the ledger balances in total and per transaction, escrow never goes negative, holds resolve at most once', () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const world = simulate(steps);
        const statuses = new Map(
          world.states.flatMap((state, index) => (state.status === 'NEW' ? [] : [[transactionIds[index]!, state] as const])),
        );
        expect(checkLedgerInvariants(world.entries, statuses)).toEqual([]);
        const resolutions = new Map<string, number>();
        for (const entry of world.entries) {
          if (entry.phase === 'post_pending' || entry.phase === 'void_pending') {
            resolutions.set(entry.pendingId!, (resolutions.get(entry.pendingId!) ?? 0) + 1);
          }
        }
        for (const count of resolutions.values()) expect(count).toBe(1);
        world.states.forEach((state, index) => {
          const own = world.entries.filter((e) => e.transactionId === transactionIds[index]);
          expect(netOf(own)).toEqual(expectedNet(state));
        });
      }),
      { numRuns: propertyRuns },
    );
  });

  it('replaying the events gives the same state; versions grow by exactly one; events survive storage', () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const world = simulate(steps);
        world.states.forEach((state, index) => {
          const history = world.events[index]!;
          expect(history.reduce(evolve, initialState())).toEqual(state);
          expect(state.version).toBe(history.length);
          expect(state.status === 'ESCROW').toBe(state.funds === 'held');
          expect(fundsMatchStatus(state)).toBe(true);
          for (const event of history) {
            const stored = JSON.parse(JSON.stringify(event.data));
            expect(parseEvent(event.type, eventSchemaVersions[event.type], stored)).toEqual(event);
          }
        });
        // a rebuilt ledger equals the live one
        const rebuilt = world.events.flatMap((history) => {
          let state = initialState();
          return history.flatMap((event) => {
            const entries = postingsFor(state, event);
            state = evolve(state, event);
            return entries;
          });
        });
        const byId = (a: LedgerEntry, b: LedgerEntry) => a.entryId.localeCompare(b.entryId);
        expect([...rebuilt].sort(byId)).toEqual([...world.entries].sort(byId));
      }),
      { numRuns: propertyRuns },
    );
  });
});
