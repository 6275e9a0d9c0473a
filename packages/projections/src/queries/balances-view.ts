import { formatAmount, type AccountBalance, type Currency } from '@tracktrove/domain';

/** Debits and credits, posted and pending, as decimal strings and as minor-unit integers. */
export interface BalanceAmounts {
  readonly debitsPosted: string;
  readonly creditsPosted: string;
  readonly debitsPending: string;
  readonly creditsPending: string;
  readonly debitsPostedMinor: number;
  readonly creditsPostedMinor: number;
  readonly debitsPendingMinor: number;
  readonly creditsPendingMinor: number;
}

/**
 * One account. `balance` is the posted balance, credit-normal: creditsPosted - debitsPosted
 * (the domain's postedBalance): escrow and vendors read positive, payers negative. Pending amounts
 * are not in it.
 */
export interface AccountBalanceView extends BalanceAmounts {
  readonly account: string;
  readonly currency: string;
  readonly balance: string;
  readonly balanceMinor: number;
}

export interface BalancesView {
  /** Sorted by account id. */
  readonly accounts: AccountBalanceView[];
  /** Sums over all accounts, per currency: debits equal credits when the ledger balances. */
  readonly totals: Record<string, BalanceAmounts>;
}

function amountsOf(balance: Omit<AccountBalance, 'currency'>, currency: string): BalanceAmounts {
  const c = currency as Currency;
  return {
    debitsPosted: formatAmount(balance.debitsPosted, c),
    creditsPosted: formatAmount(balance.creditsPosted, c),
    debitsPending: formatAmount(balance.debitsPending, c),
    creditsPending: formatAmount(balance.creditsPending, c),
    debitsPostedMinor: balance.debitsPosted,
    creditsPostedMinor: balance.creditsPosted,
    debitsPendingMinor: balance.debitsPending,
    creditsPendingMinor: balance.creditsPending,
  };
}

/** The balances object of a map account -> balance (from the read model or a fold of the log). */
export function balancesViewOf(accounts: Iterable<[string, AccountBalance]>): BalancesView {
  const sorted = [...accounts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const totals = new Map<string, Omit<AccountBalance, 'currency'>>();
  const views = sorted.map(([account, balance]): AccountBalanceView => {
    const total = totals.get(balance.currency) ?? { debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0 };
    total.debitsPosted += balance.debitsPosted;
    total.creditsPosted += balance.creditsPosted;
    total.debitsPending += balance.debitsPending;
    total.creditsPending += balance.creditsPending;
    totals.set(balance.currency, total);
    const balanceMinor = balance.creditsPosted - balance.debitsPosted;
    return {
      account,
      currency: balance.currency,
      ...amountsOf(balance, balance.currency),
      balance: formatAmount(balanceMinor, balance.currency),
      balanceMinor,
    };
  });
  return { accounts: views, totals: Object.fromEntries([...totals].map(([currency, total]) => [currency, amountsOf(total, currency)])) };
}
