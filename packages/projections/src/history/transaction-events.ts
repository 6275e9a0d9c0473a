import { decodeCursor, encodeCursor, pageSize, type EventStore, type Page, type RecordedEvent } from '@tracktrove/event-store';
import { transactionStreamId } from '../read-models/transaction-stream.ts';

export interface ListTransactionEventsOptions {
  /** 1 to 500, default 50. */
  readonly limit?: number;
  readonly cursor?: string | null;
}

/** A stream version as a cursor carries it: a whole number from 1, within a safe integer. */
const versionPattern = /^[1-9][0-9]{0,14}$/;

/**
 * A transaction's events in stream order, keyset-paged by version (versions start at 1 and grow by
 * exactly 1, so the cursor is the last version sent). Null when the transaction is unknown.
 */
export async function listTransactionEvents(
  store: EventStore,
  transactionId: string,
  options: ListTransactionEventsOptions = {},
): Promise<Page<RecordedEvent> | null> {
  const limit = pageSize(options.limit);
  const afterVersion = options.cursor ? Number(decodeCursor(options.cursor, 1, ([version]) => versionPattern.test(version!))[0]) : 0;
  const streamId = transactionStreamId(transactionId);
  const events = await store.readStream(streamId, { fromVersion: afterVersion + 1, maxCount: limit + 1 });
  if (events.length === 0) {
    // Past the end of a known stream is an empty last page; no stream at all is an unknown transaction.
    const known = afterVersion > 0 && (await store.readStream(streamId, { direction: 'backward', maxCount: 1 })).length > 0;
    return known ? { items: [], nextCursor: null } : null;
  }
  const page = events.slice(0, limit);
  return { items: page, nextCursor: events.length > limit ? encodeCursor([String(page.at(-1)!.version)]) : null };
}
