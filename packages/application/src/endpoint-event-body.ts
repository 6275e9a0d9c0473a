import { occurredAt, type TransactionState } from '@tracktrove/domain';
import type { DescribedEvent, DeliveryRow } from '@tracktrove/endpoints';
import type { EventStore, RecordedEvent } from '@tracktrove/event-store';
import { foldRecord, isTransactionRecord, transactionViewOf } from '@tracktrove/projections';
import { simulationInForce, type FailureSettings } from '@tracktrove/simulator';
import { endpointEventTypeOf, eventIdOf, type DeliveryBody } from '@tracktrove/webhooks';
import { NotFoundError } from './errors.ts';

/** Events described recently, by event id: every endpoint of one event shares one fold. */
const cacheLimit = 1000;

/**
 * A delivery's body from its transaction's events up to and including the event (in stream order,
 * from version 1): what the server sends, and what `tracktrove listen` can build from the stream.
 * Null when the records do not end at a transaction event that makes deliveries.
 */
export function deliveryBodyOf(records: readonly RecordedEvent[]): { body: DeliveryBody; state: TransactionState } | null {
  let fold: ReturnType<typeof foldRecord> | null = null;
  for (const record of records) {
    if (!isTransactionRecord(record)) return null;
    fold = foldRecord(fold?.after, record);
  }
  const last = records.at(-1);
  const type = last ? endpointEventTypeOf(last.type) : null;
  if (!fold || !last || !type) return null;
  const transactionId = last.streamId.slice('txn-'.length);
  return {
    body: {
      id: eventIdOf(last.eventId),
      type,
      createdAt: occurredAt(fold.event),
      position: last.position,
      transactionId,
      previousStatus: fold.before.version === 0 ? null : fold.before.status,
      data: { transaction: transactionViewOf(fold.after, last.position) },
    },
    state: fold.after,
  };
}

/**
 * The body of a delivery, as its receiver gets it: the event's id, type and time, its position, the
 * transaction as GET /api/transactions/:id shows it at that version, and the status before it; and
 * the seed its faults are drawn with (the transaction's simulation seed in force). Folded from the
 * transaction's stream up to the event.
 */
export function endpointEventDescriber(
  store: EventStore,
  failures: () => FailureSettings,
): (delivery: DeliveryRow) => Promise<DescribedEvent> {
  const cache = new Map<string, Promise<DescribedEvent>>();
  const describe = async (delivery: DeliveryRow): Promise<DescribedEvent> => {
    const version = Number(delivery.stream_version);
    const records = await store.readStream(`txn-${delivery.transaction_id}`, { fromVersion: 1, maxCount: version });
    const described = records.at(-1)?.eventId === delivery.event_id ? deliveryBodyOf(records) : null;
    if (!described) throw new NotFoundError('transaction event', `${delivery.transaction_id}@${version}`);
    return { body: JSON.stringify(described.body), seed: simulationInForce(described.state, failures()).seed };
  };
  return (delivery) => {
    const cached = cache.get(delivery.event_id);
    if (cached) return cached;
    const described = describe(delivery);
    cache.set(delivery.event_id, described);
    described.catch(() => cache.delete(delivery.event_id));
    if (cache.size > cacheLimit) cache.delete(cache.keys().next().value!);
    return described;
  };
}
