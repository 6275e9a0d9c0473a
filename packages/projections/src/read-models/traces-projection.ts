import { sql } from 'kysely';
import type { Projection } from '../projection.ts';
import { jsonRows, tableIn } from './sql-helpers.ts';
import { traceDtoKeys, traceStepOf } from './trace-record.ts';
import { transactionRecords } from './transaction-stream.ts';

export const tracesReadModel = 'traces';

/**
 * One row per transaction event: the step, its service, timing, error and actor. The step's DTOs
 * before and after are not copied here: they stay in the event's metadata in the log, where
 * getTraces reads them for the one transaction asked and computes the RFC 6902 diff, so a rebuild
 * moves a few small columns per event instead of two DTOs. The primary key (transaction_id,
 * version) makes a double apply fail loudly. One insert per batch.
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
        causation_id text,
        primary key (transaction_id, version)
      )`.execute(transaction);
  },
  omitsMetadataKeys: traceDtoKeys,
  async apply(events, { transaction, schema }) {
    const records = transactionRecords(events);
    if (records.length === 0) return;
    const rows = records.map((record) => {
      const trace = traceStepOf(record);
      return {
        transaction_id: trace.transactionId,
        version: trace.version,
        position: trace.position,
        event_type: trace.eventType,
        step: trace.step,
        service: trace.service,
        at: trace.at,
        attempt: trace.attempt,
        duration_ms: trace.durationMs,
        error: trace.error,
        actor: trace.actor,
        correlation_id: trace.correlationId,
        causation_id: trace.causationId,
      };
    });
    await sql`
      insert into ${tableIn(schema, 'traces')} (transaction_id, version, position, event_type, step, service, at, attempt, duration_ms, error, actor,
                                                correlation_id, causation_id)
      select * from json_to_recordset(${jsonRows(rows)}) as r(
        transaction_id text, version integer, position text, event_type text, step text, service text, at timestamptz, attempt integer,
        duration_ms integer, error jsonb, actor jsonb, correlation_id text, causation_id text)`.execute(transaction);
  },
};
