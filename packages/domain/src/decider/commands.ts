import type { Actor, Channel, TransactionKind } from '../events/common.ts';
import type { DisputeOutcome } from '../events/dispute.ts';
import type { RetryPolicy, SimulationSettings } from '../events/transaction-initiated.ts';
import type { JsonValue } from '../json.ts';
import type { Currency } from '../money/currency.ts';
import type { TransactionStatus } from '../status.ts';

/**
 * Commands carry every decision that involves chance or time (gateway
 * outcome, ids, due times, `now` as an ISO timestamp), so decide stays pure.
 */
export type Initiate = {
  type: 'Initiate';
  transactionId: string;
  vendorId: string;
  payerId: string;
  amountMinor: number;
  currency: Currency;
  channel: Channel;
  kind: TransactionKind;
  payload: JsonValue;
  serviceContext: string | null;
  simulation: SimulationSettings;
  /** The transaction's own settings, when global overrides made `simulation` differ from them. */
  requestedSimulation?: SimulationSettings;
  retryPolicy?: RetryPolicy;
  /** The W3C `traceparent` of the request, when it had a valid one: the transaction's trace. */
  traceparent?: string;
  now: string;
};

export type RecordAuthorization =
  | { type: 'RecordAuthorization'; outcome: 'authorized'; holdId: string; expiresAt: string; now: string }
  | { type: 'RecordAuthorization'; outcome: 'declined'; reason: string; code: string; now: string };

export type ScheduleRetry = { type: 'ScheduleRetry'; dueAt: string; forced: boolean; now: string };
export type ExhaustRetries = { type: 'ExhaustRetries'; now: string };
/** The gateway's confirmation webhook (or the operator's confirm, which goes through the same path). */
/**
 * The gateway confirmed the payment. `holdId`, when the confirmation names the hold it is for (the
 * simulated gateway's do), must be the transaction's hold: a confirmation of an earlier hold (one
 * an override replaced) confirms nothing. Without it, the confirmation is for the hold there is.
 */
export type ConfirmPayment = { type: 'ConfirmPayment'; now: string; holdId?: string };
/** The hold's TTL ran out (Redis notification or sweeper); `holdId` guards against stale timers. */
export type ExpireHold = { type: 'ExpireHold'; holdId: string; now: string };
export type Settle = { type: 'Settle'; batchId: string; settlementDate: string; now: string };
export type RequestRefund = { type: 'RequestRefund'; refundId: string; reason: string; now: string };
/** The gateway's outcome of the pending refund; `refundId`, when given, must be the pending refund's (see ConfirmPayment's holdId). */
export type CompleteRefund =
  | { type: 'CompleteRefund'; outcome: 'succeeded'; now: string; refundId?: string }
  | { type: 'CompleteRefund'; outcome: 'failed'; reason: string; now: string; refundId?: string };
export type OpenDispute = { type: 'OpenDispute'; disputeId: string; reason: string; now: string };
export type ResolveDispute = { type: 'ResolveDispute'; outcome: DisputeOutcome; now: string };
export type OverrideStatus = { type: 'OverrideStatus'; to: TransactionStatus; reason: string; actor: Actor; now: string };

export type TransactionCommand =
  | Initiate
  | RecordAuthorization
  | ScheduleRetry
  | ExhaustRetries
  | ConfirmPayment
  | ExpireHold
  | Settle
  | RequestRefund
  | CompleteRefund
  | OpenDispute
  | ResolveDispute
  | OverrideStatus;

export type TransactionCommandType = TransactionCommand['type'];
