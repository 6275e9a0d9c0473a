import { sql } from 'kysely';
import { limits } from './limits.ts';
import { decodePosition, encodePositionFromText, positionFromRow, type LogPosition } from './position.ts';
import type { EventStoreTables } from './schema.ts';
import type { RecordedEvent, Upcaster } from './types.ts';
import type { Queryable } from './tables.ts';

interface EventRow {
  seq: string;
  tx_id: string;
  stream_id: string;
  stream_version: string;
  event_id: string;
  type: string;
  schema_version: number;
  /** data and metadata as JSON text: parsed when first read (see StoredEvent). */
  data: string;
  metadata: string;
  recorded_at: Date | number;
}

const unparsed = Symbol('unparsed');

/**
 * A stored event. The position is encoded once from the row; its parsed form, needed only to
 * compare positions, is computed on first use. Data and metadata arrive as JSON text and are
 * parsed on first access (and upcast then, with an upcaster): a reader that routes events by type
 * or position, or forwards them, never pays for decoding payloads it does not look at.
 */
class StoredEvent implements RecordedEvent {
  readonly position: string;
  readonly streamId: string;
  readonly version: number;
  readonly eventId: string;
  readonly recordedAt: Date;
  #txId: string;
  #seq: string;
  #logPosition: LogPosition | undefined;
  #type: string;
  #schemaVersion: number;
  #dataText: string;
  #data: unknown = unparsed;
  #metadataText: string;
  #metadata: Record<string, unknown> | undefined;
  #upcast: Upcaster | undefined;

  constructor(row: EventRow, upcast: Upcaster | undefined) {
    this.#txId = row.tx_id;
    this.#seq = row.seq;
    this.position = encodePositionFromText(row.tx_id, row.seq);
    this.streamId = row.stream_id;
    this.version = Number(row.stream_version);
    this.eventId = row.event_id;
    this.#type = row.type;
    this.#schemaVersion = row.schema_version;
    this.#dataText = row.data;
    this.#metadataText = row.metadata;
    this.#upcast = upcast;
    this.recordedAt = typeof row.recorded_at === 'number' ? new Date(row.recorded_at) : row.recorded_at;
  }

