import type { RecordedEvent } from '@tracktrove/event-store';

/** The event object of api.md, as every route and stream shows it. */
export interface EventView {
  readonly eventId: string;
  readonly position: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
  readonly recordedAt: string;
}

export function toEventView(event: RecordedEvent): EventView {
  return {
    eventId: event.eventId,
    position: event.position,
    streamId: event.streamId,
    version: event.version,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt.toISOString(),
  };
}

const eventMessages = new WeakMap<RecordedEvent, string>();

/** The stream message for an event, serialized once however many clients receive it. */
export function eventMessage(event: RecordedEvent): string {
  let message = eventMessages.get(event);
  if (message === undefined) {
    message = JSON.stringify({ kind: 'event', event: toEventView(event) });
    eventMessages.set(event, message);
  }
  return message;
}
