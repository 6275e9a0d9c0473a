import type { BalanceTotals } from '../../api/ledger-api.ts';

export interface BooksBalance {
  postedBalanced: boolean;
  pendingBalanced: boolean;
  balanced: boolean;
  postedDifferenceMinor: number;
  pendingDifferenceMinor: number;
}

/** Double entry: total debits equal total credits, posted and pending each on their own. */
export function checkBooksBalance(totals: BalanceTotals): BooksBalance {
  const postedDifferenceMinor = totals.debitsPosted - totals.creditsPosted;
  const pendingDifferenceMinor = totals.debitsPending - totals.creditsPending;
  return {
    postedBalanced: postedDifferenceMinor === 0,
    pendingBalanced: pendingDifferenceMinor === 0,
    balanced: postedDifferenceMinor === 0 && pendingDifferenceMinor === 0,
    postedDifferenceMinor,
    pendingDifferenceMinor,
  };
}
