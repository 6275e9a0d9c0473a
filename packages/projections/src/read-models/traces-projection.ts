import { sql } from 'kysely';
import type { Projection } from '../projection.ts';
import { jsonRows, tableIn } from './sql-helpers.ts';
import { traceRecordOf } from './trace-record.ts';
import { transactionRecords } from './transaction-stream.ts';

export const tracesReadModel = 'traces';

/**
 * One row per transaction event: the step's DTO before and after, and the RFC 6902 diff between
 * them, computed once here. The primary key (transaction_id, version) makes a double apply fail
 * loudly. One insert per batch.
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
        dto_before jsonb,
        dto_after jsonb,
        diff jsonb not null,
        error jsonb,
        actor jsonb,
        correlation_id text,
        causation_id text,
        primary key (transaction_id, version)
      )`.execute(transaction);
  },
  async apply(events, { transaction, schema }) {
    const records = transactionRecords(events);
    if (records.length === 0) return;
    const rows = records.map((record) => {
      const trace = traceRecordOf(record);
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
        dto_before: trace.dtoBefore,
        dto_after: trace.dtoAfter,
        diff: trace.diff,
        error: trace.error,
        actor: trace.actor,
        correlation_id: trace.correlationId,
        causation_id: trace.causationId,
      };
    });
    await sql`
      insert into ${tableIn(schema, 'traces')}
      select * from json_to_recordset(${jsonRows(rows)}) as r(
        transaction_id text, version integer, position text, event_type text, step text, service text, at timestamptz, attempt integer,
        duration_ms integer, dto_before jsonb, dto_after jsonb, diff jsonb, error jsonb, actor jsonb, correlation_id text, causation_id text)`.execute(transaction);
  },
};
