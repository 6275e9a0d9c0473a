import { toTransactionEvent } from '@tracktrove/commands';
import { createLedgerChecker, evolve, initialState, postingsFor, type LedgerViolation, type TransactionState } from '@tracktrove/domain';
import type { SimulationBackend } from './backend.ts';

/** Transactions whose events are read at once. */
const chunkTransactions = 100;

export interface Outcomes {
  readonly states: Map<string, TransactionState>;
  readonly ledgerEntries: number;
  readonly violations: readonly LedgerViolation[];
}

/** The transactions' current states, and their ledger postings derived from the log and checked (never the read models). */
export async function foldOutcomes(backend: SimulationBackend, transactionIds: readonly string[]): Promise<Outcomes> {
  const states = new Map<string, TransactionState>();
  const checker = createLedgerChecker();
  let ledgerEntries = 0;
  for (let index = 0; index < transactionIds.length; index += chunkTransactions) {
    const chunk = transactionIds.slice(index, index + chunkTransactions);
    const streams = await backend.events(chunk);
    for (const id of chunk) {
      let state = initialState();
      for (const recorded of streams.get(id) ?? []) {
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
