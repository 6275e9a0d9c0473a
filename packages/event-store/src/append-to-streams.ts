import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { EventIdConflictError, InvalidAppendError, WrongExpectedVersionError } from './errors.ts';
import { limits } from './limits.ts';
import { encodePosition, positionFromRow } from './position.ts';
import type { EventStoreTables } from './schema.ts';
import type { AppendedEvent, AppendResult, ExpectedVersion, StreamAppend } from './types.ts';

interface AppendRow {
  event_id: string;
  stream_id: string;
  stream_version: string;
  tx_id: string;
  seq: string;
  recorded_at: Date;
  existing: boolean;
}

function expectedToJson(expected: ExpectedVersion): string | number {
  if (typeof expected === 'number') {
    if (!Number.isSafeInteger(expected) || expected < 0) throw new InvalidAppendError(`expected version must be a whole number >= 0, got ${expected}`);
    return expected;
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

function isEventIdRace(error: unknown): boolean {
  return error instanceof Error && (error as { code?: string }).code === '23505' && /tt_events_event_id_key/.test(error.message + String((error as { constraint?: string }).constraint));
}

/**
 * Appends to one or several streams atomically: either every event is committed or none is.
 * Each stream's expected version is checked under a row lock. Appending event ids that are all
 * stored already, with the same content, returns their original positions and appends nothing.
 */
export async function appendToStreams(db: Kysely<EventStoreTables>, appends: readonly StreamAppend[]): Promise<AppendResult> {
  validate(appends);
  const streams = appends.map((append) => ({ streamId: append.streamId, expected: expectedToJson(append.expectedVersion ?? 'any') }));
  const events = appends.flatMap((append, stream) =>
    append.events.map((event) => ({
      stream,
      eventId: event.eventId ?? randomUUID(),
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: event.data ?? null,
      metadata: event.metadata ?? {},
    })),
  );
  const call = () => sql<AppendRow>`select * from tt_append(${JSON.stringify(streams)}::jsonb, ${JSON.stringify(events)}::jsonb)`.execute(db);
  let rows: AppendRow[];
  try {
    rows = (await call()).rows;
  } catch (error) {
    // Two callers appending the same new ids at once: the loser retries and finds them stored.
    if (isEventIdRace(error)) {
      try {
        rows = (await call()).rows;
      } catch (retryError) {
        throw parseRaised(retryError) ?? retryError;
      }
    } else {
      throw parseRaised(error) ?? error;
    }
  }
  return toResult(events.map((event) => event.eventId), rows);
}

function toResult(eventIds: readonly string[], rows: readonly AppendRow[]): AppendResult {
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
    replayed: rows.every((row) => row.existing),
  };
}
