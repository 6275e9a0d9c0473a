import { occurredAt } from '@tracktrove/domain';
import type { DescribedEvent, DeliveryRow } from '@tracktrove/endpoints';
import type { EventStore } from '@tracktrove/event-store';
import { foldRecord, isTransactionRecord, transactionViewOf } from '@tracktrove/projections';
import { simulationInForce, type FailureSettings } from '@tracktrove/simulator';
import { eventIdOf, type DeliveryBody } from '@tracktrove/webhooks';
import { NotFoundError } from './errors.ts';

/** Events described recently, by event id: every endpoint of one event shares one fold. */
const cacheLimit = 1000;

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
    const events = await store.readStream(`txn-${delivery.transaction_id}`, { fromVersion: 1, maxCount: version });
    let fold: ReturnType<typeof foldRecord> | null = null;
    for (const record of events) {
      if (!isTransactionRecord(record)) break;
      fold = foldRecord(fold?.after, record);
    }
    const last = events.at(-1);
    if (!fold || !last || last.version !== version || last.eventId !== delivery.event_id)
      throw new NotFoundError('transaction event', `${delivery.transaction_id}@${version}`);
    const body: DeliveryBody = {
      id: eventIdOf(delivery.event_id),
      type: delivery.type,
      createdAt: occurredAt(fold.event),
      position: last.position,
      transactionId: delivery.transaction_id,
      previousStatus: fold.before.version === 0 ? null : fold.before.status,
      data: { transaction: transactionViewOf(fold.after, last.position) },
    };
    return { body: JSON.stringify(body), seed: simulationInForce(fold.after, failures()).seed };
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
