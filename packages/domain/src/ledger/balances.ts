import { InvariantViolation } from '../errors.ts';
import { isCurrency, type Currency } from '../money/currency.ts';
import { type AccountId, isEscrowAccount } from './accounts.ts';
import type { LedgerEntry } from './ledger-entry.ts';

export type AccountBalance = {
  currency: Currency;
  debitsPosted: number;
  creditsPosted: number;
  debitsPending: number;
  creditsPending: number;
};

export type PendingTransfer = {
  pendingId: string;
  transactionId: string;
  debitAccount: AccountId;
  creditAccount: AccountId;
  amountMinor: number;
  currency: Currency;
  state: 'pending' | 'posted' | 'voided';
};

/**
 * The fold of ledger entries. Maps, mutated in place by applyEntry so that
 * folding n entries costs O(n); fold a prefix to read balances as of a past
 * position.
 */
export type Balances = {
  accounts: Map<AccountId, AccountBalance>;
  pendings: Map<string, PendingTransfer>;
  entryCount: number;
};

export function emptyBalances(): Balances {
  return { accounts: new Map(), pendings: new Map(), entryCount: 0 };
}

/** Posted balance, credit-normal: credits minus debits (escrow and vendors positive, payers negative). */
export function postedBalance(balance: AccountBalance): number {
  return balance.creditsPosted - balance.debitsPosted;
}

function fail(invariant: string, entry: LedgerEntry, message: string): never {
  throw new InvariantViolation(invariant, `entry ${entry.entryId}: ${message}`);
}

/**
 * Applies one entry, first asserting: the transfer balances (positive safe
 * amount, a supported currency, two distinct accounts of its currency); a pending transfer is
 * created once and resolves at most once, with its own accounts and amount;
 * escrow never goes negative. Throws InvariantViolation and leaves `balances`
 * untouched when an assertion fails; otherwise mutates and returns it.
 */
export function applyEntry(balances: Balances, entry: LedgerEntry): Balances {
  const { amountMinor, debitAccount, creditAccount, currency } = entry;
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) fail('amount_positive', entry, `amount ${amountMinor}`);
  if (!isCurrency(currency)) fail('currency_supported', entry, `currency ${String(currency)}`);
  if (debitAccount === creditAccount) fail('distinct_accounts', entry, `debits and credits ${debitAccount}`);
  for (const account of [debitAccount, creditAccount]) {
    const existing = balances.accounts.get(account);
    if (existing && existing.currency !== currency) fail('single_currency', entry, `${account} is ${existing.currency}`);
  }

  const pending = entry.pendingId === null ? undefined : balances.pendings.get(entry.pendingId);
  if (entry.phase === 'posted') {
    if (entry.pendingId !== null) fail('posted_has_no_pending', entry, 'a posted transfer names a pending one');
  } else if (entry.pendingId === null) {
    fail('pending_id_required', entry, `${entry.phase} needs a pendingId`);
  } else if (entry.phase === 'pending') {
    if (pending) fail('pending_created_once', entry, `pending ${entry.pendingId} exists`);
  } else {
    if (!pending) fail('pending_exists', entry, `no pending ${entry.pendingId}`);
    if (pending.state !== 'pending') fail('pending_resolves_once', entry, `pending ${entry.pendingId} already ${pending.state}`);
    if (pending.debitAccount !== debitAccount || pending.creditAccount !== creditAccount || pending.amountMinor !== amountMinor) {
      fail('pending_matches', entry, `does not match pending ${entry.pendingId}`);
    }
  }

  const posts = entry.phase === 'posted' || entry.phase === 'post_pending';
  if (posts && isEscrowAccount(debitAccount)) {
    const escrow = balances.accounts.get(debitAccount);
    const available = escrow ? postedBalance(escrow) : 0;
    if (available < amountMinor) fail('escrow_not_negative', entry, `escrow ${available} < ${amountMinor}`);
  }

  const debit = accountOf(balances, debitAccount, currency);
  const credit = accountOf(balances, creditAccount, currency);
  switch (entry.phase) {
    case 'posted':
      debit.debitsPosted += amountMinor;
      credit.creditsPosted += amountMinor;
      break;
    case 'pending':
      debit.debitsPending += amountMinor;
      credit.creditsPending += amountMinor;
      balances.pendings.set(entry.pendingId ?? '', {
        pendingId: entry.pendingId ?? '',
        transactionId: entry.transactionId,
        debitAccount,
        creditAccount,
        amountMinor,
        currency,
        state: 'pending',
      });
      break;
    case 'post_pending':
    case 'void_pending':
      debit.debitsPending -= amountMinor;
      credit.creditsPending -= amountMinor;
      if (entry.phase === 'post_pending') {
        debit.debitsPosted += amountMinor;
        credit.creditsPosted += amountMinor;
      }
      if (pending) pending.state = entry.phase === 'post_pending' ? 'posted' : 'voided';
      break;
  }
  balances.entryCount += 1;
  return balances;
}

function accountOf(balances: Balances, account: AccountId, currency: Currency): AccountBalance {
  let balance = balances.accounts.get(account);
  if (!balance) {
    balance = { currency, debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0 };
    balances.accounts.set(account, balance);
  }
  return balance;
}

/** Folds entries into fresh balances (throws InvariantViolation on the first broken entry). */
export function foldBalances(entries: Iterable<LedgerEntry>, balances: Balances = emptyBalances()): Balances {
  for (const entry of entries) applyEntry(balances, entry);
  return balances;
}

export type LedgerTotals = Record<string, { debitsPosted: number; creditsPosted: number; debitsPending: number; creditsPending: number }>;

/** Sums per currency over all accounts. */
export function totalsOf(balances: Balances): LedgerTotals {
  const totals: LedgerTotals = {};
  for (const balance of balances.accounts.values()) {
    const t = (totals[balance.currency] ??= { debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0 });
    t.debitsPosted += balance.debitsPosted;
    t.creditsPosted += balance.creditsPosted;
    t.debitsPending += balance.debitsPending;
    t.creditsPending += balance.creditsPending;
  }
  return totals;
}
