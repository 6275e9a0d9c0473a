import { toTransactionEvent, transactionStreamId, upcastTransactionEvent } from '@tracktrove/commands';
import { createLedgerChecker, evolve, initialState, postingsFor, stepDtoKeys, type LedgerViolation, type TransactionState } from '@tracktrove/domain';
import { readStreams, type StoreDatabase } from '@tracktrove/event-store';

/** Streams read per query: with up to ~40 events a transaction, well under the store's 10,000 per read. */
const chunkStreams = 100;

export interface Outcomes {
  readonly states: Map<string, TransactionState>;
  readonly ledgerEntries: number;
  readonly violations: readonly LedgerViolation[];
}

/** The transactions' current states, and their ledger postings derived from the log and checked (never the read models). */
export async function foldOutcomes(database: StoreDatabase, transactionIds: readonly string[]): Promise<Outcomes> {
  const states = new Map<string, TransactionState>();
  const checker = createLedgerChecker();
  let ledgerEntries = 0;
  for (let index = 0; index < transactionIds.length; index += chunkStreams) {
    const chunk = transactionIds.slice(index, index + chunkStreams);
    const streams = await readStreams(database.db, chunk.map(transactionStreamId), upcastTransactionEvent, { omitMetadataKeys: stepDtoKeys });
    for (const id of chunk) {
      let state = initialState();
      for (const recorded of streams.get(transactionStreamId(id)) ?? []) {
        const event = toTransactionEvent(recorded);
        const after = evolve(state, event);
        for (const entry of postingsFor(state, event, after)) {
          checker.add(entry);
          ledgerEntries += 1;
        }
        state = after;
      }
      states.set(id, state);
    }
  }
  return { states, ledgerEntries, violations: checker.finish(states) };
}
