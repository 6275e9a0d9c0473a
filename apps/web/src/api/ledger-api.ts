import { apiRequest } from './api-request.ts';
import type { AccountBalance, BalanceTotals, Balances, LedgerEntry, Page } from './types.ts';

export interface LedgerFilter {
  transactionId?: string;
  account?: string;
  type?: string;
  limit?: number;
  cursor?: string | null;
}

export function listLedgerEntries(filter: LedgerFilter, signal?: AbortSignal): Promise<Page<LedgerEntry>> {
  return apiRequest<Page<LedgerEntry>>('/api/ledger', { query: { ...filter }, signal });
}

export async function getBalances(asOf?: string, signal?: AbortSignal): Promise<Balances> {
  const body = await apiRequest<unknown>('/api/ledger/balances', { query: { asOf }, signal });
  return normalizeBalances(body);
}

type RawSums = Partial<Record<keyof BalanceTotals | 'balance' | 'account' | 'currency', unknown>>;

/**
 * The contract names the per-account fields but not the container, so accept
 * `accounts` (or `items`) as an array or as an object keyed by account name.
 */
export function normalizeBalances(body: unknown): Balances {
  const raw = (body ?? {}) as { accounts?: unknown; items?: unknown; totals?: RawSums; asOf?: string | null };
  const container = raw.accounts ?? raw.items ?? [];
  const entries: [string, RawSums][] = Array.isArray(container)
    ? (container as RawSums[]).map((sums) => [String(sums.account ?? '?'), sums])
    : Object.entries(container as Record<string, RawSums>);
  const accounts = entries.map(([account, sums]) => toAccountBalance(account, sums));
  const totals = raw.totals ? toTotals(raw.totals) : sumTotals(accounts);
  return { accounts, totals, asOf: raw.asOf ?? null };
}

function toAccountBalance(account: string, sums: RawSums): AccountBalance {
  const totals = toTotals(sums);
  return {
    account,
    currency: typeof sums.currency === 'string' ? sums.currency : undefined,
    ...totals,
    balance: minor(sums.balance ?? totals.debitsPosted - totals.creditsPosted),
  };
}

function toTotals(sums: RawSums): BalanceTotals {
  return {
    debitsPosted: minor(sums.debitsPosted),
    creditsPosted: minor(sums.creditsPosted),
    debitsPending: minor(sums.debitsPending),
    creditsPending: minor(sums.creditsPending),
  };
}

function sumTotals(accounts: AccountBalance[]): BalanceTotals {
  const totals: BalanceTotals = { debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0 };
  for (const account of accounts) {
    totals.debitsPosted += account.debitsPosted;
    totals.creditsPosted += account.creditsPosted;
    totals.debitsPending += account.debitsPending;
    totals.creditsPending += account.creditsPending;
  }
  return totals;
}

/** Sums arrive as integers in minor units; tolerate numeric strings. */
function minor(value: unknown): number {
  const number = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : 0;
  return Number.isFinite(number) ? number : 0;
}
