import { decodePosition, type RecordedEvent } from '@tracktrove/event-store';
import { ServerRequestError, type ServerApi } from './server-api.ts';

interface EventView {
  readonly position: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
  readonly recordedAt: string;
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
    // The view has no event id; nothing the CLI does with these events reads it.
    for (const view of answer.items)
      events.push({ ...view, logPosition: decodePosition(view.position), eventId: '', recordedAt: new Date(view.recordedAt) });
    cursor = answer.nextCursor;
    if (cursor === null) break;
  }
  return events;
}
