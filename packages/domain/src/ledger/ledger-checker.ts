import { fundsForStatus } from '../decider/funds.ts';
import type { TransactionState } from '../decider/state.ts';
import { InvariantViolation } from '../errors.ts';
import { isEscrowAccount } from './accounts.ts';
import { applyEntry, emptyBalances, type Balances } from './balances.ts';
import type { LedgerEntry } from './ledger-entry.ts';
import { addFlow, emptyFlows, positionOfFlows, type TransactionFlows } from './transaction-flows.ts';

export type LedgerViolation = { invariant: string; message: string; entryId: string | null };

export interface LedgerChecker {
  /** Checks and applies the next entry, in log order. */
  add(entry: LedgerEntry): void;
  /**
   * The violations found, including the end-of-ledger checks. Given the transactions' folded
   * states, also checks that every entry belongs to one of them and that each one's money ends,
   * by its entries, where its status says.
   */
  finish(transactions?: ReadonlyMap<string, TransactionState>): LedgerViolation[];
  readonly balances: Balances;
}

/**
 * Checks every ledger invariant one entry at a time, so a ledger larger than memory can be checked
 * while it streams: every entry applies (a positive amount between two distinct accounts of one
 * supported currency; a pending transfer resolves at most once; escrow never negative at any
 * prefix), entry ids are unique, every transaction's entries balance (one amount, one currency,
 * and its money whole in one place: at the payer, held, in escrow or with a vendor), and the
 * escrow accounts' pending amount is exactly the open holds. It reports; it never throws. Memory
 * grows with accounts and transactions, not with entries.
 *
 * Two invariants of the spec hold by construction of the balances it folds, so checking them here
 * could never fail: total debits equal total credits (applyEntry adds each amount to one debit and
 * one credit of the entry's own currency, and refuses an account of another currency), and escrow
 * is never negative at the end (applyEntry refuses any entry that would overdraw it, at every
 * prefix, and reports that entry). Read models that store balances are compared account by account
 * with this fold (verifyReadModels).
 */
export function createLedgerChecker(): LedgerChecker {
  const violations: LedgerViolation[] = [];
  const balances = emptyBalances();
  const perTransaction = new Map<string, TransactionFlows>();
  const seenIds = new Set<string>();
  return {
    balances,
    add(entry) {
      if (seenIds.has(entry.entryId))
        violations.push({ invariant: 'entry_id_unique', message: `duplicate entry ${entry.entryId}`, entryId: entry.entryId });
      seenIds.add(entry.entryId);
      try {
        applyEntry(balances, entry);
      } catch (error) {
        if (!(error instanceof InvariantViolation)) throw error;
        violations.push({ invariant: error.invariant, message: error.message, entryId: entry.entryId });
        return;
      }
      let flows = perTransaction.get(entry.transactionId);
      if (!flows) perTransaction.set(entry.transactionId, (flows = emptyFlows()));
      addFlow(flows, entry);
    },
    finish(transactions) {
      const found = [...violations];
      for (const [transactionId, flows] of perTransaction) {
        const ends = positionOfFlows(flows);
        if ('problem' in ends)
          found.push({ invariant: 'transaction_balances', message: `transaction ${transactionId}: ${ends.problem}`, entryId: null });
        if (transactions && !transactions.has(transactionId)) {
          found.push({
            invariant: 'transaction_known',
            message: `entries for transaction ${transactionId}, which has no events`,
            entryId: null,
          });
        }
      }
      if (transactions) {
        for (const [transactionId, state] of transactions) {
          const flows = perTransaction.get(transactionId);
          const ends = flows ? positionOfFlows(flows) : { position: 'payer' as const };
          if (!('position' in ends) || state.status === 'NEW') continue;
          const wanted = fundsForStatus(state.status, ends.position);
          if (wanted !== ends.position) {
            found.push({
              invariant: 'flows_match_status',
              message: `transaction ${transactionId} is ${state.status} but its entries leave its money at ${ends.position}, not ${wanted}`,
              entryId: null,
            });
          }
        }
      }
      let openPending = 0;
      for (const pending of balances.pendings.values()) if (pending.state === 'pending') openPending += pending.amountMinor;
      let escrowPending = 0;
      for (const [account, balance] of balances.accounts) if (isEscrowAccount(account)) escrowPending += balance.creditsPending;
      if (escrowPending !== openPending)
        found.push({
          invariant: 'pending_explained',
          message: `escrow pending ${escrowPending} != open holds ${openPending}`,
          entryId: null,
        });
      return found;
    },
  };
}
