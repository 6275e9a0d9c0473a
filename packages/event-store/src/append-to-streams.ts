import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { EventIdConflictError, InvalidAppendError, WrongExpectedVersionError } from './errors.ts';
import { limits } from './limits.ts';
import { encodePositionFromText } from './position.ts';
import { preparedMarker } from './prepared-statements.ts';
import type { EventStoreTables } from './schema.ts';
import type { AppendedEvent, AppendOptions, AppendResult, ExpectedVersion, StreamAppend } from './types.ts';

interface AppendRow {
  event_id: string;
  stream_id: string;
  stream_version: string;
  tx_id: string;
  seq: string;
  recorded_at: Date;
  alongside?: unknown;
}

interface PreparedEvent {
  stream: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
}

function expectedToText(expected: ExpectedVersion): string {
  if (typeof expected === 'number') {
    if (!Number.isSafeInteger(expected) || expected < 0)
      throw new InvalidAppendError(`expected version must be a whole number >= 0, got ${expected}`);
    return String(expected);
  }
  return expected;
}

function validate(appends: readonly StreamAppend[]): void {
  if (appends.length === 0) throw new InvalidAppendError('nothing to append');
  if (appends.length > limits.maxStreamsPerAppend) throw new InvalidAppendError(`at most ${limits.maxStreamsPerAppend} streams per append`);
  const total = appends.reduce((sum, append) => sum + append.events.length, 0);
  if (total > limits.maxEventsPerAppend)
    throw new InvalidAppendError(`at most ${limits.maxEventsPerAppend} events per append, got ${total}`);
  const seen = new Set<string>();
  const eventIds = new Set<string>();
  for (const append of appends) {
    if (append.streamId.length === 0 || append.streamId.length > limits.maxStreamIdLength)
      throw new InvalidAppendError('stream id must have 1 to 200 characters');
    if (seen.has(append.streamId)) throw new InvalidAppendError(`stream ${append.streamId} appears twice in one append`);
    seen.add(append.streamId);
    if (append.events.length === 0) throw new InvalidAppendError(`no events for stream ${append.streamId}`);
    for (const event of append.events) {
      if (event.type.length === 0 || event.type.length > limits.maxTypeLength)
        throw new InvalidAppendError('event type must have 1 to 200 characters');
      if (event.eventId === undefined) continue;
      if (eventIds.has(event.eventId)) throw new InvalidAppendError(`event id ${event.eventId} appears twice in one append`);
      eventIds.add(event.eventId);
    }
  }
}

function parseExpected(expected: string): ExpectedVersion {
  return /^\d+$/.test(expected) ? Number(expected) : (expected as ExpectedVersion);
}

/** tt_append's version mismatch (its only exception of its own) as the typed error, else undefined. */
function parseRaised(error: unknown): WrongExpectedVersionError | undefined {
  if (!(error instanceof Error)) return undefined;
  const match = /tt_wrong_expected_version:(\{.*\})/s.exec(error.message);
  if (!match) return undefined;
  const detail = JSON.parse(match[1]!) as { streamId: string; expected: string; actual: number | null };
  // json_build_object writes the actual version (a bigint) as a JSON number, or null.
  return new WrongExpectedVersionError(detail.streamId, parseExpected(detail.expected), detail.actual);
}

function isEventIdConflict(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23505' && constraint === 'tt_events_event_id_key';
}

/**
 * The stored rows of the given event ids (found through tt_event_keys, the one index of event ids
 * across tt_events' partitions), or an EventIdConflictError when any id is stored with
 * other content (or only some are stored). Null when none is stored.
 */
