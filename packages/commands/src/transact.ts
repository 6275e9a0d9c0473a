import type { Kysely, Transaction } from 'kysely';
import { ConcurrencyConflictError } from './errors.ts';
import { WrongExpectedVersionError } from '@tracktrove/event-store';

export const transactLimits = { maxAttempts: 5 } as const;

/** A concurrent writer won: the whole transaction is worth running again on fresh state. */
export function isConflict(error: unknown): boolean {
  if (error instanceof WrongExpectedVersionError || error instanceof ConcurrencyConflictError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  // 25P02: a conflict inside the transaction aborted it; 40001/40P01: serialization failure, deadlock.
  return (
    code === '25P02' ||
    code === '40001' ||
    code === '40P01' ||
    (error instanceof Error && /current transaction is aborted/.test(error.message))
  );
}

/**
 * Runs work in one database transaction, again from the start when a concurrent writer made it
 * conflict (a bounded number of times). The work must only touch the database.
 */
export async function transact<T, DB>(
  db: Kysely<DB>,
  work: (transaction: Transaction<DB>) => Promise<T>,
  maxAttempts: number = transactLimits.maxAttempts,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (!isConflict(error) || attempt >= maxAttempts) throw error;
    }
  }
}
