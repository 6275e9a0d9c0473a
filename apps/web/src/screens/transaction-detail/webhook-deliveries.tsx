import { RedeliverButton } from '../../components/redeliver-button.tsx';
import { Fragment, useState } from 'react';
import type { WebhookDelivery } from '../../api/types.ts';
import { listTransactionDeliveries, redeliverWebhook } from '../../api/webhooks-api.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useApiData } from '../../components/use-api-data.ts';
import { useCommand } from '../../components/use-command.ts';
import { formatDurationMs, formatTime, shortId } from '../../format/format.ts';
import { useStreamMessages } from '../../stream/stream-context.tsx';

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
  const [expanded, setExpanded] = useState<string | null>(null);
  const redeliver = useCommand((deliveryId: string) => redeliverWebhook(deliveryId), deliveries.reload);

  // Delivery attempts are events of their own streams (webhook-<id>) that name the transaction.
  useStreamMessages((message) => {
    if (message.kind !== 'event' || !message.event.streamId.startsWith('webhook-')) return;
    if (message.event.data.transactionId === transactionId) setDeliveryPosition(message.event.position);
  });

  const items = deliveries.data ?? [];
  return (
    <section className="panel" data-testid="webhook-deliveries">
      <div className="panel-head">
        <h3>Webhook deliveries</h3>
        <span className="dim">the gateway’s callbacks for this transaction, with failure injection and every attempt</span>
        <button type="button" onClick={deliveries.reload}>
          {deliveries.loading ? 'loading…' : 'refresh'}
        </button>
      </div>
      <ProblemNotice problem={deliveries.problem ?? redeliver.problem} />
      {items.length === 0 ? (
        <div className="empty" data-testid="webhook-deliveries-empty">
          {deliveries.loading ? 'loading…' : 'No webhook deliveries for this transaction.'}
        </div>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>scheduled</th>
              <th>type</th>
              <th>status</th>
              <th>injection</th>
              <th className="number">attempts</th>
              <th>due · next retry</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((delivery) => (
              <Fragment key={delivery.id}>
                <tr
                  className="clickable"
                  onClick={() => setExpanded(expanded === delivery.id ? null : delivery.id)}
                  data-testid="webhook-delivery"
                  data-delivery-id={delivery.id}
                  data-status={delivery.status}
                  data-dropped={delivery.injection.dropped}
                  data-attempts={delivery.attemptCount}
                >
                  <td className="mono dim">{formatTime(delivery.createdAt)}</td>
                  <td className="mono">{delivery.type}</td>
                  <td>
                    <span className={`delivery-status delivery-${delivery.status}`}>{delivery.status}</span>
                  </td>
                  <td>{injectionText(delivery)}</td>
                  <td className="number mono">{delivery.attemptCount}</td>
                  <td className="mono dim">
                    {formatTime(delivery.dueAt)}
                    {delivery.nextRetryAt && ` · retry ${formatTime(delivery.nextRetryAt)}`}
                  </td>
                  <td>
                    <RedeliverButton
                      pending={redeliver.pending}
                      onRedeliver={() => void redeliver.run(delivery.id)}
                      title="POST /api/webhooks/deliveries/:id/redeliver: send this webhook again now"
                      testId="webhook-redeliver"
                    />
                  </td>
                </tr>
                {expanded === delivery.id && (
                  <tr className="expanded-row">
                    <td colSpan={7}>
                      <DeliveryAttempts delivery={delivery} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

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
