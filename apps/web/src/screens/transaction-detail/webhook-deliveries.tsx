import { useState } from 'react';
import type { WebhookDelivery } from '../../api/types.ts';
import { listTransactionDeliveries, redeliverWebhook } from '../../api/webhooks-api.ts';
import { useApiData } from '../../components/use-api-data.ts';
import { formatDurationMs, formatTime, shortId } from '../../format/format.ts';
import { useStreamMessages } from '../../stream/stream-context.tsx';
import { createdCell, DeliveryPanel, statusCell, type DeliveryColumn } from './delivery-panel.tsx';

interface WebhookDeliveriesProps {
  transactionId: string;
  /** Changes whenever the transaction's own stream moved; deliveries reload with it. */
  minPosition: string | undefined;
  reloadKey: number;
}

/**
 * The gateway's callbacks for one transaction: dropped, duplicated or delayed by failure injection,
 * every attempt with its response, and a way to deliver one again.
 */
export function WebhookDeliveries({ transactionId, minPosition, reloadKey }: WebhookDeliveriesProps) {
  const [deliveryPosition, setDeliveryPosition] = useState<string | undefined>(undefined);
  const readFrom = deliveryPosition ?? minPosition;
  const deliveries = useApiData(
    (signal) => listTransactionDeliveries(transactionId, readFrom, signal),
    [transactionId, readFrom, reloadKey],
  );
  // Delivery attempts are events of their own streams (webhook-<id>) that name the transaction.
  useStreamMessages((message) => {
    if (message.kind !== 'event' || !message.event.streamId.startsWith('webhook-')) return;
    if (message.event.data.transactionId === transactionId) setDeliveryPosition(message.event.position);
  });

  return (
    <DeliveryPanel
      title="Webhook deliveries"
      subtitle="the gateway’s callbacks for this transaction, with failure injection and every attempt"
      testId="webhook-deliveries"
      emptyText="No webhook deliveries for this transaction."
      deliveries={deliveries}
      columns={webhookColumns}
      rowTestId="webhook-delivery"
      rowData={(delivery) => ({
        'data-status': delivery.status,
        'data-dropped': delivery.injection.dropped,
        'data-attempts': delivery.attemptCount,
      })}
      redeliver={{
        send: redeliverWebhook,
        title: 'POST /api/webhooks/deliveries/:id/redeliver: send this webhook again now',
        testId: 'webhook-redeliver',
      }}
      details={(delivery) => <DeliveryAttempts delivery={delivery} />}
    />
  );
}

const webhookColumns: readonly DeliveryColumn<WebhookDelivery>[] = [
  { header: 'scheduled', cell: (delivery) => createdCell(delivery.createdAt) },
  { header: 'type', cell: (delivery) => <td className="mono">{delivery.type}</td> },
  { header: 'status', cell: (delivery) => statusCell(delivery.status) },
  { header: 'injection', cell: (delivery) => <td>{injectionText(delivery)}</td> },
  { header: 'attempts', headerClassName: 'number', cell: (delivery) => <td className="number mono">{delivery.attemptCount}</td> },
  {
    header: 'due · next retry',
    cell: (delivery) => (
      <td className="mono dim">
        {formatTime(delivery.dueAt)}
        {delivery.nextRetryAt && ` · retry ${formatTime(delivery.nextRetryAt)}`}
      </td>
    ),
  },
];

function injectionText(delivery: WebhookDelivery): string {
  const { injection } = delivery;
  const parts: string[] = [];
  if (injection.dropped) parts.push(`dropped${injection.reason ? ` (${injection.reason})` : ''}`);
  if (injection.duplicateOf) parts.push(`duplicate of ${shortId(injection.duplicateOf)}`);
  if (injection.extraDelayMs > 0) parts.push(`delayed +${formatDurationMs(injection.extraDelayMs)}`);
  if (parts.length === 0 && injection.reason) parts.push(injection.reason);
  return parts.join(', ') || '—';
}

function DeliveryAttempts({ delivery }: { delivery: WebhookDelivery }) {
  if (delivery.attempts.length === 0) return <div className="dim">No attempt yet: due {formatTime(delivery.dueAt)}.</div>;
  return (
    <ol className="delivery-attempts" data-testid="webhook-attempts">
      {delivery.attempts.map((attempt) => (
        <li key={attempt.attempt} data-outcome={attempt.outcome}>
          <span className="mono">
            #{attempt.attempt} {formatTime(attempt.at)} {attempt.outcome}
            {attempt.status !== null && ` · HTTP ${attempt.status}`}
          </span>
          {attempt.error && <span className="bad-flag"> {attempt.error}</span>}
          {attempt.response?.body && <pre className="mono delivery-body">{attempt.response.body}</pre>}
        </li>
      ))}
    </ol>
  );
}
