import type { Actor, JsonValue, StoredEvent, Trace } from '../../api/types.ts';

/** One row of the timeline: a version of the stream, from its trace and its event. */
export interface TimelineStep {
  version: number;
  position: string;
  step: string;
  service: string;
  eventType: string | null;
  actor: Actor | null;
  at: string;
  attempt: number | null;
  durationMs: number | null;
  dtoBefore: JsonValue | undefined;
  dtoAfter: JsonValue | undefined;
  trace: Trace | null;
  event: StoredEvent | null;
  error: { message: string; stack?: string | null } | null;
}

/** Joins traces and events by version; either may be missing for a version. */
export function buildTimeline(traces: readonly Trace[], events: readonly StoredEvent[]): TimelineStep[] {
  const byVersion = new Map<number, { trace: Trace | null; event: StoredEvent | null }>();
  for (const trace of traces) byVersion.set(trace.version, { trace, event: null });
  for (const event of events) {
    const existing = byVersion.get(event.version);
    byVersion.set(event.version, { trace: existing?.trace ?? null, event });
  }
  return [...byVersion.entries()]
    .sort(([left], [right]) => left - right)
    .map(([version, { trace, event }]) => {
      const metadata = event?.metadata ?? {};
      const metadataError = metadata.error as TimelineStep['error'] | undefined;
      return {
        version,
        position: trace?.position ?? event?.position ?? '',
        step: trace?.step ?? metadata.step ?? event?.type ?? '?',
        service: trace?.service ?? metadata.service ?? '',
        eventType: event?.type ?? null,
        actor: metadata.actor ?? null,
        at: trace?.at ?? event?.recordedAt ?? '',
        attempt: trace?.attempt ?? metadata.attempt ?? null,
        durationMs: trace?.durationMs ?? metadata.durationMs ?? null,
        dtoBefore: trace?.dtoBefore ?? (metadata.dtoBefore as JsonValue | undefined),
        dtoAfter: trace?.dtoAfter ?? (metadata.dtoAfter as JsonValue | undefined),
        trace,
        event,
        error: trace?.error ?? metadataError ?? null,
      };
    });
}
