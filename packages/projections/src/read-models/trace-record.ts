import type { RecordedEvent } from '@tracktrove/event-store';
import { stepDtoKeys, type JsonValue } from '@tracktrove/domain';
import { diffJson, type JsonPatchOperation } from './json-diff.ts';
import { transactionIdOf } from './transaction-stream.ts';

export interface TraceActor {
  readonly role: string;
  readonly id: string;
}

/** One traced step of a transaction. */
export interface TraceRecord {
  readonly transactionId: string;
  readonly version: number;
  readonly position: string;
  readonly eventType: string;
  readonly step: string;
  readonly service: string | null;
  /** When the event was recorded (the log's time, ISO). */
  readonly at: string;
  readonly attempt: number | null;
  readonly durationMs: number | null;
  readonly dtoBefore: JsonValue;
  readonly dtoAfter: JsonValue;
  /** RFC 6902 patch from dtoBefore to dtoAfter. */
  readonly diff: JsonPatchOperation[];
  readonly error: { message: string; stack: string } | null;
  readonly actor: TraceActor | null;
  readonly correlationId: string | null;
  readonly causationId: string | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const whole = (value: unknown): number | null => (typeof value === 'number' && Number.isSafeInteger(value) ? value : null);
const json = (value: unknown): JsonValue => (value === undefined ? null : (value as JsonValue));

function errorOf(value: unknown): TraceRecord['error'] {
  if (typeof value !== 'object' || value === null) return null;
  const { message, stack } = value as Record<string, unknown>;
  if (typeof message !== 'string') return null;
  return { message, stack: typeof stack === 'string' ? stack : '' };
}

function actorOf(value: unknown): TraceActor | null {
  if (typeof value !== 'object' || value === null) return null;
  const { role, id } = value as Record<string, unknown>;
  return typeof role === 'string' && typeof id === 'string' ? { role, id } : null;
}

/** The metadata keys of an event's DTOs, which the traces read model reads from the log at query time. */
export const traceDtoKeys: readonly string[] = stepDtoKeys;

/**
 * A row of the traces read model: a trace without its DTOs and diff. The DTOs stay in the log's
 * metadata (they are most of an event's bytes); a query reads them for the one transaction asked
 * and computes the diff, so a rebuild neither reads nor writes them.
 */
export type TraceStepRecord = Omit<TraceRecord, 'dtoBefore' | 'dtoAfter' | 'diff'>;

/** The trace of one transaction event without its DTOs; see traceRecordOf. */
export function traceStepOf(event: RecordedEvent): TraceStepRecord {
  const metadata = (event.metadata ?? {}) as Record<string, unknown>;
  return {
    transactionId: transactionIdOf(event.streamId) ?? event.streamId,
    version: event.version,
    position: event.position,
    eventType: event.type,
    step: text(metadata.step) ?? event.type,
    service: text(metadata.service),
    at: event.recordedAt.toISOString(),
    attempt: whole(metadata.attempt),
    durationMs: whole(metadata.durationMs),
    error: errorOf(metadata.error),
    actor: actorOf(metadata.actor),
    correlationId: text(metadata.correlationId),
    causationId: text(metadata.causationId),
  };
}

/**
 * The trace of one transaction event, from its metadata. Tolerates missing fields (events appended
 * by tools or tests may carry none): the step falls back to the event type, numbers and DTOs to null.
 */
export function traceRecordOf(event: RecordedEvent): TraceRecord {
  const metadata = (event.metadata ?? {}) as Record<string, unknown>;
  const dtoBefore = json(metadata.dtoBefore);
  const dtoAfter = json(metadata.dtoAfter);
  return {
    transactionId: transactionIdOf(event.streamId) ?? event.streamId,
    version: event.version,
    position: event.position,
    eventType: event.type,
    step: text(metadata.step) ?? event.type,
    service: text(metadata.service),
    at: event.recordedAt.toISOString(),
    attempt: whole(metadata.attempt),
    durationMs: whole(metadata.durationMs),
    dtoBefore,
    dtoAfter,
    diff: diffJson(dtoBefore, dtoAfter),
    error: errorOf(metadata.error),
    actor: actorOf(metadata.actor),
    correlationId: text(metadata.correlationId),
    causationId: text(metadata.causationId),
  };
}
