import { InvariantViolation } from '../errors.ts';
import { isEscrowAccount } from './accounts.ts';
import { applyEntry, emptyBalances, postedBalance, totalsOf } from './balances.ts';
import type { LedgerEntry } from './ledger-entry.ts';

export type LedgerViolation = { invariant: string; message: string; entryId: string | null };

/**
 * Checks every ledger invariant over a sequence of entries and reports each
 * broken one (never throws): every entry balances and applies (pending
 * resolves at most once, escrow never negative at any prefix), total debits
 * equal total credits (posted and pending, per currency), every transaction's
 * entries balance, and nothing stays pending in an escrow account that no
 * pending transfer explains.
 */
export function checkLedgerInvariants(entries: Iterable<LedgerEntry>): LedgerViolation[] {
  const violations: LedgerViolation[] = [];
  const balances = emptyBalances();
  const perTransaction = new Map<string, { debits: number; credits: number }>();
  const seenIds = new Set<string>();

  for (const entry of entries) {
    if (seenIds.has(entry.entryId)) {
      violations.push({ invariant: 'entry_id_unique', message: `duplicate entry ${entry.entryId}`, entryId: entry.entryId });
    }
    seenIds.add(entry.entryId);
    try {
      applyEntry(balances, entry);
    } catch (error) {
      if (!(error instanceof InvariantViolation)) throw error;
      violations.push({ invariant: error.invariant, message: error.message, entryId: entry.entryId });
      continue;
    }
    const key = `${entry.transactionId}:${entry.currency}`;
    const sums = perTransaction.get(key) ?? { debits: 0, credits: 0 };
    sums.debits += entry.amountMinor;
    sums.credits += entry.amountMinor;
    perTransaction.set(key, sums);
  }

  for (const [currency, t] of Object.entries(totalsOf(balances))) {
    if (t.debitsPosted !== t.creditsPosted) {
      violations.push({ invariant: 'totals_balance', message: `${currency} posted ${t.debitsPosted} != ${t.creditsPosted}`, entryId: null });
    }
    if (t.debitsPending !== t.creditsPending) {
      violations.push({ invariant: 'totals_balance', message: `${currency} pending ${t.debitsPending} != ${t.creditsPending}`, entryId: null });
    }
  }
  for (const [key, sums] of perTransaction) {
    if (sums.debits !== sums.credits) {
      violations.push({ invariant: 'transaction_balances', message: `${key}: ${sums.debits} != ${sums.credits}`, entryId: null });
    }
  }
  let openPending = 0;
  for (const pending of balances.pendings.values()) if (pending.state === 'pending') openPending += pending.amountMinor;
  let escrowPending = 0;
  for (const [account, balance] of balances.accounts) {
    if (!isEscrowAccount(account)) continue;
    escrowPending += balance.creditsPending;
    if (postedBalance(balance) < 0) {
      violations.push({ invariant: 'escrow_not_negative', message: `${account} is ${postedBalance(balance)}`, entryId: null });
    }
  }
  if (escrowPending !== openPending) {
    violations.push({ invariant: 'pending_explained', message: `escrow pending ${escrowPending} != open holds ${openPending}`, entryId: null });
  }
  return violations;
}
