import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '@tracktrove/event-store';
import {
  decide,
  eventSchemaVersions,
  ForbiddenError,
  initialState,
  InvalidTransitionError,
  traceSteps,
  transactionStatuses,
  ValidationError,
  type Actor,
  type TransactionCommand,
  type TransactionState,
  type TransactionEvent,
} from '@tracktrove/domain';

/** mulberry32: a small seeded generator, so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimulatedTransaction {
  readonly id: string;
  /** The events of each accepted command, in order, with their trace metadata. */
  readonly steps: NewEvent[][];
  readonly state: TransactionState;
}

const plausible: Record<TransactionState['status'], readonly string[]> = {
  NEW: ['initiate'],
  INITIATED: ['authorize', 'authorize', 'decline'],
  RETRY_PENDING: ['authorize', 'decline'],
  FAILED: ['retry', 'retry', 'exhaust'],
  ESCROW: ['confirm', 'confirm', 'expire', 'refund'],
  COMPLETED: ['settle', 'settle', 'refund', 'completeRefund', 'openDispute'],
  SETTLED: ['refund', 'completeRefund', 'openDispute'],
  DISPUTE_OPEN: ['resolveDispute'],
  PERMANENTLY_FAILED: ['override'],
  REFUNDED: ['override'],
  DISPUTE_RESOLVED: ['override'],
};
const anyAction = [
  'authorize',
  'decline',
  'retry',
  'exhaust',
  'confirm',
  'expire',
  'settle',
  'refund',
  'completeRefund',
  'openDispute',
  'resolveDispute',
  'override',
];

const iso = (ms: number) => new Date(ms).toISOString();
const operator: Actor = { role: 'operator', id: 'op-1' };
const admin: Actor = { role: 'admin', id: 'ada' };
const system: Actor = { role: 'system', id: 'scheduler' };

