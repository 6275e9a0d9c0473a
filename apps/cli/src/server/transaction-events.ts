import { uuidV5 } from '@tracktrove/common';
import { decodePosition, type RecordedEvent } from '@tracktrove/event-store';
import { ServerRequestError, type ServerApi } from './server-api.ts';

/** An event object as the server's routes and stream send it (api.md). */
export interface EventView {
  /** Absent from servers before it was added to the event object. */
  readonly eventId?: string;
  readonly position: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
  readonly recordedAt: string;
}

/** The recorded event an event object shows; a server from before eventId was in its event objects gives an id of the event's own. */
export function recordedEventOf(view: EventView): RecordedEvent {
  return {
    ...view,
    logPosition: decodePosition(view.position),
    eventId: view.eventId ?? uuidV5(`event|${view.streamId}|${view.version}`),
    recordedAt: new Date(view.recordedAt),
  };
}

/** Pages of a transaction's events read at most; 500 events a page. */
const maxPages = 20;

/** A transaction's events from GET /api/transactions/:id/events (the log, not a read model); null when there is no such transaction. */
export async function readTransactionEvents(api: ServerApi, transactionId: string): Promise<RecordedEvent[] | null> {
  const events: RecordedEvent[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page += 1) {
    let answer: { items: EventView[]; nextCursor: string | null };
    try {
      answer = await api.request(
        'GET',
        `/api/transactions/${encodeURIComponent(transactionId)}/events?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
    } catch (error) {
      if (error instanceof ServerRequestError && error.status === 404) return null;
      throw error;
    }
    for (const view of answer.items) events.push(recordedEventOf(view));
    cursor = answer.nextCursor;
    if (cursor === null) break;
  }
  return events;
}
