import type { Kysely } from 'kysely';
import type { JsonValue } from '@tracktrove/domain';
import type { JsonPatchOperation } from '../read-models/json-diff.ts';
import { isoTime } from '../read-models/transaction-view.ts';

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
  diff: JsonPatchOperation[];
  error: { message: string; stack: string } | null;
  actor: { role: string; id: string } | null;
}

export function traceViewOfRow(row: TraceRow): TraceView {
  return {
    version: row.version,
    position: row.position,
    type: row.event_type,
    step: row.step,
    service: row.service,
    at: isoTime(row.at)!,
    attempt: row.attempt,
    durationMs: row.duration_ms,
    dtoBefore: row.dto_before ?? null,
    dtoAfter: row.dto_after ?? null,
    diff: row.diff,
    error: row.error ?? null,
    actor: row.actor ?? null,
  };
}

/** Limit of traces answered for one transaction (a stream this long is a bug or an attack). */
export const maxTracesPerTransaction = 10_000;

/** A transaction's traces in version order; empty when the id is unknown. `schema` is `runtime.schemaOf('traces')`. */
export async function getTraces(db: Kysely<any>, schema: string, transactionId: string): Promise<TraceView[]> {
  const rows = (await db.withSchema(schema).selectFrom('traces').selectAll().where('transaction_id', '=', transactionId)
    .orderBy('version').limit(maxTracesPerTransaction).execute()) as TraceRow[];
  return rows.map(traceViewOfRow);
}
