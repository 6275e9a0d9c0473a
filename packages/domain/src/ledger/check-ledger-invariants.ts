import type { TransactionState } from '../decider/state.ts';
import { createLedgerChecker, type LedgerViolation } from './ledger-checker.ts';
import type { LedgerEntry } from './ledger-entry.ts';

export type { LedgerViolation } from './ledger-checker.ts';

/** Checks every ledger invariant over a sequence of entries and reports each broken one (see createLedgerChecker). */
export function checkLedgerInvariants(
  entries: Iterable<LedgerEntry>,
  transactions?: ReadonlyMap<string, TransactionState>,
): LedgerViolation[] {
  const checker = createLedgerChecker();
  for (const entry of entries) checker.add(entry);
  return checker.finish(transactions);
}
