import { isoTime, type TransactionView } from '../read-models/transaction-view.ts';
import { formatAmount, type Currency } from '@tracktrove/domain';
import { decodeCursor, encodeCursor, isPosition, pageSize, type Page, type Queryable } from '@tracktrove/event-store';
import { readModelTables, type TransactionRow } from './read-model-tables.ts';

export type { TransactionRow } from './read-model-tables.ts';

const columns = [
  'id',
  'status',
  'amount_minor',
  'currency',
  'vendor_id',
  'payer_id',
  'channel',
  'kind',
  'service_context',
  'retry_count',
  'version',
  'position',
  'created_position',
  'created_at',
  'updated_at',
  'escrow_expires_at',
  'last_error',
] as const;

export function transactionViewOfRow(row: TransactionRow): TransactionView {
  const amountMinor = Number(row.amount_minor);
  return {
    id: row.id,
    status: row.status,
    currentStatus: row.status,
    amount: formatAmount(amountMinor, row.currency as Currency),
    amountMinor,
    currency: row.currency,
    vendorId: row.vendor_id,
    payerId: row.payer_id,
    channel: row.channel,
    kind: row.kind,
    serviceContext: row.service_context,
    retryCount: row.retry_count,
    version: row.version,
    position: row.position,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
    escrowExpiresAt: isoTime(row.escrow_expires_at),
    lastError: row.last_error,
  };
}

export interface ListTransactionsOptions {
  readonly status?: string;
  readonly vendorId?: string;
  /** 1 to 500, default 50. */
  readonly limit?: number;
  readonly cursor?: string | null;
}

/**
 * Transactions newest first: by the position of their first event (TransactionInitiated), which
 * never changes, so paging is stable while transactions move on. `schema` is
 * `runtime.schemaOf('transactions')`.
 */
export async function listTransactions<DB>(
  db: Queryable<DB>,
  schema: string,
  options: ListTransactionsOptions = {},
): Promise<Page<TransactionView>> {
  const limit = pageSize(options.limit);
  let query = readModelTables(db, schema).selectFrom('transactions').select(columns);
  if (options.status !== undefined) query = query.where('status', '=', options.status);
  if (options.vendorId !== undefined) query = query.where('vendor_id', '=', options.vendorId);
  if (options.cursor)
    query = query.where('created_position', '<', decodeCursor(options.cursor, 1, ([position]) => isPosition(position!))[0]!);
  const rows = await query
    .orderBy('created_position', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  return {
    items: page.map(transactionViewOfRow),
    nextCursor: rows.length > limit ? encodeCursor([page.at(-1)!.created_position]) : null,
  };
}

/** The seed's retry-pending list: transactions in RETRY_PENDING, newest first. */
export function listRetryPending<DB>(
  db: Queryable<DB>,
  schema: string,
  options: Omit<ListTransactionsOptions, 'status'> = {},
): Promise<Page<TransactionView>> {
  return listTransactions(db, schema, { ...options, status: 'RETRY_PENDING' });
}

/** The current transaction object, or null when the id is unknown. */
export async function getTransaction<DB>(db: Queryable<DB>, schema: string, id: string): Promise<TransactionView | null> {
  const row = await readModelTables(db, schema).selectFrom('transactions').select(columns).where('id', '=', id).executeTakeFirst();
  return row ? transactionViewOfRow(row) : null;
}
