import { sql } from 'kysely';
import { decodeCursor, encodeCursor, pageSize, type Page, type Queryable } from '@tracktrove/event-store';
import { EndpointNotFoundError } from './errors.ts';
import { deliveryViewOf, type AttemptRow, type DeliveryRow, type DeliveryStatus, type EndpointDeliveryView } from './delivery-view.ts';
import type { EndpointTables } from './tables.ts';

export interface DeliveryFilter {
  readonly endpointId?: string;
  readonly transactionId?: string;
  readonly status?: DeliveryStatus;
  /** Created at or after (sandbox time). */
  readonly since?: string;
  /** Created before (sandbox time). */
  readonly until?: string;
  readonly cursor?: string | null;
  /** 1 to 500, default 50. */
  readonly limit?: number;
}

const cursorTimeFormat = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';
const cursorTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Attempts of these deliveries, in one query, by delivery. */
async function attemptsOf<DB extends EndpointTables>(
  db: Queryable<DB>,
  deliveryIds: readonly string[],
): Promise<Map<string, AttemptRow[]>> {
  const byDelivery = new Map<string, AttemptRow[]>();
  if (deliveryIds.length === 0) return byDelivery;
  const { rows } = await sql<AttemptRow>`
    select * from tt_endpoint_attempts where delivery_id = any (${[...deliveryIds]}::uuid[]) order by delivery_id, attempt`.execute(db);
  for (const row of rows) byDelivery.set(row.delivery_id, [...(byDelivery.get(row.delivery_id) ?? []), row]);
  return byDelivery;
}

/** The delivery log, newest first (created_at, then id), keyset-paged, with each delivery's attempts. */
export async function listEndpointDeliveries<DB extends EndpointTables>(
  db: Queryable<DB>,
  filter: DeliveryFilter = {},
): Promise<Page<EndpointDeliveryView>> {
  const limit = pageSize(filter.limit);
  const after = filter.cursor
    ? decodeCursor(filter.cursor, 2, ([createdAt, id]) => cursorTimePattern.test(createdAt!) && uuidPattern.test(id!))
    : null;
  const { rows } = await sql<DeliveryRow & { created_key: string }>`
    select *, to_char(created_at at time zone 'UTC', ${cursorTimeFormat}) as created_key
      from tt_endpoint_deliveries
     where true
       ${filter.endpointId ? sql`and endpoint_id = ${filter.endpointId}::uuid` : sql``}
       ${filter.transactionId ? sql`and transaction_id = ${filter.transactionId}` : sql``}
       ${filter.status ? sql`and status = ${filter.status}` : sql``}
       ${filter.since ? sql`and created_at >= ${filter.since}::timestamptz` : sql``}
       ${filter.until ? sql`and created_at < ${filter.until}::timestamptz` : sql``}
       ${after ? sql`and (created_at, delivery_id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}
     order by created_at desc, delivery_id desc
     limit ${limit + 1}`.execute(db);
  const page = rows.slice(0, limit);
  const attempts = await attemptsOf(
    db,
    page.map((row) => row.delivery_id),
  );
  const last = page.at(-1);
  return {
    items: page.map((row) => deliveryViewOf(row, attempts.get(row.delivery_id) ?? [])),
    nextCursor: rows.length > limit && last ? encodeCursor([last.created_key, last.delivery_id]) : null,
  };
}

export async function getEndpointDelivery<DB extends EndpointTables>(db: Queryable<DB>, deliveryId: string): Promise<EndpointDeliveryView> {
  const { rows } = await sql<DeliveryRow>`select * from tt_endpoint_deliveries where delivery_id = ${deliveryId}::uuid`.execute(db);
  if (!rows[0]) throw new EndpointNotFoundError('endpoint delivery', deliveryId);
  const attempts = await attemptsOf(db, [deliveryId]);
  return deliveryViewOf(rows[0], attempts.get(deliveryId) ?? []);
}
