import { transactionStreamId } from '@tracktrove/domain';
import type { EventStore } from '@tracktrove/event-store';
import { transactionAtVersion, type TransactionView } from '@tracktrove/projections';
import { problems } from '../http/problem.ts';

/**
 * A transaction as the read model has it, or, when the read model has not seen it yet, a fold of its
 * stream to its latest version; 404 when the stream has no events.
 */
export async function findTransaction(
  store: EventStore,
  id: string,
  fromReadModel: () => Promise<TransactionView | null | undefined>,
): Promise<TransactionView> {
  const view = await fromReadModel();
  if (view) return view;
  const events = await store.readStream(transactionStreamId(id), { direction: 'backward', maxCount: 1 });
  const latest = events[0] ? await transactionAtVersion(store, id, events[0].version) : null;
  if (!latest) throw problems.notFound(`no transaction ${id}`);
  return latest;
}