async function findStored(
  db: Kysely<EventStoreTables>,
  streamIds: readonly string[],
  events: readonly PreparedEvent[],
): Promise<AppendRow[] | null> {
  const { rows } = await sql<AppendRow & { same: boolean }>`
    select e.event_id, e.stream_id, e.stream_version, e.tx_id, e.seq, e.recorded_at,
           (e.stream_id = u.stream_id and e.type = u.type and e.schema_version = u.schema_version and e.data = u.data::jsonb) as same
      from unnest(${events.map((event) => event.eventId)}::uuid[], ${events.map((event) => streamIds[event.stream]!)}::text[],
                  ${events.map((event) => event.type)}::text[], ${events.map((event) => event.schemaVersion)}::int[],
                  ${events.map((event) => event.data)}::text[]) as u(event_id, stream_id, type, schema_version, data)
      join tt_event_keys k on k.event_id = u.event_id
      join tt_events e on e.stream_id = k.stream_id and e.stream_version = k.stream_version`.execute(db);
  if (rows.length === 0) return null;
  if (rows.length === events.length && rows.every((row) => row.same)) return rows;
  throw new EventIdConflictError(rows.map((row) => row.event_id));
}

/**
 * Appends to one or several streams atomically: either every event is committed or none is.
 * Each stream's expected version is checked under its row lock. Appending event ids that are all
 * stored already, with the same content, returns their original positions and appends nothing.
 * Outside a transaction the common case costs one round trip: stored ids are looked up only when
 * the insert hits the event-id index. Inside a transaction (where a failed statement would abort
 * the caller's transaction) ids given by the caller are looked up first. `options.alongside` runs
 * in the same statement (see AppendOptions).
 */
