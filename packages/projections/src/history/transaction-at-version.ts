import type { EventStore } from '@tracktrove/event-store';
import type { TransactionState } from '@tracktrove/domain';
import { foldRecord, isTransactionRecord, transactionStreamId } from '../read-models/transaction-stream.ts';
import { transactionViewOf, type TransactionView } from '../read-models/transaction-view.ts';

const pageSize = 1_000;

/**
 * The transaction object as of a version, folded from its stream. Null when the stream has no
 * event at that version (unknown transaction, version beyond the end, or a version below 1).
 */
export async function transactionAtVersion(store: EventStore, transactionId: string, version: number): Promise<TransactionView | null> {
  if (!Number.isSafeInteger(version) || version < 1) return null;
  const streamId = transactionStreamId(transactionId);
  let state: TransactionState | undefined;
  let position = '';
  let fromVersion = 1;
  while (fromVersion <= version) {
    const events = await store.readStream(streamId, { fromVersion, maxCount: Math.min(pageSize, version - fromVersion + 1) });
    if (events.length === 0) break;
    for (const record of events) {
      if (!isTransactionRecord(record)) return null;
      state = foldRecord(state, record).after;
      position = record.position;
    }
    fromVersion += events.length;
  }
  return state && state.version === version ? transactionViewOf(state, position) : null;
}
