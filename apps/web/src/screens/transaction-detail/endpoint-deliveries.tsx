import { useEffect } from 'react';
import type { EndpointDelivery } from '../../api/types.ts';
import { listTransactionEndpointDeliveries, redeliverEndpointDelivery } from '../../api/webhook-endpoints-api.ts';
import { useApiData } from '../../components/use-api-data.ts';
import { formatDurationMs, formatTime, shortId } from '../../format/format.ts';
import { attemptText } from './attempt-text.ts';
import { createdCell, DeliveryPanel, statusCell, type DeliveryColumn } from './delivery-panel.tsx';

const pollWhileWaitingMs = 2_000;

/**
 * The transaction's deliveries to the developer's webhook endpoints: one per event and endpoint
 * (two when duplicated), with the faults injected and every attempt ("500 after 120 ms, next try in 4 s").
 */
export function EndpointDeliveries({ transactionId, reloadKey }: { transactionId: string; reloadKey: number }) {
  const deliveries = useApiData((signal) => listTransactionEndpointDeliveries(transactionId, signal), [transactionId, reloadKey]);
  const items = deliveries.data ?? [];
  // Attempts are rows of the delivery log, not events of the stream: look again while some are still to come.
  const waiting = items.some((delivery) => delivery.status === 'scheduled' || delivery.status === 'retrying');
  useEffect(() => {
    if (!waiting || deliveries.loading) return;
    const timer = setTimeout(deliveries.reload, pollWhileWaitingMs);
    return () => clearTimeout(timer);
  }, [waiting, deliveries.loading, deliveries.reload]);
  return (
    <DeliveryPanel
      title="Endpoint deliveries"
      subtitle="this transaction’s events as your webhook endpoints got them, newest first"
      testId="endpoint-deliveries"
      emptyText="No endpoint deliveries for this transaction (see the Webhooks tab)."
      deliveries={deliveries}
      columns={endpointColumns}
      rowTestId="endpoint-delivery"
      rowData={(delivery) => ({ 'data-status': delivery.status, 'data-type': delivery.type })}
      redeliver={{
        send: redeliverEndpointDelivery,
        title: 'POST /api/endpoint-deliveries/:id/redeliver: send it again now',
        testId: 'endpoint-redeliver',
      }}
      details={(delivery) => (
        <>
          <div className="mono dim">traceparent {delivery.traceparent}</div>
          <ol className="delivery-attempts">
            {delivery.attempts.map((attempt) => (
              <li key={attempt.attempt}>
                <span className="mono">
                  #{attempt.attempt} {formatTime(attempt.at)}
                </span>
                {attempt.responseBody && <pre className="mono delivery-body">{attempt.responseBody}</pre>}
              </li>
            ))}
          </ol>
        </>
      )}
    />
  );
}

const endpointColumns: readonly DeliveryColumn<EndpointDelivery>[] = [
  { header: 'created', cell: (delivery) => createdCell(delivery.createdAt) },
  { header: 'event', cell: (delivery) => <td className="mono">{delivery.type}</td> },
  { header: 'endpoint', cell: (delivery) => <td className="mono dim">{shortId(delivery.endpointId)}</td> },
  { header: 'status', cell: (delivery) => statusCell(delivery.status) },
  { header: 'faults', cell: (delivery) => <td>{injectedText(delivery)}</td> },
  {
    header: 'attempts',
    cell: (delivery) => (
      <td className="mono" data-testid="endpoint-delivery-attempts">
        {delivery.attempts.map((attempt, index) => (
          <span key={attempt.attempt} className="delivery-attempt-line">
            #{attempt.attempt} {attemptText(attempt, index === delivery.attempts.length - 1 && delivery.status === 'failed')}
          </span>
        ))}
        {delivery.attempts.length === 0 && (
          <span className="dim">{delivery.nextAttemptAt ? `due ${formatTime(delivery.nextAttemptAt)}` : '—'}</span>
        )}
      </td>
    ),
  },
];

function injectedText(delivery: EndpointDelivery): string {
  const { injected } = delivery;
  const parts: string[] = [];
  if (injected.dropped) parts.push('dropped');
  if (injected.duplicateOf) parts.push(`duplicate of ${shortId(injected.duplicateOf)}`);
  if (injected.delayMs > 0) parts.push(`delayed ${formatDurationMs(injected.delayMs)}`);
  if (injected.reordered) parts.push('reordered');
  if (injected.slow) parts.push('slow');
  return parts.join(', ') || '—';
}