export async function appendToStreams(
  db: Kysely<EventStoreTables>,
  appends: readonly StreamAppend[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  validate(appends);
  const streamIds = appends.map((append) => append.streamId);
  const expected = appends.map((append) => expectedToText(append.expectedVersion ?? 'any'));
  const counts = appends.map((append) => append.events.length);
  const events: PreparedEvent[] = appends.flatMap((append, stream) =>
    append.events.map((event) => ({
      stream,
      eventId: event.eventId ?? randomUUID(),
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: JSON.stringify(event.data ?? null),
      metadata: JSON.stringify(event.metadata ?? {}),
    })),
  );
  const eventIds = events.map((event) => event.eventId);
  const explicitIds = appends.some((append) => append.events.some((event) => event.eventId !== undefined));
  if (db.isTransaction && explicitIds) {
    const stored = await findStored(db, streamIds, events);
    if (stored) return toResult(eventIds, stored, true);
  }
  try {
    const rows = fitsOneStatement(expected)
      ? await appendInOneStatement(
          db,
          appends.map((append, index) => ({
            streamId: append.streamId,
            expected: expected[index]!,
            events: events.filter((event) => event.stream === index),
          })),
          options.alongside,
        )
      : (await appendToSeveralStreams(streamIds, expected, counts, events, options.alongside).execute(db)).rows;
    return { ...toResult(eventIds, rows, false), ...(options.alongside ? { alongside: rows[0]?.alongside } : {}) };
  } catch (error) {
    const raised = error instanceof WrongExpectedVersionError ? error : parseRaised(error);
    // A retried append (its response was lost) finds the stream moved on by itself: when every
    // id is stored with the same content, that is the same append, answered again.
    const mayBeRetry = isEventIdConflict(error) || (raised instanceof WrongExpectedVersionError && explicitIds);
    if (mayBeRetry && !db.isTransaction) {
      const stored = await findStored(db, streamIds, events);
      if (stored) return toResult(eventIds, stored, true);
    }
    throw raised ?? error;
  }
}

function appendToSeveralStreams(
  streamIds: string[],
  expected: string[],
  counts: number[],
  events: PreparedEvent[],
  alongside: RawBuilder<unknown> | undefined,
): RawBuilder<AppendRow> {
  const append = sql`tt_append_json(${streamIds}::text[], ${expected}::text[], ${counts}::int[], ${eventsJson(events)}::jsonb)`;
  return alongside ? withAlongside(append, alongside) : sql<AppendRow>`select * from ${append}`;
}

/** New streams that may join a one-stream append in its prepared statement (see appendInOneStatement). */
const maxNewStreamsAlongside = 3;

interface StatementStream {
  readonly streamId: string;
  readonly expected: string;
  readonly events: PreparedEvent[];
}

const isNewStream = (expected: string) => expected === 'no_stream' || expected === '0';

/** Whether appendInOneStatement takes these streams: one, or one plus a few new ones. */
function fitsOneStatement(expected: readonly string[]): boolean {
  return expected.length <= 1 + maxNewStreamsAlongside && expected.slice(1).every(isNewStream);
}

/**
 * An append as one prepared statement of plain SQL (no function call, planned once per
 * connection): the first stream's row moves from the expected version under its row lock, and its
 * events are inserted after it. A version mismatch moves no row and inserts nothing; the actual
 * version is then read for the error, and a caller's transaction stays usable (unlike tt_append_json's
 * exception). Further streams must be new (a command's webhook stream, say): their rows are
 * inserted only when the first stream's moved, and one that exists already fails the whole
 * statement on tt_streams' key, so the append stays atomic.
 */
async function appendInOneStatement(
  db: Kysely<EventStoreTables>,
  streams: readonly StatementStream[],
  alongside: RawBuilder<unknown> | undefined,
): Promise<AppendRow[]> {
  const [first, ...added] = streams;
  const { streamId, expected } = first!;
  const count = first!.events.length;
  const stream =
    expected === 'any'
      ? sql`insert into tt_streams as t (stream_id, version) values (${streamId}, ${count}::bigint)
              on conflict (stream_id) do update set version = t.version + excluded.version
              returning t.version - ${count}::bigint as base`
      : isNewStream(expected)
        ? sql`insert into tt_streams (stream_id, version) values (${streamId}, ${count}::bigint) on conflict do nothing
              returning 0::bigint as base`
        : expected === 'stream_exists'
          ? sql`update tt_streams t set version = t.version + ${count}::bigint where t.stream_id = ${streamId}
                returning t.version - ${count}::bigint as base`
          : sql`update tt_streams t set version = t.version + ${count}::bigint where t.stream_id = ${streamId} and t.version = ${expected}::bigint
                returning t.version - ${count}::bigint as base`;
  const addedStreams = added.map(
    (extra, index) => sql`, ${sql.raw(`s${index + 1}`)} as (
      insert into tt_streams (stream_id, version) select ${extra.streamId}, ${extra.events.length}::bigint from s
      returning 0::bigint as base)`,
  );
  const rows = streams.map((entry, index) => eventRows(entry, sql.raw(index === 0 ? 's' : `s${index}`), index));
  const statement = sql<AppendRow>`${sql.raw(preparedMarker)}
    with s as (${stream})${sql.join(addedStreams, sql``)},
         appended as (
           insert into tt_events (stream_id, stream_version, event_id, type, schema_version, data, metadata)
           select stream_id, stream_version, event_id, type, schema_version, data, metadata
             from (${sql.join(rows, sql` union all `)}) r
            order by r.part, r.ord
           returning event_id, stream_id, stream_version, tx_id, seq, recorded_at)
    ${
      alongside
        ? sql`, alongside as (select ${alongside} as result from s)
           ${alongsideOnFirstRow}`
        : sql`select * from appended`
    }`;
  let appended: AppendRow[];
  try {
    ({ rows: appended } = await statement.execute(db));
  } catch (error) {
    throw (await existingStreamConflict(db, error, added)) ?? error;
  }
  if (appended.length === streams.reduce((sum, entry) => sum + entry.events.length, 0)) return appended;
  throw new WrongExpectedVersionError(streamId, parseExpected(expected), await streamVersion(db, streamId));
}

/** A stream's version now, null when it does not exist. */
async function streamVersion(db: Kysely<EventStoreTables>, streamId: string): Promise<number | null> {
  const { rows } = await sql<{ version: string }>`select version from tt_streams where stream_id = ${streamId}`.execute(db);
  return rows[0] ? Number(rows[0].version) : null;
}

/** A stream's events as rows (with their stream's place and their order), based on its CTE's row. */
function eventRows(entry: StatementStream, base: RawBuilder<unknown>, part: number): RawBuilder<unknown> {
  const [only] = entry.events;
  return entry.events.length === 1
    ? sql`select ${entry.streamId}::text as stream_id, b.base + 1 as stream_version, ${only!.eventId}::uuid as event_id, ${only!.type}::text as type,
             ${only!.schemaVersion}::int as schema_version, ${only!.data}::jsonb as data, ${only!.metadata}::jsonb as metadata,
             ${sql.raw(String(part))} as part, 1::bigint as ord
           from ${base} b`
    : sql`select ${entry.streamId}::text as stream_id, b.base + u.ord as stream_version, u.event_id, u.type, u.schema_version,
             coalesce(u.data, 'null'::jsonb) as data, u.metadata, ${sql.raw(String(part))} as part, u.ord
           from ${base} b, rows from (jsonb_to_recordset(${eventsJson(entry.events)}::jsonb)
                                     as (event_id uuid, type text, schema_version int, data jsonb, metadata jsonb))
                          with ordinality as u(event_id, type, schema_version, data, metadata, ord)`;
}

/** A new stream of the statement that existed already (tt_streams' key): the typed conflict, else null. */
async function existingStreamConflict(
  db: Kysely<EventStoreTables>,
  error: unknown,
  added: readonly StatementStream[],
): Promise<WrongExpectedVersionError | null> {
  const { code, constraint, detail } = (error ?? {}) as { code?: string; constraint?: string; detail?: string };
  if (code !== '23505' || constraint !== 'tt_streams_pkey') return null;
  // Only the further streams' inserts lack ON CONFLICT: the key that failed is one of theirs.
  const existing = added.find((entry) => detail?.includes(`(${entry.streamId})`)) ?? added[0]!;
  // Inside a caller's transaction the failed statement aborted it: no query can tell the version.
  const actual = db.isTransaction ? null : await streamVersion(db, existing.streamId);
  return new WrongExpectedVersionError(existing.streamId, parseExpected(existing.expected), actual);
}

/**
 * The events as one JSON array for jsonb_to_recordset, joined from their already serialised data
 * and metadata (nothing is escaped again), with each event's stream index (which a statement of
 * one stream's events does not read).
 */
function eventsJson(events: readonly PreparedEvent[]): string {
  return `[${events
    .map(
      (event) =>
        `{"stream":${event.stream},"event_id":${JSON.stringify(event.eventId)},"type":${JSON.stringify(event.type)},"schema_version":${event.schemaVersion},"data":${event.data},"metadata":${event.metadata}}`,
    )
    .join(',')}]`;
}

/**
 * The append and the caller's expression in one statement. Both CTEs are scanned, so both run, once
 * each (a CTE calling a volatile function is never inlined); an error in either aborts both.
 */
function withAlongside(append: RawBuilder<unknown>, alongside: RawBuilder<unknown>): RawBuilder<AppendRow> {
  return sql<AppendRow>`
    with appended as (select * from ${append}),
         alongside as (select ${alongside} as result)
    ${alongsideOnFirstRow}`;
}

/**
 * The appended rows with the alongside expression's value on the first of them only (null on the
 * others, which follow it): a group commit's value describes the whole batch, and sent on every row it would be
 * encoded and parsed once per event, growing with the square of the batch.
 */
const alongsideOnFirstRow = sql`
    select a.event_id, a.stream_id, a.stream_version, a.tx_id, a.seq, a.recorded_at,
           case when a.nth = 1 then alongside.result end as alongside
      from (select appended.*, row_number() over () as nth from appended) a cross join alongside
     order by a.nth`;

function toResult(eventIds: readonly string[], rows: readonly AppendRow[], replayed: boolean): AppendResult {
  const byId = new Map(rows.map((row) => [row.event_id, row]));
  const streamVersions: Record<string, number> = {};
  const appended: AppendedEvent[] = eventIds.map((eventId) => {
    // Every id has its row: the insert returns one per event, findStored all of them or none.
    const row = byId.get(eventId)!;
    const version = Number(row.stream_version);
    streamVersions[row.stream_id] = Math.max(streamVersions[row.stream_id] ?? 0, version);
    return { eventId, streamId: row.stream_id, version, position: encodePositionFromText(row.tx_id, row.seq), recordedAt: row.recorded_at };
  });
  // Fixed-width positions compare as strings in log order.
  const position = appended.reduce((last, event) => (event.position > last ? event.position : last), appended[0]!.position);
  return { events: appended, streamVersions, position, replayed };
}
