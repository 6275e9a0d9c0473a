import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { EventIdConflictError, InvalidAppendError, WrongExpectedVersionError } from './errors.ts';
import { limits } from './limits.ts';
import { encodePosition, positionFromRow } from './position.ts';
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
    if (!Number.isSafeInteger(expected) || expected < 0) throw new InvalidAppendError(`expected version must be a whole number >= 0, got ${expected}`);
    return String(expected);
  }
  return expected;
}

function validate(appends: readonly StreamAppend[]): void {
  if (appends.length === 0) throw new InvalidAppendError('nothing to append');
  if (appends.length > limits.maxStreamsPerAppend) throw new InvalidAppendError(`at most ${limits.maxStreamsPerAppend} streams per append`);
  const total = appends.reduce((sum, append) => sum + append.events.length, 0);
  if (total > limits.maxEventsPerAppend) throw new InvalidAppendError(`at most ${limits.maxEventsPerAppend} events per append, got ${total}`);
  const seen = new Set<string>();
  for (const append of appends) {
    if (append.streamId.length === 0 || append.streamId.length > limits.maxStreamIdLength) throw new InvalidAppendError('stream id must have 1 to 200 characters');
    if (seen.has(append.streamId)) throw new InvalidAppendError(`stream ${append.streamId} appears twice in one append`);
    seen.add(append.streamId);
    if (append.events.length === 0) throw new InvalidAppendError(`no events for stream ${append.streamId}`);
    for (const event of append.events) {
      if (event.type.length === 0 || event.type.length > limits.maxTypeLength) throw new InvalidAppendError('event type must have 1 to 200 characters');
    }
  }
}

function parseRaised(error: unknown): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  const match = /tt_(wrong_expected_version|event_id_conflict):(\{.*\})/s.exec(error.message);
  if (!match) return undefined;
  const detail = JSON.parse(match[2]!) as Record<string, unknown>;
  if (match[1] === 'wrong_expected_version') {
    const expected = detail.expected as string;
    const parsedExpected: ExpectedVersion = /^\d+$/.test(expected) ? Number(expected) : (expected as ExpectedVersion);
    return new WrongExpectedVersionError(String(detail.streamId), parsedExpected, detail.actual === null ? null : Number(detail.actual));
  }
  return new EventIdConflictError((detail.eventIds as string[] | null) ?? []);
}

function isEventIdConflict(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23505' && (constraint === 'tt_events_event_id_key' || error.message.includes('tt_events_event_id_key'));
}

/**
 * The stored rows of the given event ids, or an EventIdConflictError when any id is stored with
 * other content (or only some are stored). Null when none is stored.
 */
async function findStored(db: Kysely<EventStoreTables>, streamIds: readonly string[], events: readonly PreparedEvent[]): Promise<AppendRow[] | null> {
  const { rows } = await sql<AppendRow & { same: boolean }>`
    select e.event_id, e.stream_id, e.stream_version, e.tx_id, e.seq, e.recorded_at,
           (e.stream_id = u.stream_id and e.type = u.type and e.schema_version = u.schema_version and e.data = u.data::jsonb) as same
      from unnest(${events.map((event) => event.eventId)}::uuid[], ${events.map((event) => streamIds[event.stream]!)}::text[],
                  ${events.map((event) => event.type)}::text[], ${events.map((event) => event.schemaVersion)}::int[],
                  ${events.map((event) => event.data)}::text[]) as u(event_id, stream_id, type, schema_version, data)
      join tt_events e on e.event_id = u.event_id`.execute(db);
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
export async function appendToStreams(db: Kysely<EventStoreTables>, appends: readonly StreamAppend[], options: AppendOptions = {}): Promise<AppendResult> {
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
    const append = sql`tt_append(${streamIds}::text[], ${expected}::text[], ${counts}::int[],
        ${events.map((event) => event.stream)}::int[], ${eventIds}::uuid[], ${events.map((event) => event.type)}::text[],
        ${events.map((event) => event.schemaVersion)}::int[], ${events.map((event) => event.data)}::text[],
        ${events.map((event) => event.metadata)}::text[])`;
    const { rows } = await (options.alongside ? withAlongside(append, options.alongside) : sql<AppendRow>`select * from ${append}`).execute(db);
    return { ...toResult(eventIds, rows, false), ...(options.alongside ? { alongside: rows[0]?.alongside } : {}) };
  } catch (error) {
    const raised = parseRaised(error);
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

/**
 * The append and the caller's expression in one statement. Both CTEs are scanned, so both run, once
 * each (a CTE calling a volatile function is never inlined); an error in either aborts both.
 */
function withAlongside(append: RawBuilder<unknown>, alongside: RawBuilder<unknown>): RawBuilder<AppendRow> {
  return sql<AppendRow>`
    with appended as (select * from ${append}),
         alongside as (select ${alongside} as result)
    select appended.*, alongside.result as alongside from appended cross join alongside`;
}

function toResult(eventIds: readonly string[], rows: readonly AppendRow[], replayed: boolean): AppendResult {
  const byId = new Map(rows.map((row) => [row.event_id, row]));
  const appended: AppendedEvent[] = eventIds.map((eventId) => {
    const row = byId.get(eventId);
    if (!row) throw new Error(`append returned no row for event ${eventId}`);
    return {
      eventId,
      streamId: row.stream_id,
      version: Number(row.stream_version),
      position: encodePosition(positionFromRow(row)),
      recordedAt: row.recorded_at,
    };
  });
  const streamVersions: Record<string, number> = {};
  for (const event of appended) streamVersions[event.streamId] = Math.max(streamVersions[event.streamId] ?? 0, event.version);
  const last = [...rows].sort((a, b) => (BigInt(a.tx_id) === BigInt(b.tx_id) ? Number(BigInt(a.seq) - BigInt(b.seq)) : BigInt(a.tx_id) < BigInt(b.tx_id) ? -1 : 1)).at(-1)!;
  return {
    events: appended,
    streamVersions,
    position: encodePosition(positionFromRow(last)),
    replayed,
  };
}
