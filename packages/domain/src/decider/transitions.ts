/**
 * THE transaction state machine, as one table. `decide` refuses any event
 * whose (from, on) pair is not a row here (InvalidTransitionError, HTTP 409
 * `invalid_transition`); `evolve` asserts the same rows when folding history;
 * the docs render it with `transitionTableMarkdown()`.
 *
 *   NEW -> INITIATED                      TransactionInitiated
 *   INITIATED | RETRY_PENDING -> ESCROW   EscrowHoldPlaced (gateway authorized, hold with TTL)
 *   INITIATED | RETRY_PENDING -> FAILED   AuthorizationDeclined
 *   FAILED -> RETRY_PENDING               RetryScheduled (backoff, or forced by an operator)
 *   FAILED -> PERMANENTLY_FAILED          RetriesExhausted
 *   ESCROW -> COMPLETED                   EscrowHoldPosted (webhook, or expiry with onHoldExpiry=release)
 *   ESCROW -> REFUNDED                    EscrowHoldVoided (operator refund, or expiry with onHoldExpiry=void)
 *   COMPLETED -> SETTLED                  TransactionSettled (T+1 batch)
 *   COMPLETED | SETTLED -> (same)         RefundRequested, RefundFailed (refund pending / failed)
 *   COMPLETED | SETTLED -> REFUNDED       RefundSucceeded
 *   COMPLETED | SETTLED -> DISPUTE_OPEN   DisputeOpened
 *   DISPUTE_OPEN -> DISPUTE_RESOLVED      DisputeResolved (WON: funds stay, LOST: chargeback)
 *
 * Outside the table only the admin override (`StatusOverridden`) changes a
 * status: any status to any other, recorded with actor, reason, from and to,
 * with compensating ledger postings so the money ends where the target
 * status says it is (see funds.ts).
 */
import type { TransactionEventType } from '../events/transaction-event.ts';
import type { LifecycleStatus, TransactionStatus } from '../status.ts';
import type { TransactionCommand } from './commands.ts';

export type Transition = {
  readonly from: LifecycleStatus;
  readonly on: Exclude<TransactionEventType, 'StatusOverridden'>;
  readonly to: TransactionStatus;
  readonly by: readonly TransactionCommand['type'][];
};

export const transitions = [
  { from: 'NEW', on: 'TransactionInitiated', to: 'INITIATED', by: ['Initiate'] },
  { from: 'INITIATED', on: 'EscrowHoldPlaced', to: 'ESCROW', by: ['RecordAuthorization'] },
  { from: 'RETRY_PENDING', on: 'EscrowHoldPlaced', to: 'ESCROW', by: ['RecordAuthorization'] },
  { from: 'INITIATED', on: 'AuthorizationDeclined', to: 'FAILED', by: ['RecordAuthorization'] },
  { from: 'RETRY_PENDING', on: 'AuthorizationDeclined', to: 'FAILED', by: ['RecordAuthorization'] },
  { from: 'FAILED', on: 'RetryScheduled', to: 'RETRY_PENDING', by: ['ScheduleRetry'] },
  { from: 'FAILED', on: 'RetriesExhausted', to: 'PERMANENTLY_FAILED', by: ['ExhaustRetries'] },
  { from: 'ESCROW', on: 'EscrowHoldPosted', to: 'COMPLETED', by: ['ConfirmPayment', 'ExpireHold'] },
  { from: 'ESCROW', on: 'EscrowHoldVoided', to: 'REFUNDED', by: ['RequestRefund', 'ExpireHold'] },
  { from: 'COMPLETED', on: 'TransactionSettled', to: 'SETTLED', by: ['Settle'] },
  { from: 'COMPLETED', on: 'RefundRequested', to: 'COMPLETED', by: ['RequestRefund'] },
  { from: 'SETTLED', on: 'RefundRequested', to: 'SETTLED', by: ['RequestRefund'] },
  { from: 'COMPLETED', on: 'RefundSucceeded', to: 'REFUNDED', by: ['CompleteRefund'] },
  { from: 'SETTLED', on: 'RefundSucceeded', to: 'REFUNDED', by: ['CompleteRefund'] },
  { from: 'COMPLETED', on: 'RefundFailed', to: 'COMPLETED', by: ['CompleteRefund'] },
  { from: 'SETTLED', on: 'RefundFailed', to: 'SETTLED', by: ['CompleteRefund'] },
  { from: 'COMPLETED', on: 'DisputeOpened', to: 'DISPUTE_OPEN', by: ['OpenDispute'] },
  { from: 'SETTLED', on: 'DisputeOpened', to: 'DISPUTE_OPEN', by: ['OpenDispute'] },
  { from: 'DISPUTE_OPEN', on: 'DisputeResolved', to: 'DISPUTE_RESOLVED', by: ['ResolveDispute'] },
] as const satisfies readonly Transition[];

/** The row for this event from this status, or undefined when the table forbids it. */
export function findTransition(from: LifecycleStatus, on: TransactionEventType): Transition | undefined {
  return transitions.find((t) => t.from === from && t.on === on);
}

/** Where an event type leads (null for self-loops such as RefundRequested and for overrides). */
export function targetOf(on: TransactionEventType): TransactionStatus | null {
  const row = transitions.find((t) => t.on === on && t.from !== t.to);
  return row ? row.to : null;
}

/** True when some event moves `from` to `to` without an admin override. */
export function isAllowedTransition(from: LifecycleStatus, to: TransactionStatus): boolean {
  return transitions.some((t) => t.from === from && t.to === to);
}

/** The table as markdown, for docs/event catalogue. */
export function transitionTableMarkdown(): string {
  const rows = transitions.map((t) => `| ${t.from} | ${t.to} | ${t.on} | ${t.by.join(', ')} |`);
  return ['| from | to | event | command |', '|---|---|---|---|', ...rows].join('\n');
}
