import { sql } from 'kysely';
import type { RecordedEvent } from '@tracktrove/event-store';
import { noWrites, type Projection } from '../projection.ts';
import { appendRows, rowEncoder, type Columns, type EncodedRows } from './row-writes.ts';
import { tableIn } from './sql-helpers.ts';
import { traceDtoKeys, traceStepOf } from './trace-record.ts';
import { isTransactionRecord } from './transaction-stream.ts';

export const tracesReadModel = 'traces';

/**
 * One row per transaction event: the step, its service, timing, error and actor. The step's DTOs
 * before and after are not copied here: they stay in the event's metadata in the log, where
 * getTraces reads them for the one transaction asked and computes the RFC 6902 diff, so a rebuild
 * moves a few small columns per event instead of two DTOs. The primary key (transaction_id,
 * version) makes a double apply fail loudly. One insert per batch (COPY in a rebuild on PostgreSQL).
 */
export const tracesProjection: Projection = {
  name: tracesReadModel,
  async createTables({ transaction, schema }) {
    await sql`
      create table ${tableIn(schema, 'traces')} (
        transaction_id text not null,
        version integer not null,
        position text collate "C" not null,
        event_type text not null,
        step text not null,
        service text,
        at timestamptz not null,
        attempt integer,
        duration_ms integer,
        error jsonb,
        actor jsonb,
        correlation_id text,
        causation_id text
      )`.execute(transaction);
  },
  // The primary key is built with the other indexes: a rebuild appends rows much faster without
  // it, and adding it then still fails loudly on any event applied twice.
  async createIndexes({ transaction, schema }) {
    await sql`alter table ${tableIn(schema, 'traces')} add primary key (transaction_id, version)`.execute(transaction);
  },
  omitsMetadataKeys: traceDtoKeys,
  async apply(events, context) {
    await appendRows(context, traceRows(events, 'json'));
  },
  bulkBuilder({ copy }) {
    return {
      async prepare(events) {
        const rows = traceRows(events, copy ? 'copy' : 'json');
        return (context) => appendRows(context, rows);
      },
      finish: () => noWrites,
    };
  },
};

const traceColumns: Columns = [
  ['transaction_id', 'text'],
  ['version', 'integer'],
  ['position', 'text'],
  ['event_type', 'text'],
  ['step', 'text'],
  ['service', 'text'],
  ['at', 'timestamptz'],
  ['attempt', 'integer'],
  ['duration_ms', 'integer'],
  ['error', 'jsonb'],
  ['actor', 'jsonb'],
  ['correlation_id', 'text'],
  ['causation_id', 'text'],
];

/** The trace rows of a batch's transaction events, encoded for one append. */
function traceRows(events: readonly RecordedEvent[], format: EncodedRows['format']): EncodedRows {
  const rows = rowEncoder(format, 'traces', traceColumns);
  for (const event of events) {
    if (!isTransactionRecord(event)) continue;
    const trace = traceStepOf(event);
    rows.add([
      trace.transactionId,
      trace.version,
      trace.position,
      trace.eventType,
      trace.step,
      trace.service,
      trace.at,
      trace.attempt,
      trace.durationMs,
      trace.error,
      trace.actor,
      trace.correlationId,
      trace.causationId,
    ]);
  }
  return rows.finish();
}