  /** Parses the data, and upcasts it with its type and schema version when there is an upcaster. */
  #resolve(): void {
    if (this.#data !== unparsed) return;
    const data: unknown = JSON.parse(this.#dataText);
    if (this.#upcast) {
      const upcasted = this.#upcast({ type: this.#type, schemaVersion: this.#schemaVersion, data });
      this.#type = upcasted.type;
      this.#schemaVersion = upcasted.schemaVersion;
      this.#data = upcasted.data;
    } else {
      this.#data = data;
    }
  }

  get type(): string {
    if (this.#upcast) this.#resolve();
    return this.#type;
  }

  get schemaVersion(): number {
    if (this.#upcast) this.#resolve();
    return this.#schemaVersion;
  }

  get data(): unknown {
    this.#resolve();
    return this.#data;
  }

  get metadata(): Record<string, unknown> {
    this.#metadata ??= JSON.parse(this.#metadataText) as Record<string, unknown>;
    return this.#metadata;
  }

  get logPosition(): LogPosition {
    this.#logPosition ??= { txId: BigInt(this.#txId), seq: BigInt(this.#seq) };
    return this.#logPosition;
  }

  toJSON() {
    const { position, streamId, version, eventId, type, schemaVersion, data, metadata, recordedAt } = this;
    return { position, streamId, version, eventId, type, schemaVersion, data, metadata, recordedAt };
  }
}

/** The columns of an event row; payloads as JSON text, the time as epoch milliseconds (both parse faster). */
const eventColumns = sql`seq, tx_id, stream_id, stream_version, event_id, type, schema_version, data::text as data, metadata::text as metadata,
  (extract(epoch from recorded_at) * 1000)::float8 as recorded_at`;

/** The columns of an event row with some metadata keys removed by the server. */
function eventColumnsWithout(metadataKeys: readonly string[]) {
  return sql`seq, tx_id, stream_id, stream_version, event_id, type, schema_version, data::text as data, (metadata - ${[...metadataKeys]}::text[])::text as metadata,
  (extract(epoch from recorded_at) * 1000)::float8 as recorded_at`;
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
  /** Metadata keys the caller does not need (a fold needs none of the step's DTOs): the server leaves them out. */
  readonly omitMetadataKeys?: readonly string[];
}

const columnsOmitting = (metadataKeys: readonly string[] | undefined) =>
  metadataKeys && metadataKeys.length > 0 ? eventColumnsWithout(metadataKeys) : eventColumns;

export async function readStream<DB extends EventStoreTables>(
  db: Queryable<DB>,
  streamId: string,
  options: ReadStreamOptions = {},
  upcast?: Upcaster,
): Promise<RecordedEvent[]> {
  const maxCount = boundedCount(options.maxCount);
  const backward = options.direction === 'backward';
  const from =
    options.fromVersion !== undefined ? sql`and stream_version ${sql.raw(backward ? '<=' : '>=')} ${options.fromVersion}` : sql``;
  const { rows } = await sql<EventRow>`
    select ${columnsOmitting(options.omitMetadataKeys)} from tt_events where stream_id = ${streamId} ${from}
     order by stream_version ${sql.raw(backward ? 'desc' : 'asc')} limit ${maxCount}`.execute(db);
  return rows.map((row) => new StoredEvent(row, upcast));
}

/**
 * Every event of several streams in one query, by stream id (streams without events are absent).
 * At most limits.maxStreamsPerAppend streams and limits.maxReadCount events in all: past that it
 * throws rather than answer a partial stream.
 */
export async function readStreams<DB extends EventStoreTables>(
  db: Queryable<DB>,
  streamIds: readonly string[],
  upcast?: Upcaster,
  options: Pick<ReadStreamOptions, 'omitMetadataKeys'> = {},
): Promise<Map<string, RecordedEvent[]>> {
  if (streamIds.length > limits.maxStreamsPerAppend)
    throw new RangeError(`at most ${limits.maxStreamsPerAppend} streams per read, got ${streamIds.length}`);
  const byStream = new Map<string, RecordedEvent[]>();
  if (streamIds.length === 0) return byStream;
  const { rows } = await sql<EventRow>`
    select ${columnsOmitting(options.omitMetadataKeys)} from tt_events where stream_id = any(${[...streamIds]}::text[])
     order by stream_id, stream_version limit ${limits.maxReadCount + 1}`.execute(db);
  if (rows.length > limits.maxReadCount) throw new RangeError(`the streams hold more than ${limits.maxReadCount} events together`);
  for (const row of rows) {
    const event = new StoredEvent(row, upcast);
    const events = byStream.get(event.streamId);
    if (events) events.push(event);
    else byStream.set(event.streamId, [event]);
  }
  return byStream;
}

export interface ReadAllOptions {
  /** Read events after this position ("start" or a position string). */
  readonly after?: string | LogPosition;
  readonly maxCount?: number;
  readonly types?: readonly string[];
  readonly streamId?: string;
  /**
   * Metadata keys to leave out of the events read (e.g. large trace DTOs a reader never looks at):
   * they are neither sent by the server nor parsed here.
   */
  readonly omitMetadataKeys?: readonly string[];
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
 * concurrent transaction commits later with a smaller sequence number. `tx_id >=` the position's,
 * implied by the row comparison, is spelt out so that the planner skips the partitions before it.
 */
export async function readAll<DB extends EventStoreTables>(
  db: Queryable<DB>,
  options: ReadAllOptions = {},
  upcast?: Upcaster,
): Promise<ReadAllResult> {
  const maxCount = boundedCount(options.maxCount);
  const after = typeof options.after === 'object' ? options.after : decodePosition(options.after ?? 'start');
  const filters = [
    options.types && options.types.length > 0 ? sql`and type = any(${[...options.types]}::text[])` : sql``,
    options.streamId !== undefined ? sql`and stream_id = ${options.streamId}` : sql``,
  ];
  const horizon = sql`pg_snapshot_xmin(pg_current_snapshot())`;
  const columns = columnsOmitting(options.omitMetadataKeys);
  const { rows } = await sql<EventRow & { horizon: string }>`
    select ${columns}
      from tt_events
     where (tx_id, seq) > (${after.txId.toString()}::xid8, ${after.seq.toString()}::bigint)
       and tx_id >= ${after.txId.toString()}::xid8
       and tx_id < ${horizon}
       ${filters[0]} ${filters[1]}
     order by tx_id, seq
     limit ${maxCount}`.execute(db);
  const events = rows.map((row) => new StoredEvent(row, upcast));
  const last = events.at(-1);
  return { events, position: last ? last.logPosition : after, isEnd: rows.length < maxCount };
}

export interface ReadAllTypesResult {
  /** The stored type of each event read, in log order (not upcast: no payload is read). */
  readonly types: string[];
  readonly position: LogPosition;
  readonly isEnd: boolean;
}

/**
 * The same page of the log as readAll, with each event's stored type only: for a follower that
 * counts or waits and has no use for payloads (the server's log tail while no client listens).
 */
export async function readAllTypes<DB extends EventStoreTables>(
  db: Queryable<DB>,
  options: Pick<ReadAllOptions, 'after' | 'maxCount'> = {},
): Promise<ReadAllTypesResult> {
  const maxCount = boundedCount(options.maxCount);
  const after = typeof options.after === 'object' ? options.after : decodePosition(options.after ?? 'start');
  const { rows } = await sql<{ tx_id: string; seq: string; type: string }>`
    select tx_id, seq, type
      from tt_events
     where (tx_id, seq) > (${after.txId.toString()}::xid8, ${after.seq.toString()}::bigint)
       and tx_id >= ${after.txId.toString()}::xid8
       and tx_id < pg_snapshot_xmin(pg_current_snapshot())
     order by tx_id, seq
     limit ${maxCount}`.execute(db);
  const last = rows.at(-1);
  return { types: rows.map((row) => row.type), position: last ? positionFromRow(last) : after, isEnd: rows.length < maxCount };
}

/**
 * The position of the last committed event of the log, or the start when it is empty. Readers
 * reach it once every transaction older than its writer has ended; waiting for it is waiting for
 * everything committed so far.
 */
export async function readHeadPosition<DB extends EventStoreTables>(db: Queryable<DB>): Promise<LogPosition> {
  const { rows } = await sql<{ tx_id: string; seq: string }>`
    select tx_id, seq from tt_events order by tx_id desc, seq desc limit 1`.execute(db);
  return rows[0] ? positionFromRow(rows[0]) : { txId: 0n, seq: 0n };
}

/**
 * The position up to which every event is visible now: what a follower that starts here and reads
 * forward can rely on to miss nothing committed after it started.
 */
export async function readVisibleHeadPosition<DB extends EventStoreTables>(db: Queryable<DB>): Promise<LogPosition> {
  const { rows } = await sql<{ tx_id: string; seq: string }>`
    select tx_id, seq from tt_events
     where tx_id < pg_snapshot_xmin(pg_current_snapshot())
     order by tx_id desc, seq desc limit 1`.execute(db);
  return rows[0] ? positionFromRow(rows[0]) : { txId: 0n, seq: 0n };
}
