import type { Channel, TransactionKind } from '../events/common.ts';
import type { DisputeOutcome } from '../events/dispute.ts';
import { defaultRetryPolicy, defaultSimulation, type RetryPolicy, type SimulationSettings } from '../events/transaction-initiated.ts';
import type { JsonValue } from '../json.ts';
import type { Currency } from '../money/currency.ts';
import type { FundsPosition, LifecycleStatus } from '../status.ts';

/**
 * The escrow hold, a TigerBeetle-style pending transfer payer -> escrow.
 * `expired` means the TTL ran out and the hold was voided by it; a hold
 * posted by expiry (onHoldExpiry=release) is `posted` with resolvedVia
 * `hold_expiry`. Once resolved a hold never changes again.
 */
export type Hold = {
  holdId: string;
  amountMinor: number;
  expiresAt: string;
  placedAt: string;
  state: 'pending' | 'posted' | 'voided' | 'expired';
  resolvedVia: 'webhook' | 'hold_expiry' | 'refund' | 'override' | null;
  resolvedAt: string | null;
};

export type Refund = {
  refundId: string;
  reason: string;
  state: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  failureReason: string | null;
};

export type Dispute = {
  disputeId: string;
  reason: string;
  /** The status the dispute was opened from: where the funds stay while it is open. */
  fromStatus: 'COMPLETED' | 'SETTLED';
  outcome: DisputeOutcome | null;
};

export type LastError = { code: string; message: string; at: string };

export type TransactionState = {
  status: LifecycleStatus;
  /** Number of events folded; stream versions start at 1. */
  version: number;
  transactionId: string;
  vendorId: string;
  payerId: string;
  amountMinor: number;
  currency: Currency;
  channel: Channel;
  kind: TransactionKind;
  payload: JsonValue;
  serviceContext: string | null;
  /** The failure injection in force at initiation. */
  simulation: SimulationSettings;
  /** The transaction's own settings, when they differ from `simulation` (global overrides applied at initiation). */
  requestedSimulation: SimulationSettings | null;
  retryPolicy: RetryPolicy;
  /** The W3C `traceparent` the transaction was initiated with (absent without one: see trace-context.ts). */
  traceparent?: string;
  /** Number of the current (or last) authorization attempt, 1 for the first. */
  attempt: number;
  /** Retries scheduled so far (attempt - 1 unless overridden). */
  retryCount: number;
  nextRetryAt: string | null;
  hold: Hold | null;
  funds: FundsPosition;
  refund: Refund | null;
  dispute: Dispute | null;
  settlement: { batchId: string; settlementDate: string } | null;
  lastError: LastError | null;
  createdAt: string | null;
  updatedAt: string | null;
  completedAt: string | null;
  settledAt: string | null;
};

/** The state of a stream with no events (status NEW); the identity fields are placeholders until TransactionInitiated. */
export function initialState(): TransactionState {
  return {
    status: 'NEW',
    version: 0,
    transactionId: '',
    vendorId: '',
    payerId: '',
    amountMinor: 0,
    currency: 'INR',
    channel: 'API',
    kind: 'PAYMENT',
    payload: null,
    serviceContext: null,
    simulation: defaultSimulation,
    requestedSimulation: null,
    retryPolicy: defaultRetryPolicy,
    attempt: 0,
    retryCount: 0,
    nextRetryAt: null,
    hold: null,
    funds: 'payer',
    refund: null,
    dispute: null,
    settlement: null,
    lastError: null,
    createdAt: null,
    updatedAt: null,
    completedAt: null,
    settledAt: null,
  };
}

export function hasPendingRefund(state: TransactionState): boolean {
  return state.refund?.state === 'pending';
}

/**
 * Whether T+1 settlement should pay the transaction out: COMPLETED, not settled, and no refund in
 * flight. A pending refund holds the funds back: settling would pay the vendor money the payer may
 * be getting back. If the refund fails, the transaction waits for the next settlement run.
 */
export function awaitsSettlement(state: TransactionState): state is TransactionState & { completedAt: string } {
  return state.status === 'COMPLETED' && state.settlement === null && state.completedAt !== null && !hasPendingRefund(state);
}

export function retriesLeft(state: TransactionState): number {
  return Math.max(0, state.retryPolicy.maxRetries - state.retryCount);
}
