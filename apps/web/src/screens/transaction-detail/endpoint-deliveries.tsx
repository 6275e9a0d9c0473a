import { RedeliverButton } from '../../components/redeliver-button.tsx';
import { Fragment, useEffect, useState } from 'react';
import type { EndpointDelivery } from '../../api/types.ts';
import { listTransactionEndpointDeliveries, redeliverEndpointDelivery } from '../../api/webhook-endpoints-api.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useApiData } from '../../components/use-api-data.ts';
import { useCommand } from '../../components/use-command.ts';
import { formatDurationMs, formatTime, shortId } from '../../format/format.ts';
import { attemptText } from './attempt-text.ts';

const pollWhileWaitingMs = 2_000;

/**
 * The transaction's deliveries to the developer's webhook endpoints: one per event and endpoint
 * (two when duplicated), with the faults injected and every attempt ("500 after 120 ms, next try in 4 s").
 */
export function EndpointDeliveries({ transactionId, reloadKey }: { transactionId: string; reloadKey: number }) {
  const deliveries = useApiData((signal) => listTransactionEndpointDeliveries(transactionId, signal), [transactionId, reloadKey]);
  const [expanded, setExpanded] = useState<string | null>(null);
  const redeliver = useCommand((id: string) => redeliverEndpointDelivery(id), deliveries.reload);
  const items = deliveries.data ?? [];
  // Attempts are rows of the delivery log, not events of the stream: look again while some are still to come.
  const waiting = items.some((delivery) => delivery.status === 'scheduled' || delivery.status === 'retrying');
  useEffect(() => {
    if (!waiting || deliveries.loading) return;
    const timer = setTimeout(deliveries.reload, pollWhileWaitingMs);
    return () => clearTimeout(timer);
  }, [waiting, deliveries.loading, deliveries.reload]);
  return (
    <section className="panel" data-testid="endpoint-deliveries">
      <div className="panel-head">
        <h3>Endpoint deliveries</h3>
        <span className="dim">this transaction’s events as your webhook endpoints got them, newest first</span>
        <button type="button" onClick={deliveries.reload}>
          {deliveries.loading ? 'loading…' : 'refresh'}
        </button>
      </div>
      <ProblemNotice problem={deliveries.problem ?? redeliver.problem} />
      {items.length === 0 ? (
        <div className="empty" data-testid="endpoint-deliveries-empty">
          {deliveries.loading ? 'loading…' : 'No endpoint deliveries for this transaction (see the Webhooks tab).'}
        </div>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>created</th>
              <th>event</th>
              <th>endpoint</th>
              <th>status</th>
              <th>faults</th>
              <th>attempts</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((delivery) => (
              <Fragment key={delivery.id}>
                <tr
                  className="clickable"
                  onClick={() => setExpanded(expanded === delivery.id ? null : delivery.id)}
                  data-testid="endpoint-delivery"
                  data-delivery-id={delivery.id}
                  data-status={delivery.status}
                  data-type={delivery.type}
                >
                  <td className="mono dim">{formatTime(delivery.createdAt)}</td>
                  <td className="mono">{delivery.type}</td>
                  <td className="mono dim">{shortId(delivery.endpointId)}</td>
                  <td>
                    <span className={`delivery-status delivery-${delivery.status}`}>{delivery.status}</span>
                  </td>
                  <td>{injectedText(delivery)}</td>
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
                  <td>
                    <RedeliverButton
                      pending={redeliver.pending}
                      onRedeliver={() => void redeliver.run(delivery.id)}
                      title="POST /api/endpoint-deliveries/:id/redeliver: send it again now"
                      testId="endpoint-redeliver"
                    />
                  </td>
                </tr>
                {expanded === delivery.id && (
                  <tr className="expanded-row">
                    <td colSpan={7}>
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
