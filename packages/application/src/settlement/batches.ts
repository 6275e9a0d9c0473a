import { sql, type Kysely } from 'kysely';
import { formatAmount, type Currency } from '@tracktrove/domain';
import { decodeCursor, encodeCursor, isPosition, pageSize, type Page } from '@tracktrove/event-store';
import type { TrackTroveTables } from '../tables.ts';

/** A settlement batch as the API lists it (tt_settlement_batches, written with the batch's events). */
export interface SettlementBatchView {
  readonly batchId: string;
  readonly vendorId: string;
  readonly currency: string;
  readonly settlementDate: string;
  readonly transactionIds: string[];
  readonly transactionCount: number;
  readonly totalMinor: number;
  readonly total: string;
  readonly position: string;
  readonly createdAt: string;
}

export interface ListSettlementBatchesOptions {
  readonly settlementDate?: string;
  readonly vendorId?: string;
  /** 1 to 500, default 50. */
  readonly limit?: number;
  readonly cursor?: string | null;
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (text: string) => datePattern.test(text) && new Date(`${text}T00:00:00.000Z`).toISOString().slice(0, 10) === text;

/**
 * Settlement batches, latest settlement date first and, within a date, latest written first (by the
 * log position of the batch's events, which is unique and never changes), keyset-paged.
 */
export async function listSettlementBatches(
  db: Kysely<TrackTroveTables>,
  options: ListSettlementBatchesOptions = {},
): Promise<Page<SettlementBatchView>> {
  const limit = pageSize(options.limit);
  const after = options.cursor ? decodeCursor(options.cursor, 2, ([date, position]) => isDate(date!) && isPosition(position!)) : null;
  const result = await sql<{
    batch_id: string;
    vendor_id: string;
    currency: string;
    settlement_date: Date | string;
    transaction_ids: string[];
    transaction_count: number;
    total_minor: string;
    position: string;
    created_at: Date;
  }>`
    select * from tt_settlement_batches
    where (${options.settlementDate ?? null}::date is null or settlement_date = ${options.settlementDate ?? null}::date)
      and (${options.vendorId ?? null}::text is null or vendor_id = ${options.vendorId ?? null})
      ${after ? sql`and (settlement_date, position) < (${after[0]}::date, ${after[1]})` : sql``}
    order by settlement_date desc, position desc limit ${limit + 1}`.execute(db);
  const items = result.rows.slice(0, limit).map(
    (row): SettlementBatchView => ({
      batchId: row.batch_id,
      vendorId: row.vendor_id,
      currency: row.currency,
      settlementDate: typeof row.settlement_date === 'string' ? row.settlement_date.slice(0, 10) : dateOnly(row.settlement_date),
      transactionIds: row.transaction_ids,
      transactionCount: row.transaction_count,
      totalMinor: Number(row.total_minor),
      total: formatAmount(Number(row.total_minor), row.currency as Currency),
      position: row.position,
      createdAt: new Date(row.created_at).toISOString(),
    }),
  );
  const last = items.at(-1);
  return { items, nextCursor: result.rows.length > limit && last ? encodeCursor([last.settlementDate, last.position]) : null };
}

/** pg returns a `date` as a local-midnight Date; read its local calendar fields. */
function dateOnly(value: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}
