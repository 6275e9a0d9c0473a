import { InvariantViolation } from '../errors.ts';
import { isEscrowAccount } from './accounts.ts';
import { applyEntry, emptyBalances, postedBalance, totalsOf, type Balances } from './balances.ts';
import type { LedgerEntry } from './ledger-entry.ts';

export type LedgerViolation = { invariant: string; message: string; entryId: string | null };

export interface LedgerChecker {
  /** Checks and applies the next entry, in log order. */
  add(entry: LedgerEntry): void;
  /** The violations found, including the end-of-ledger checks. */
  finish(): LedgerViolation[];
  readonly balances: Balances;
}

/**
 * Checks every ledger invariant one entry at a time, so a ledger larger than memory can be checked
 * while it streams: every entry balances and applies (a pending transfer resolves at most once,
 * escrow never negative at any prefix), entry ids are unique, total debits equal total credits
 * (posted and pending, per currency), every transaction's entries balance, and the escrow accounts'
 * pending amount is exactly the open holds. It reports; it never throws.
 */
export function createLedgerChecker(): LedgerChecker {
  const violations: LedgerViolation[] = [];
  const balances = emptyBalances();
  const perTransaction = new Map<string, { debits: number; credits: number }>();
  const seenIds = new Set<string>();
  return {
    balances,
    add(entry) {
      if (seenIds.has(entry.entryId)) violations.push({ invariant: 'entry_id_unique', message: `duplicate entry ${entry.entryId}`, entryId: entry.entryId });
      seenIds.add(entry.entryId);
      try {
        applyEntry(balances, entry);
      } catch (error) {
        if (!(error instanceof InvariantViolation)) throw error;
        violations.push({ invariant: error.invariant, message: error.message, entryId: entry.entryId });
        return;
      }
      const key = `${entry.transactionId}:${entry.currency}`;
      const sums = perTransaction.get(key) ?? { debits: 0, credits: 0 };
      sums.debits += entry.amountMinor;
      sums.credits += entry.amountMinor;
      perTransaction.set(key, sums);
    },
    finish() {
      const found = [...violations];
      for (const [currency, t] of Object.entries(totalsOf(balances))) {
        if (t.debitsPosted !== t.creditsPosted) found.push({ invariant: 'totals_balance', message: `${currency} posted ${t.debitsPosted} != ${t.creditsPosted}`, entryId: null });
        if (t.debitsPending !== t.creditsPending) found.push({ invariant: 'totals_balance', message: `${currency} pending ${t.debitsPending} != ${t.creditsPending}`, entryId: null });
      }
      for (const [key, sums] of perTransaction) {
        if (sums.debits !== sums.credits) found.push({ invariant: 'transaction_balances', message: `${key}: ${sums.debits} != ${sums.credits}`, entryId: null });
      }
      let openPending = 0;
      for (const pending of balances.pendings.values()) if (pending.state === 'pending') openPending += pending.amountMinor;
      let escrowPending = 0;
      for (const [account, balance] of balances.accounts) {
        if (!isEscrowAccount(account)) continue;
        escrowPending += balance.creditsPending;
        if (postedBalance(balance) < 0) found.push({ invariant: 'escrow_not_negative', message: `${account} is ${postedBalance(balance)}`, entryId: null });
      }
      if (escrowPending !== openPending) found.push({ invariant: 'pending_explained', message: `escrow pending ${escrowPending} != open holds ${openPending}`, entryId: null });
      return found;
    },
  };
}
