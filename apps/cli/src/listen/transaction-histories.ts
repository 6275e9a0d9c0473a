import { transactionIdOf } from '@tracktrove/commands';
import type { RecordedEvent } from '@tracktrove/event-store';
import type { ServerApi } from '../server/server-api.ts';
import { readTransactionEvents } from '../server/transaction-events.ts';

/** Transactions whose events are kept between their events; the least recently seen goes first. */
export const maxKeptTransactions = 10_000;

/** What a delivery's body is folded from: the event's type, version and data (metadata, DTOs and all, left out). */
const foldable = (event: RecordedEvent): RecordedEvent => ({ ...event, metadata: {} });

/**
 * The events of the transactions the stream shows, each transaction's from version 1 up to the
 * event at hand: what a delivery's body is folded from (the application's deliveryBodyOf, as the
 * server's endpoint deliveries are). A transaction first seen mid-life (the stream started after
 * its first events) is read once from GET /api/transactions/:id/events. Call in log order, one call
 * at a time.
 */
export function createTransactionHistories(api: ServerApi) {
  const histories = new Map<string, RecordedEvent[]>();

  async function before(transactionId: string, version: number): Promise<RecordedEvent[]> {
    if (version === 1) return [];
    const known = histories.get(transactionId);
    if (known && known.at(-1)?.version === version - 1) return known;
    const events = (await readTransactionEvents(api, transactionId)) ?? [];
    const earlier = events.filter((event) => event.version < version).map(foldable);
    if (earlier.length !== version - 1 || earlier.some((event, index) => event.version !== index + 1))
      throw new Error(`transaction ${transactionId}: its events up to version ${version - 1} could not be read`);
    return earlier;
  }

  return {
    /** The transaction's events up to and including this one; null for an event of another stream. */
    async historyOf(event: RecordedEvent): Promise<readonly RecordedEvent[] | null> {
      const transactionId = transactionIdOf(event.streamId);
      if (transactionId === null) return null;
      const history = [...(await before(transactionId, event.version)), foldable(event)];
      histories.delete(transactionId);
      histories.set(transactionId, history);
      if (histories.size > maxKeptTransactions) histories.delete(histories.keys().next().value!);
      return history;
    },
  };
}

export type TransactionHistories = ReturnType<typeof createTransactionHistories>;