function commandFor(action: string, state: TransactionState, nowMs: number, random: () => number, id: string): TransactionCommand {
  const now = iso(nowMs);
  const pick = Math.floor(random() * 1000);
  switch (action) {
    case 'initiate':
      return {
        type: 'Initiate',
        transactionId: id,
        vendorId: `vendor-${pick % 5}`,
        payerId: `payer-${pick % 17}`,
        amountMinor: 100 + ((pick * 37) % 49_900),
        currency: pick % 5 === 0 ? 'USD' : 'INR',
        channel: 'WEB',
        kind: 'TIP',
        payload: { note: `n${pick}`, items: [pick, { sku: 'a/b~c' }] },
        serviceContext: pick % 2 ? 'swiggy-tips' : null,
        simulation: {
          successRate: 0.8,
          seed: pick,
          escrowTtlMs: 30_000,
          onHoldExpiry: pick % 2 ? 'release' : 'void',
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
        holdId: `hold-${state.version}`,
        expiresAt: iso(nowMs + state.simulation.escrowTtlMs),
        now,
      };
    case 'decline':
      return { type: 'RecordAuthorization', outcome: 'declined', reason: 'insufficient funds', code: 'card_declined', now };
    case 'retry':
      return { type: 'ScheduleRetry', dueAt: iso(nowMs + 2000), forced: pick % 2 === 0, now };
    case 'exhaust':
      return { type: 'ExhaustRetries', now };
    case 'confirm':
      return { type: 'ConfirmPayment', now };
    case 'expire':
      return {
        type: 'ExpireHold',
        holdId: state.hold?.holdId ?? 'none',
        now: iso(Math.max(nowMs, Date.parse(state.hold?.expiresAt ?? now))),
      };
    case 'settle':
      return { type: 'Settle', batchId: `batch-${pick % 3}`, settlementDate: now.slice(0, 10), now };
    case 'refund':
      return { type: 'RequestRefund', refundId: `refund-${state.version}`, reason: 'customer asked', now };
    case 'completeRefund':
      return pick % 3
        ? { type: 'CompleteRefund', outcome: 'succeeded', now }
        : { type: 'CompleteRefund', outcome: 'failed', reason: 'bank down', now };
    case 'openDispute':
      return { type: 'OpenDispute', disputeId: `dispute-${pick}`, reason: 'not received', now };
    case 'resolveDispute':
      return { type: 'ResolveDispute', outcome: pick % 2 ? 'WON' : 'LOST', now };
    default:
      return {
        type: 'OverrideStatus',
        to: transactionStatuses[pick % transactionStatuses.length]!,
        reason: 'support ticket',
        actor: admin,
        now,
      };
  }
}

/**
 * Random but reproducible lifecycles: each transaction takes up to `maxSteps` commands, mostly
 * ones that fit its status, sometimes any (rejections are skipped), with admin overrides. Events
 * carry trace metadata from the domain's traceSteps, as the command handlers write it.
 */
export function simulateTransactions(count: number, seed: number, maxSteps = 8): SimulatedTransaction[] {
  const random = seededRandom(seed);
  const transactions: SimulatedTransaction[] = [];
  for (let n = 0; n < count; n += 1) {
    const id = randomUUID();
    let state = initialState();
    let nowMs = Date.parse('2025-03-01T10:00:00.000Z') + Math.floor(random() * 1e9);
    const steps: NewEvent[][] = [];
    const stepCount = 1 + Math.floor(random() * maxSteps);
    for (let step = 0; step < stepCount; step += 1) {
      nowMs += Math.floor(random() * 20_000);
      const options = plausible[state.status];
      const action =
        random() < 0.85 || state.status === 'NEW'
          ? options[Math.floor(random() * options.length)]!
          : anyAction[Math.floor(random() * anyAction.length)]!;
      const command = commandFor(action, state, nowMs, random, id);
      let events: TransactionEvent[];
      try {
        events = decide(command, state);
      } catch (error) {
        if (error instanceof InvalidTransitionError || error instanceof ValidationError || error instanceof ForbiddenError) continue;
        throw error;
      }
      if (events.length === 0) continue;
      const actor = command.type === 'OverrideStatus' ? admin : action === 'expire' || action === 'settle' ? system : operator;
      const traced = traceSteps(state, events, {
        correlationId: `corr-${id}`,
        causationId: steps.length ? `cause-${steps.length}` : null,
        actor,
        attempt: state.attempt || 1,
        durationMs: Math.floor(random() * 300),
        error: action === 'decline' ? { message: 'card declined', stack: 'Error: card declined\n    at gateway' } : null,
      });
      steps.push(
        traced.map(({ event, metadata }) => ({
          type: event.type,
          schemaVersion: eventSchemaVersions[event.type],
          data: event.data,
          metadata,
        })),
      );
      state = traced.at(-1)!.state;
    }
    transactions.push({ id, steps, state });
  }
  return transactions;
}

/**
 * Appends the simulation in rounds (each transaction's n-th command in round n) so streams
 * interleave in the log, many streams per append, with events of other streams (webhook
 * deliveries, the clock) mixed in that the read models must ignore. Answers the last position.
 */
export async function appendSimulation(
  store: EventStore,
  transactions: readonly SimulatedTransaction[],
  options: { streamsPerAppend?: number } = {},
): Promise<string> {
  const streamsPerAppend = options.streamsPerAppend ?? 100;
  const versions = new Map<string, number>();
  const rounds = Math.max(0, ...transactions.map((transaction) => transaction.steps.length));
  let position = 'start';
  for (let round = 0; round < rounds; round += 1) {
    const due = transactions.filter((transaction) => transaction.steps[round]);
    for (let start = 0; start < due.length; start += streamsPerAppend) {
      const chunk = due.slice(start, start + streamsPerAppend);
      const appends = chunk.map((transaction) => {
        const streamId = `txn-${transaction.id}`;
        const expectedVersion = versions.get(streamId) ?? 0;
        const events = transaction.steps[round]!;
        versions.set(streamId, expectedVersion + events.length);
        return { streamId, expectedVersion: expectedVersion === 0 ? ('no_stream' as const) : expectedVersion, events };
      });
      appends.push({
        streamId: `webhook-${randomUUID()}`,
        expectedVersion: 'no_stream' as const,
        events: [{ type: 'WebhookDeliveryAttempted', data: { status: 200 }, metadata: {} }],
      });
      position = (await store.appendToStreams(appends)).position;
    }
  }
  return position;
}
