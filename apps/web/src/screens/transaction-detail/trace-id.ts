import { transactionTraceOf } from '@tracktrove/domain';
import type { StoredEvent } from '../../api/types.ts';

/**
 * A transaction's W3C trace id, as the server gives its events: the `traceparent` it was initiated
 * with, else its id's hex digits (the domain's trace-context.ts, the one rule for both).
 */
export function traceIdOfEvents(transactionId: string, events: readonly StoredEvent[]): string {
  const initiated = events.find((event) => event.type === 'TransactionInitiated');
  const traceparent = typeof initiated?.data.traceparent === 'string' ? initiated.data.traceparent : null;
  return transactionTraceOf({ transactionId, traceparent }).traceId;
}
