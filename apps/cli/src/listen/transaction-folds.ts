import { transactionIdOf, upcastTransactionEvent } from '@tracktrove/commands';
import { evolve, initialState, parseEvent, type TransactionEvent, type TransactionState } from '@tracktrove/domain';
import type { RecordedEvent } from '@tracktrove/event-store';
import type { ServerApi } from '../server/server-api.ts';
import { readTransactionEvents } from '../server/transaction-events.ts';

/** Transactions whose state is kept between their events; the least recently seen goes first. */
export const maxFoldedTransactions = 10_000;

/** A transaction event with the transaction's state before and after it. */
export interface TransactionStep {
  readonly transactionId: string;
  readonly before: TransactionState;
  readonly after: TransactionState;
}

/**
 * The states of the transactions the stream shows, folded event by event. A transaction first seen
 * mid-life (the stream started after its first events), or one whose previous event was not seen,
 * is read from GET /api/transactions/:id/events up to the event and folded from there. Call in log
 * order (one call at a time).
 */
export function createTransactionFolds(api: ServerApi) {
  const states = new Map<string, TransactionState>();

  async function stateBefore(transactionId: string, version: number): Promise<TransactionState> {
    const known = states.get(transactionId);
    if (known && known.version === version - 1) return known;
    if (version === 1) return initialState();
    const events = (await readTransactionEvents(api, transactionId)) ?? [];
    let state = initialState();
    for (const event of events) {
      if (event.version >= version) break;
      state = evolve(state, domainEventOf(event));
    }
    if (state.version !== version - 1)
      throw new Error(`transaction ${transactionId}: its events up to version ${version - 1} could not be read`);
    return state;
  }

  return {
    /** The step of a transaction's event; null for an event of another stream. */
    async stepOf(event: RecordedEvent): Promise<TransactionStep | null> {
      const transactionId = transactionIdOf(event.streamId);
      if (transactionId === null) return null;
      const before = await stateBefore(transactionId, event.version);
      const after = evolve(before, domainEventOf(event));
      states.delete(transactionId);
      states.set(transactionId, after);
      if (states.size > maxFoldedTransactions) states.delete(states.keys().next().value!);
      return { transactionId, before, after };
    },
  };
}

/** A stored event (as the API shows it) as a domain event: upcast to today's schema, validated. */
function domainEventOf(event: RecordedEvent): TransactionEvent {
  const current = upcastTransactionEvent(event);
  return parseEvent(current.type, current.schemaVersion, current.data);
}

export type TransactionFolds = ReturnType<typeof createTransactionFolds>;
