import { sql, type Kysely } from 'kysely';
import { parseEventTrusted, type TransactionState } from '@tracktrove/domain';
import type { EventStoreTables, RecordedEvent } from '@tracktrove/event-store';
import { noWrites, type BulkWrite, type Projection, type ProjectionContext } from '../projection.ts';
import { createBulkStates, type StatesToWrite } from './state-cache.ts';
import { appendRows, chunksOf, jsonRecords, rowEncoder, type Columns } from './row-writes.ts';
import { tableIn } from './sql-helpers.ts';
import { eventsPerYield, yieldToIo } from './yield-to-io.ts';
import {
  foldRecord,
  foldRecordToShare,
  dropSharedFolds,
  touchedTransactionIds,
  transactionIdOf,
  transactionRecords,
  type EventParser,
  type TransactionFold,
} from './transaction-stream.ts';
import { isoTime } from './transaction-view.ts';
import { traceDtoKeys } from './trace-record.ts';

export const transactionsReadModel = 'transactions';

/**
 * One row per transaction: the transaction object's fields as columns for list queries, and the
 * full domain state as jsonb so the next batch can evolve it. Per batch: one select of the touched
 * states, evolve in memory, one upsert.
 *
 * A rebuild keeps the states of recently touched transactions in memory (bounded) and writes a
 * row when its state leaves the cache or at the end, so a transaction's row is written about once.
 *
 * `created_position` (the position of TransactionInitiated) never changes, so it is the list order
 * and cursor; `position` is the position of the last event applied.
 */
export const transactionsProjection: Projection = {
  name: transactionsReadModel,
  async createTables({ transaction, schema }) {
    const t = tableIn(schema, 'transactions');
    await sql`
      create table ${t} (
        id text primary key,
        status text not null,
        amount_minor bigint not null,
        currency text not null,
        vendor_id text not null,
        payer_id text not null,
        channel text not null,
        kind text not null,
        service_context text,
        retry_count integer not null,
        version integer not null,
        position text collate "C" not null,
        created_position text collate "C" not null,
        created_at timestamptz,
        updated_at timestamptz,
        escrow_expires_at timestamptz,
        next_retry_at timestamptz,
        last_error jsonb,
        state jsonb not null
      )`.execute(transaction);
  },
  async createIndexes({ transaction, schema }) {
    const t = tableIn(schema, 'transactions');
    await sql`create index on ${t} (created_position)`.execute(transaction);
    await sql`create index on ${t} (status, created_position)`.execute(transaction);
    await sql`create index on ${t} (vendor_id, created_position)`.execute(transaction);
  },
  omitsMetadataKeys: traceDtoKeys,
  async apply(events, { transaction, schema }) {
    const records = transactionRecords(events);
    if (records.length === 0) return;
    const ids = touchedTransactionIds(records);
    const states = await readStates(transaction, schema, ids);
    for (const record of records) foldInto(states, record);
    await upsertRows(
      transaction,
      schema,
      ids.map((id) => [id, states.get(id)!]),
    );
  },
  bulkBuilder({ copy, cachedStates }) {
    const states = createBulkStates<Folded>(cachedStates ?? bulkCachedTransactions, (reader, ids) =>
      readStates(reader.db, reader.schema, ids),
    );
    return {
      async prepare(events, reader) {
        const records = transactionRecords(events);
        if (records.length === 0) return noWrites;
        await states.load(records, reader);
        dropSharedFolds();
        for (let index = 0; index < records.length; index += 1) {
          if (index > 0 && index % eventsPerYield === 0) await yieldToIo();
          const record = records[index]!;
          const id = transactionIdOf(record.streamId)!;
          states.set(id, fold(states.get(id), record, foldRecordToShare));
        }
        return writeStates(states.take(false), copy);
      },
      finish() {
        dropSharedFolds();
        return writeStates(states.take(true), copy);
      },
    };
  },
};

/** A transaction's folded state with the positions of its last and first events. */
type Folded = { state: TransactionState; position: string; createdPosition: string };

/** States a rebuild keeps in memory (a few KiB each), and rows per statement when it writes them. */
const bulkCachedTransactions = 8_000;
const bulkWriteRows = 5_000;

async function readStates(transaction: Kysely<EventStoreTables>, schema: string, ids: readonly string[]): Promise<Map<string, Folded>> {
  const { rows: stored } = await sql<{ id: string; state: TransactionState; position: string; created_position: string }>`
    select id, state, position, created_position from ${tableIn(schema, 'transactions')} where id = any(${ids}::text[])`.execute(
    transaction,
  );
  return new Map(stored.map((row) => [row.id, { state: row.state, position: row.position, createdPosition: row.created_position }]));
}

