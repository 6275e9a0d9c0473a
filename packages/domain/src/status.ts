import { z } from 'zod';

/** The spec's statuses, in lifecycle order. */
export const transactionStatuses = [
  'INITIATED',
  'ESCROW',
  'COMPLETED',
  'SETTLED',
  'FAILED',
  'RETRY_PENDING',
  'PERMANENTLY_FAILED',
  'REFUNDED',
  'DISPUTE_OPEN',
  'DISPUTE_RESOLVED',
] as const;

export type TransactionStatus = (typeof transactionStatuses)[number];

export const TransactionStatusSchema = z.enum(transactionStatuses);

/** `NEW` is the status of a stream with no events yet; it never appears in an event. */
export type LifecycleStatus = 'NEW' | TransactionStatus;

export const terminalStatuses: readonly TransactionStatus[] = ['PERMANENTLY_FAILED', 'REFUNDED', 'DISPUTE_RESOLVED'];

export function isTerminal(status: LifecycleStatus): boolean {
  return (terminalStatuses as readonly string[]).includes(status);
}

/**
 * Where the transaction's money is. Each status implies one position, and the
 * ledger postings of an event are exactly the moves between two positions.
 * - payer: nothing moved (or everything returned)
 * - held: a pending transfer payer -> escrow (the escrow hold)
 * - escrow: posted payer -> escrow
 * - vendor: posted payer -> escrow -> vendor
 */
export const fundsPositions = ['payer', 'held', 'escrow', 'vendor'] as const;

export type FundsPosition = (typeof fundsPositions)[number];

export const FundsPositionSchema = z.enum(fundsPositions);
