import { sql } from 'kysely';
import { formatAmount, type AccountBalance, type Currency, type LedgerPhase } from '@tracktrove/domain';
import { isoTime } from '../read-models/transaction-view.ts';
import { balancesViewOf, type BalancesView } from './balances-view.ts';
import { decodeCursor, encodeCursor, isPosition, pageSize, type Page, type Queryable } from '@tracktrove/event-store';
import { readModelTables, type BalanceRow, type EntryRow } from './read-model-tables.ts';

export type { BalanceRow, EntryRow } from './read-model-tables.ts';

/** The API's entry object, plus the two-phase details. */
export interface LedgerEntryView {
  readonly id: string;
  readonly transactionId: string;
  readonly type: string;
  readonly debitAccount: string;
  readonly creditAccount: string;
  readonly amount: string;
  readonly amountMinor: number;
  readonly currency: string;
  /** True for the entry that places a hold (a pending transfer). */
  readonly pending: boolean;
  readonly phase: LedgerPhase;
  readonly pendingId: string | null;
  readonly version: number;
  readonly position: string;
  readonly at: string;
}

export function entryViewOfRow(row: EntryRow): LedgerEntryView {
  const amountMinor = Number(row.amount_minor);
  return {
    id: row.id,
    transactionId: row.transaction_id,
    type: row.type,
    debitAccount: row.debit_account,
    creditAccount: row.credit_account,
    amount: formatAmount(amountMinor, row.currency as Currency),
    amountMinor,
    currency: row.currency,
    pending: row.phase === 'pending',
    phase: row.phase,
    pendingId: row.pending_id,
    version: row.version,
    position: row.position,
    at: isoTime(row.at)!,
  };
}

export interface ListLedgerEntriesOptions {
  readonly transactionId?: string;
  /** Entries that debit or credit this account. */
  readonly account?: string;
  readonly type?: string;
  readonly limit?: number;
  readonly cursor?: string | null;
}

/** Entries in log order (oldest first: position, then entry id). `schema` is `runtime.schemaOf('ledger')`. */
export async function listLedgerEntries<DB>(
  db: Queryable<DB>,
  schema: string,
  options: ListLedgerEntriesOptions = {},
): Promise<Page<LedgerEntryView>> {
  const limit = pageSize(options.limit);
  let query = readModelTables(db, schema).selectFrom('entries').selectAll();
  if (options.transactionId !== undefined) query = query.where('transaction_id', '=', options.transactionId);
  if (options.type !== undefined) query = query.where('type', '=', options.type);
  if (options.account !== undefined) {
    const account = options.account;
    query = query.where((eb) => eb.or([eb('debit_account', '=', account), eb('credit_account', '=', account)]));
  }
  if (options.cursor) {
    const [position, id] = decodeCursor(options.cursor, 2, ([position]) => isPosition(position!)) as [string, string];
    query = query.where(sql<boolean>`(position, id) > (${position}, ${id})`);
  }
  const rows = await query
    .orderBy('position')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(entryViewOfRow), nextCursor: rows.length > limit && last ? encodeCursor([last.position, last.id]) : null };
}

/** Limit of entries answered for one transaction by getTransactionEntries. */
export const maxEntriesPerTransaction = 10_000;

/** The seed's `GET /api/ledger/:transactionId`: a transaction's entries as an array, in log order. */
export async function getTransactionEntries<DB>(db: Queryable<DB>, schema: string, transactionId: string): Promise<LedgerEntryView[]> {
  const rows = await readModelTables(db, schema)
    .selectFrom('entries')
    .selectAll()
    .where('transaction_id', '=', transactionId)
    .orderBy('position')
    .orderBy('id')
    .limit(maxEntriesPerTransaction)
    .execute();
  return rows.map(entryViewOfRow);
}

export function accountBalanceOfRow(row: BalanceRow): AccountBalance {
  return {
    currency: row.currency as Currency,
    debitsPosted: Number(row.debits_posted),
    creditsPosted: Number(row.credits_posted),
    debitsPending: Number(row.debits_pending),
    creditsPending: Number(row.credits_pending),
  };
}

/** Balances of every account, with totals per currency (see BalancesView for the sign of `balance`). */
export async function getBalances<DB>(db: Queryable<DB>, schema: string): Promise<BalancesView> {
  const rows = await readModelTables(db, schema).selectFrom('balances').selectAll().execute();
  return balancesViewOf(rows.map((row) => [row.account, accountBalanceOfRow(row)]));
}
