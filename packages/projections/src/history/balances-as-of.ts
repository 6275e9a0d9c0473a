import { comparePositions, decodePosition, encodePosition, type EventStore } from '@tracktrove/event-store';
import { applyEntry, emptyBalances, transactionEventTypes, type TransactionState } from '@tracktrove/domain';
import { balancesViewOf, type BalancesView } from '../queries/balances-view.ts';
import { ledgerEntriesOf } from '../read-models/ledger-projection.ts';
import { transactionRecords } from '../read-models/transaction-stream.ts';

export const historyBatchSize = 5_000;

export interface BalancesAsOfView extends BalancesView {
  /** The position asked for: every event up to and including it is folded. */
  readonly asOf: string;
  readonly entryCount: number;
}

/**
 * Balances as of a past position, folded from the event log (not the read models): transaction
 * events are read in batches up to and including `position`, their postings applied in order.
 * Memory is bounded by the number of transactions and accounts, not events: one payload-free state
 * per transaction and one balance per account.
 */
export async function balancesAsOf(store: EventStore, position: string): Promise<BalancesAsOfView> {
  const target = decodePosition(position);
  const states = new Map<string, TransactionState>();
  const balances = emptyBalances();
  let after = decodePosition('start');
  for (;;) {
    const page = await store.readAll({ after, maxCount: historyBatchSize, types: transactionEventTypes });
    const inRange = page.events.filter((event) => comparePositions(event.logPosition, target) <= 0);
    for (const entry of ledgerEntriesOf(transactionRecords(inRange), states)) applyEntry(balances, entry);
    if (page.isEnd || inRange.length < page.events.length) break;
    after = page.position;
  }
  return { ...balancesViewOf(balances.accounts), asOf: encodePosition(target), entryCount: balances.entryCount };
}
