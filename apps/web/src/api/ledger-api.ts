import { apiRequest } from './api-request.ts';
import type { LedgerEntry, Page, ResponseOf } from './types.ts';

export interface LedgerFilter {
  transactionId?: string;
  account?: string;
  type?: string;
  limit?: number;
  cursor?: string | null;
}

/** GET /api/ledger/balances as the server sends it: each sum as a decimal string and in minor units. */
export type BalancesResponse = ResponseOf<'/api/ledger/balances', 'get'>;

/** The viewer's sums: integers in minor units, which it can add and compare. */
export interface BalanceTotals {
  debitsPosted: number;
  creditsPosted: number;
  debitsPending: number;
  creditsPending: number;
}

export interface AccountBalance extends BalanceTotals {
  account: string;
  currency: string;
  balance: number;
}

export interface Balances {
  accounts: AccountBalance[];
  /** Debits and credits only balance within one currency. */
  totalsByCurrency: Record<string, BalanceTotals>;
  asOf: string | null;
}

export function listLedgerEntries(filter: LedgerFilter, signal?: AbortSignal): Promise<Page<LedgerEntry>> {
  return apiRequest<Page<LedgerEntry>>('/api/ledger', { query: { ...filter }, signal });
}

export async function getBalances(asOf?: string, signal?: AbortSignal): Promise<Balances> {
  return balancesOf(await apiRequest<BalancesResponse>('/api/ledger/balances', { query: { asOf }, signal }));
}

type MinorSums = Pick<
  BalancesResponse['accounts'][number],
  'debitsPostedMinor' | 'creditsPostedMinor' | 'debitsPendingMinor' | 'creditsPendingMinor'
>;

function totalsOf(sums: MinorSums): BalanceTotals {
  return {
    debitsPosted: sums.debitsPostedMinor,
    creditsPosted: sums.creditsPostedMinor,
    debitsPending: sums.debitsPendingMinor,
    creditsPending: sums.creditsPendingMinor,
  };
}

/** The minor-unit sums of the answer; `totals` is keyed by currency. */
export function balancesOf(body: BalancesResponse): Balances {
  return {
    accounts: body.accounts.map((sums) => ({
      account: sums.account,
      currency: sums.currency,
      ...totalsOf(sums),
      balance: sums.balanceMinor,
    })),
    totalsByCurrency: Object.fromEntries(Object.entries(body.totals).map(([currency, sums]) => [currency, totalsOf(sums)])),
    asOf: body.asOf ?? null,
  };
}
