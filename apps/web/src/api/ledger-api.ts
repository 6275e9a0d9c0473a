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

type SumField = keyof BalanceTotals | 'balance';
type RawSums = Partial<Record<SumField | `${SumField}Minor` | 'account' | 'currency', unknown>>;

const sumFields: readonly (keyof BalanceTotals)[] = ['debitsPosted', 'creditsPosted', 'debitsPending', 'creditsPending'];

/**
 * The server sends each sum twice: `debitsPosted` as a decimal string in major units ("12.50")
 * and `debitsPostedMinor` as an integer (1250); `totals` is keyed by currency. Accept `accounts`
 * (or `items`) as an array or as an object keyed by account name, and totals given flat.
 */
export function normalizeBalances(body: unknown): Balances {
  const raw = (body ?? {}) as { accounts?: unknown; items?: unknown; totals?: unknown; asOf?: string | null };
  const container = raw.accounts ?? raw.items ?? [];
  const entries: [string, RawSums][] = Array.isArray(container)
    ? (container as RawSums[]).map((sums) => [String(sums.account ?? '?'), sums])
    : Object.entries(container as Record<string, RawSums>);
  const accounts = entries.map(([account, sums]) => toAccountBalance(account, sums));
  const totalsByCurrency = totalsByCurrencyOf(raw.totals, accounts);
  return { accounts, totalsByCurrency, totals: sumTotals(Object.values(totalsByCurrency)), asOf: raw.asOf ?? null };
}

function totalsByCurrencyOf(rawTotals: unknown, accounts: AccountBalance[]): Record<string, BalanceTotals> {
  if (rawTotals && typeof rawTotals === 'object') {
    const record = rawTotals as Record<string, unknown>;
    if (sumFields.some((field) => field in record)) return { '': toTotals(record as RawSums) };
    return Object.fromEntries(Object.entries(record).map(([currency, sums]) => [currency, toTotals((sums ?? {}) as RawSums)]));
  }
  const byCurrency: Record<string, BalanceTotals> = {};
  for (const account of accounts) {
    const currency = account.currency ?? '';
    byCurrency[currency] = sumTotals([byCurrency[currency] ?? zeroTotals(), account]);
  }
  return byCurrency;
}

function toAccountBalance(account: string, sums: RawSums): AccountBalance {
  const totals = toTotals(sums);
  return {
    account,
    currency: typeof sums.currency === 'string' ? sums.currency : undefined,
    ...totals,
    balance: sums.balance === undefined && sums.balanceMinor === undefined ? totals.debitsPosted - totals.creditsPosted : minorOf(sums, 'balance'),
  };
}

function toTotals(sums: RawSums): BalanceTotals {
  return {
    debitsPosted: minorOf(sums, 'debitsPosted'),
    creditsPosted: minorOf(sums, 'creditsPosted'),
    debitsPending: minorOf(sums, 'debitsPending'),
    creditsPending: minorOf(sums, 'creditsPending'),
  };
}

function zeroTotals(): BalanceTotals {
  return { debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0 };
}

function sumTotals(parts: readonly BalanceTotals[]): BalanceTotals {
  const totals = zeroTotals();
  for (const part of parts) for (const field of sumFields) totals[field] += part[field];
  return totals;
}

/** `${field}Minor` (an integer) when present, else `field` as a major-unit decimal ("12.50"). */
function minorOf(sums: RawSums, field: SumField): number {
  const minor = sums[`${field}Minor`];
  if (typeof minor === 'number' && Number.isInteger(minor)) return minor;
  const major = sums[field];
  if (typeof major === 'number' && Number.isInteger(major)) return major;
  if (typeof major !== 'string') return 0;
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(major.trim());
  if (!match) return 0;
  const [, sign, whole, fraction = ''] = match;
  const value = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return sign ? -value : value;
}