function fold(
  current: Folded | undefined,
  record: RecordedEvent,
  foldOne: (state: TransactionState | undefined, record: RecordedEvent, parse: EventParser) => TransactionFold = foldRecord,
): Folded {
  const { after } = foldOne(current?.state, record, parseEventTrusted);
  return { state: after, position: record.position, createdPosition: current?.createdPosition ?? record.position };
}

function foldInto(states: Map<string, Folded>, record: RecordedEvent): void {
  const id = transactionIdOf(record.streamId)!;
  states.set(id, fold(states.get(id), record));
}

const transactionColumns: Columns = [
  ['id', 'text'],
  ['status', 'text'],
  ['amount_minor', 'bigint'],
  ['currency', 'text'],
  ['vendor_id', 'text'],
  ['payer_id', 'text'],
  ['channel', 'text'],
  ['kind', 'text'],
  ['service_context', 'text'],
  ['retry_count', 'integer'],
  ['version', 'integer'],
  ['position', 'text'],
  ['created_position', 'text'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
  ['escrow_expires_at', 'timestamptz'],
  ['next_retry_at', 'timestamptz'],
  ['last_error', 'jsonb'],
  ['state', 'jsonb'],
];

/**
 * A transaction's row, its values in transactionColumns order: the fields of transactionViewOf that
 * are columns, taken from the state without building the whole view (its formatted amount is no
 * column). Timestamps are written as the log has them when already in toISOString's form.
 */
function transactionRow(id: string, { state, position, createdPosition }: Folded): unknown[] {
  const escrowExpiresAt = state.hold?.state === 'pending' ? timestampText(state.hold.expiresAt) : null;
  return [
    id,
    state.status,
    state.amountMinor,
    state.currency,
    state.vendorId,
    state.payerId,
    state.channel,
    state.kind,
    state.serviceContext,
    state.retryCount,
    state.version,
    position,
    createdPosition,
    timestampText(state.createdAt),
    timestampText(state.updatedAt),
    escrowExpiresAt,
    state.nextRetryAt,
    state.lastError,
    state,
  ];
}

const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** isoTime for a timestamptz column: a string already in that form is the same instant as is (no Date parsed and formatted again). */
function timestampText(value: string | null): string | null {
  return value !== null && isoTimestamp.test(value) ? value : isoTime(value);
}

/**
 * The writes of a rebuild's states: new rows appended (COPY on PostgreSQL), rows an earlier batch
 * wrote upserted. Encoded now, while the batch is folded, in statements of at most bulkWriteRows.
 */
function writeStates({ added, updated }: StatesToWrite<Folded>, copy: boolean): BulkWrite {
  const appends = chunksOf(added, bulkWriteRows).map((chunk) => {
    const rows = rowEncoder(copy ? 'copy' : 'json', 'transactions', transactionColumns);
    for (const [id, folded] of chunk) rows.add(transactionRow(id, folded));
    return rows.finish();
  });
  const upserts = chunksOf(updated, bulkWriteRows);
  return async (context) => {
    for (const rows of appends) await appendRows(context, rows);
    for (const chunk of upserts) await upsertRows(context.transaction, context.schema, chunk);
  };
}

async function upsertRows(
  transaction: ProjectionContext['transaction'],
  schema: string,
  folded: readonly [string, Folded][],
): Promise<void> {
  if (folded.length === 0) return;
  const rows = jsonRecords(
    transactionColumns,
    folded.map(([id, state]) => transactionRow(id, state)),
  );
  await sql`
    insert into ${tableIn(schema, 'transactions')} (id, status, amount_minor, currency, vendor_id, payer_id, channel, kind, service_context, retry_count, version,
                      position, created_position, created_at, updated_at, escrow_expires_at, next_retry_at, last_error, state)
    select id, status, amount_minor, currency, vendor_id, payer_id, channel, kind, service_context, retry_count, version,
           position, created_position, created_at, updated_at, escrow_expires_at, next_retry_at, last_error, state
      from json_to_recordset(${rows}::json) as r(
        id text, status text, amount_minor bigint, currency text, vendor_id text, payer_id text, channel text, kind text,
        service_context text, retry_count integer, version integer, position text, created_position text, created_at timestamptz,
        updated_at timestamptz, escrow_expires_at timestamptz, next_retry_at timestamptz, last_error jsonb, state jsonb)
    on conflict (id) do update set
      status = excluded.status, retry_count = excluded.retry_count, version = excluded.version, position = excluded.position,
      updated_at = excluded.updated_at, escrow_expires_at = excluded.escrow_expires_at, next_retry_at = excluded.next_retry_at,
      last_error = excluded.last_error, state = excluded.state`.execute(transaction);
}
