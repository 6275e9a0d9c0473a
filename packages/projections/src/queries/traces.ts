import { sql } from 'kysely';
import type { JsonValue } from '@tracktrove/domain';
import { diffJson, type JsonPatchOperation } from '../read-models/json-diff.ts';
import { tableIn } from '../read-models/sql-helpers.ts';
import { transactionStreamId } from '../read-models/transaction-stream.ts';
import { isoTime } from '../read-models/transaction-view.ts';
import type { EventStoreTables, Queryable } from '@tracktrove/event-store';

/** The API's trace object, plus the event type and actor. */
export interface TraceView {
  readonly version: number;
  readonly position: string;
  readonly type: string;
  readonly step: string;
  readonly service: string | null;
  readonly at: string;
  readonly attempt: number | null;
  readonly durationMs: number | null;
  readonly dtoBefore: JsonValue;
  readonly dtoAfter: JsonValue;
  readonly diff: JsonPatchOperation[];
  readonly error: { message: string; stack: string } | null;
  readonly actor: { role: string; id: string } | null;
}

/** A row of the traces read model joined with its event's DTOs (null when the event carries none). */
export interface TraceRow {
  transaction_id: string;
  version: number;
  position: string;
  event_type: string;
  step: string;
  service: string | null;
  at: Date;
  attempt: number | null;
  duration_ms: number | null;
  dto_before: JsonValue | null;
  dto_after: JsonValue | null;
  error: { message: string; stack: string } | null;
  actor: { role: string; id: string } | null;
}

/** The API's trace object of a row; the diff is computed here, as the projection once did, from the DTOs. */
export function traceViewOfRow(row: TraceRow): TraceView {
  const dtoBefore = row.dto_before ?? null;
  const dtoAfter = row.dto_after ?? null;
  return {
    version: row.version,
    position: row.position,
    type: row.event_type,
    step: row.step,
    service: row.service,
    at: isoTime(row.at)!,
    attempt: row.attempt,
    durationMs: row.duration_ms,
    dtoBefore,
    dtoAfter,
    diff: diffJson(dtoBefore, dtoAfter),
    error: row.error ?? null,
    actor: row.actor ?? null,
  };
}

/** Limit of traces answered for one transaction (a stream this long is a bug or an attack). */
export const maxTracesPerTransaction = 10_000;

/** A transaction's traces in version order; empty when the id is unknown. `schema` is `runtime.schemaOf('traces')`. */
export async function getTraces<DB extends EventStoreTables>(
  db: Queryable<DB>,
  schema: string,
  transactionId: string,
): Promise<TraceView[]> {
  const { rows } = await sql<TraceRow>`
    select t.*, e.metadata -> 'dtoBefore' as dto_before, e.metadata -> 'dtoAfter' as dto_after
      from ${tableIn(schema, 'traces')} t
      left join tt_events e on e.stream_id = ${transactionStreamId(transactionId)} and e.stream_version = t.version
     where t.transaction_id = ${transactionId}
     order by t.version
     limit ${maxTracesPerTransaction}`.execute(db);
  return rows.map(traceViewOfRow);
}
