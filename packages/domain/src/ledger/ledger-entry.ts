import type { Currency } from '../money/currency.ts';
import type { AccountId } from './accounts.ts';

export const ledgerEntryTypes = ['ESCROW', 'SETTLEMENT', 'REFUND', 'CHARGEBACK', 'ADJUSTMENT'] as const;
export type LedgerEntryType = (typeof ledgerEntryTypes)[number];

/**
 * TigerBeetle-style phases: `pending` reserves (debitsPending/creditsPending),
 * `post_pending` moves a pending amount to posted, `void_pending` releases it;
 * `posted` is a single-phase transfer. Post and void name the pending transfer
 * by `pendingId`, and each pending transfer resolves at most once.
 */
export type LedgerPhase = 'pending' | 'post_pending' | 'void_pending' | 'posted';

/** One double-entry transfer: debits `debitAccount` (source) and credits `creditAccount` (destination). */
export type LedgerEntry = {
  /** `${transactionId}:${version of the event}:${n}`, n from 1: deterministic, so a rebuild gives the same ids. */
  entryId: string;
  transactionId: string;
  /** Version of the event that produced the entry. */
  version: number;
  type: LedgerEntryType;
  debitAccount: AccountId;
  creditAccount: AccountId;
  amountMinor: number;
  currency: Currency;
  phase: LedgerPhase;
  /** Set for pending, post_pending and void_pending: `${transactionId}:${holdId}`. */
  pendingId: string | null;
  /** The event's business time. */
  at: string;
};

export function pendingIdOf(transactionId: string, holdId: string): string {
  return `${transactionId}:${holdId}`;
}
