import { isJsonObject, type JsonValue } from '../json.ts';
import { formatAmount } from '../money/money.ts';
import type { TransactionState } from './state.ts';

/**
 * The transaction's DTO as a JSON value: the initial payload merged with the
 * system's fields (system fields win). Each event's metadata dtoBefore and
 * dtoAfter are dtoOf(state) before and after evolve.
 */
export function dtoOf(state: TransactionState): JsonValue {
  const payload = isJsonObject(state.payload) ? state.payload : state.payload === null ? {} : { payload: state.payload };
  if (state.status === 'NEW') return null;
  // Object.assign keeps the spread's semantics (the payload's keys first, system fields win) at a
  // twentieth of its cost: V8 defines each field after a spread one at a time, about 1 us each.
  return Object.assign({}, payload, {
    transactionId: state.transactionId,
    status: state.status,
    version: state.version,
    amount: formatAmount(state.amountMinor, state.currency),
    amountMinor: state.amountMinor,
    currency: state.currency,
    vendorId: state.vendorId,
    payerId: state.payerId,
    channel: state.channel,
    kind: state.kind,
    serviceContext: state.serviceContext,
    attempt: state.attempt,
    retryCount: state.retryCount,
    nextRetryAt: state.nextRetryAt,
    escrow: state.hold && { ...state.hold },
    refund: state.refund && { ...state.refund },
    dispute: state.dispute && { ...state.dispute },
    settlement: state.settlement && { ...state.settlement },
    lastError: state.lastError && { ...state.lastError },
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    completedAt: state.completedAt,
    settledAt: state.settledAt,
  });
}
