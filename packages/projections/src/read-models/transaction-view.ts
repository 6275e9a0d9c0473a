import { formatAmount, type LastError, type TransactionState } from '@tracktrove/domain';

/** The API's transaction object (api.md). Timestamps are ISO 8601 UTC with milliseconds. */
export interface TransactionView {
  readonly id: string;
  readonly status: string;
  /** The status again, under the name the seed's clients read. */
  readonly currentStatus: string;
  /** Major units as a decimal string, e.g. "12.50". */
  readonly amount: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly vendorId: string;
  readonly payerId: string;
  readonly channel: string;
  readonly kind: string;
  readonly serviceContext: string | null;
  readonly retryCount: number;
  readonly version: number;
  /** Position of the last event applied. */
  readonly position: string;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
  /** When the pending escrow hold expires; null when no hold is pending. */
  readonly escrowExpiresAt: string | null;
  readonly lastError: LastError | null;
}

/** ISO timestamps as PostgreSQL round-trips them: always with milliseconds, in UTC. */
export function isoTime(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** The transaction object of a folded state; `position` is that of the state's last event. */
export function transactionViewOf(state: TransactionState, position: string): TransactionView {
  return {
    id: state.transactionId,
    status: state.status,
    currentStatus: state.status,
    amount: formatAmount(state.amountMinor, state.currency),
    amountMinor: state.amountMinor,
    currency: state.currency,
    vendorId: state.vendorId,
    payerId: state.payerId,
    channel: state.channel,
    kind: state.kind,
    serviceContext: state.serviceContext,
    retryCount: state.retryCount,
    version: state.version,
    position,
    createdAt: isoTime(state.createdAt),
    updatedAt: isoTime(state.updatedAt),
    escrowExpiresAt: state.hold?.state === 'pending' ? isoTime(state.hold.expiresAt) : null,
    lastError: state.lastError,
  };
}
