import {
  decide,
  defaultSimulation,
  evolve,
  initialState,
  type Initiate,
  postingsFor,
  type LedgerEntry,
  type SimulationSettings,
  type TransactionCommand,
  type TransactionEvent,
  type TransactionState,
  type TransactionStatus,
} from '../src/index.ts';

export const transactionId = '6f1c1f4e-2b0a-4c8e-9a7e-1d2f3a4b5c6d';
export const admin = { role: 'admin', id: 'ada' } as const;

const epochMs = Date.parse('2025-03-01T10:00:00.000Z');
/** ISO time `seconds` after the test epoch. */
export function at(seconds: number): string {
  return new Date(epochMs + seconds * 1000).toISOString();
}

export function initiate(
  overrides: Partial<Omit<Initiate, 'simulation'>> & { simulation?: Partial<SimulationSettings> } = {},
): TransactionCommand {
  return {
    type: 'Initiate',
    transactionId,
    vendorId: 'vendor-1',
    payerId: 'payer-1',
    amountMinor: 1250,
    currency: 'INR',
    channel: 'WEB',
    kind: 'TIP',
    payload: { note: 'thanks', status: 'client-said' },
    serviceContext: 'swiggy-tips',
    ...overrides,
    simulation: { ...defaultSimulation, ...overrides.simulation },
    now: overrides.now ?? at(0),
  };
}

export const authorize = (holdId = 'hold-1', now = at(1)): TransactionCommand => ({
  type: 'RecordAuthorization',
  outcome: 'authorized',
  holdId,
  expiresAt: new Date(Date.parse(now) + 30_000).toISOString(),
  now,
});
export const decline = (now = at(1)): TransactionCommand => ({
  type: 'RecordAuthorization',
  outcome: 'declined',
  reason: 'insufficient funds',
  code: 'card_declined',
  now,
});
export const scheduleRetry = (now = at(2), forced = false): TransactionCommand => ({
  type: 'ScheduleRetry',
  dueAt: new Date(Date.parse(now) + 2000).toISOString(),
  forced,
  now,
});
export const confirm = (now = at(5)): TransactionCommand => ({ type: 'ConfirmPayment', now });
export const expire = (holdId = 'hold-1', now = at(60)): TransactionCommand => ({ type: 'ExpireHold', holdId, now });
export const settle = (batchId = 'batch-1', now = at(86_400)): TransactionCommand => ({
  type: 'Settle',
  batchId,
  settlementDate: now.slice(0, 10),
  now,
});
export const requestRefund = (refundId = 'refund-1', now = at(100)): TransactionCommand => ({
  type: 'RequestRefund',
  refundId,
  reason: 'customer asked',
  now,
});
export const refundSucceeded = (now = at(200)): TransactionCommand => ({ type: 'CompleteRefund', outcome: 'succeeded', now });
export const refundFailed = (now = at(200)): TransactionCommand => ({
  type: 'CompleteRefund',
  outcome: 'failed',
  reason: 'bank timeout',
  now,
});
export const openDispute = (now = at(300)): TransactionCommand => ({
  type: 'OpenDispute',
  disputeId: 'dispute-1',
  reason: 'not received',
  now,
});
export const resolveDispute = (outcome: 'WON' | 'LOST', now = at(400)): TransactionCommand => ({
  type: 'ResolveDispute',
  outcome,
  now,
});
export const override = (to: TransactionStatus, now = at(500)): TransactionCommand => ({
  type: 'OverrideStatus',
  to,
  reason: 'support ticket 42',
  actor: admin,
  now,
});

export type Run = { state: TransactionState; events: TransactionEvent[]; entries: LedgerEntry[] };

/** Decides and folds each command in turn, collecting events and ledger entries. */
export function run(commands: readonly TransactionCommand[], start: Run = { state: initialState(), events: [], entries: [] }): Run {
  let { state } = start;
  const events = [...start.events];
  const entries = [...start.entries];
  for (const command of commands) {
    for (const event of decide(command, state)) {
      const next = evolve(state, event);
      entries.push(...postingsFor(state, event, next));
      events.push(event);
      state = next;
    }
  }
  return { state, events, entries };
}

/** Folds events only (the "given" of given/when/then). */
export function given(...commands: TransactionCommand[]): TransactionState {
  return run(commands).state;
}

/** A command path that reaches each status through the table. */
export const pathTo: Record<TransactionStatus, TransactionCommand[]> = {
  INITIATED: [initiate()],
  ESCROW: [initiate(), authorize()],
  FAILED: [initiate(), decline()],
  RETRY_PENDING: [initiate(), decline(), scheduleRetry()],
  PERMANENTLY_FAILED: [initiate({ retryPolicy: { maxRetries: 0 } }), decline(), { type: 'ExhaustRetries', now: at(3) }],
  COMPLETED: [initiate(), authorize(), confirm()],
  SETTLED: [initiate(), authorize(), confirm(), settle()],
  REFUNDED: [initiate(), authorize(), requestRefund()],
  DISPUTE_OPEN: [initiate(), authorize(), confirm(), openDispute()],
  DISPUTE_RESOLVED: [initiate(), authorize(), confirm(), openDispute(), resolveDispute('WON')],
};
