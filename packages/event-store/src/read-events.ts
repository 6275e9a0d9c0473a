import { sql, type Kysely } from 'kysely';
import { limits } from './limits.ts';
import { decodePosition, encodePosition, positionFromRow, type LogPosition } from './position.ts';
import type { EventStoreTables } from './schema.ts';
import type { RecordedEvent, Upcaster } from './types.ts';

interface EventRow {
  seq: string;
  tx_id: string;
  stream_id: string;
  stream_version: string;
  event_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
  recorded_at: Date;
}

const identity: Upcaster = (event) => event;

export function toRecordedEvent(row: EventRow, upcast: Upcaster = identity): RecordedEvent {
  const logPosition = positionFromRow(row);
  const upcasted = upcast({ type: row.type, schemaVersion: row.schema_version, data: row.data });
  return {
    position: encodePosition(logPosition),
    logPosition,
    streamId: row.stream_id,
    version: Number(row.stream_version),
    eventId: row.event_id,
    type: upcasted.type,
    schemaVersion: upcasted.schemaVersion,
    data: upcasted.data,
    metadata: row.metadata as Record<string, unknown>,
    recordedAt: row.recorded_at,
  };
}

function boundedCount(maxCount: number | undefined): number {
  const count = maxCount ?? limits.defaultReadCount;
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`maxCount must be a whole number >= 1, got ${count}`);
  return Math.min(count, limits.maxReadCount);
}

export interface ReadStreamOptions {
  readonly direction?: 'forward' | 'backward';
  /** Forward: the first version to read (default 1). Backward: the last (default the end). */
  readonly fromVersion?: number;
  readonly maxCount?: number;
}

export async function readStream(db: Kysely<EventStoreTables>, streamId: string, options: ReadStreamOptions = {}, upcast?: Upcaster): Promise<RecordedEvent[]> {
  const maxCount = boundedCount(options.maxCount);
  const backward = options.direction === 'backward';
  let query = db.selectFrom('tt_events').selectAll().where('stream_id', '=', streamId);
  if (options.fromVersion !== undefined) query = query.where('stream_version', backward ? '<=' : '>=', String(options.fromVersion) as never);
  const rows = await query.orderBy('stream_version', backward ? 'desc' : 'asc').limit(maxCount).execute();
  return rows.map((row) => toRecordedEvent(row as EventRow, upcast));
}

export interface ReadAllOptions {
  /** Read events after this position ("start" or a position string). */
  readonly after?: string | LogPosition;
  readonly maxCount?: number;
  readonly types?: readonly string[];
  readonly streamId?: string;
}

export interface ReadAllResult {
  readonly events: RecordedEvent[];
  /** The position reached: the last event's, or the one asked for when nothing was read. */
  readonly position: LogPosition;
  /** Whether the page reached the visible end of the log. */
  readonly isEnd: boolean;
}

/**
 * Reads the global log forward in (tx_id, seq) order. Only events of transactions older than every
 * transaction still in progress are read, so a resumed reader never skips an event that a slower,
 * concurrent transaction commits later with a smaller sequence number.
 */
export async function readAll(db: Kysely<EventStoreTables>, options: ReadAllOptions = {}, upcast?: Upcaster): Promise<ReadAllResult> {
  const maxCount = boundedCount(options.maxCount);
  const after = typeof options.after === 'object' ? options.after : decodePosition(options.after ?? 'start');
  const filters = [
    options.types && options.types.length > 0 ? sql`and type = any(${[...options.types]}::text[])` : sql``,
    options.streamId !== undefined ? sql`and stream_id = ${options.streamId}` : sql``,
  ];
  const horizon = sql`pg_snapshot_xmin(pg_current_snapshot())`;
  const { rows } = await sql<EventRow & { horizon: string }>`
    select seq, tx_id, stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at
      from tt_events
     where (tx_id, seq) > (${after.txId.toString()}::xid8, ${after.seq.toString()}::bigint)
       and tx_id < ${horizon}
       ${filters[0]} ${filters[1]}
     order by tx_id, seq
     limit ${maxCount}`.execute(db);
  const events = rows.map((row) => toRecordedEvent(row, upcast));
  const last = events.at(-1);
  return { events, position: last ? last.logPosition : after, isEnd: rows.length < maxCount };
}

/** The position of the last visible event of the log, or the start when it is empty. */
export async function readHeadPosition(db: Kysely<EventStoreTables>): Promise<LogPosition> {
  const { rows } = await sql<{ tx_id: string; seq: string }>`
    select tx_id, seq from tt_events
     where tx_id < pg_snapshot_xmin(pg_current_snapshot())
     order by tx_id desc, seq desc limit 1`.execute(db);
  return rows[0] ? positionFromRow(rows[0]) : { txId: 0n, seq: 0n };
}
