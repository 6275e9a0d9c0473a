import { useState } from 'react';
import type { WebhookEndpoint } from '../../api/types.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookEndpointSecret,
  updateWebhookEndpoint,
} from '../../api/webhook-endpoints-api.ts';
import { CopyableId } from '../../components/copyable-id.tsx';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useApiData } from '../../components/use-api-data.ts';
import { useCommand } from '../../components/use-command.ts';
import { formatDateTime } from '../../format/format.ts';
import { EndpointForm, failuresText, type EndpointFormValue } from './endpoint-form.tsx';

/** A secret the server showed once (on creation or rotation), until dismissed. */
interface ShownSecret {
  endpointId: string;
  url: string;
  secret: string;
}

/**
 * Webhook endpoints: the developer's own services that receive every selected transaction event,
 * signed, with the faults each one asks for. Operators read; changes need the admin token.
 */
export function WebhooksScreen() {
  const endpoints = useApiData((signal) => listWebhookEndpoints(signal), []);
  const [shown, setShown] = useState<ShownSecret | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const create = useCommand(
    (value: EndpointFormValue) => createWebhookEndpoint(value),
    (created) => {
      setShown({ endpointId: created.id, url: created.url, secret: created.secret });
      endpoints.reload();
    },
  );
  const update = useCommand(
    (id: string, change: Parameters<typeof updateWebhookEndpoint>[1]) => updateWebhookEndpoint(id, change),
    () => {
      setEditing(null);
      endpoints.reload();
    },
  );
  const remove = useCommand((id: string) => deleteWebhookEndpoint(id), endpoints.reload);
  const rotate = useCommand(
    async (endpoint: WebhookEndpoint) => ({ endpoint, ...(await rotateWebhookEndpointSecret(endpoint.id)) }),
    ({ endpoint, secret }) => {
      setShown({ endpointId: endpoint.id, url: endpoint.url, secret });
      endpoints.reload();
    },
  );
  const items = endpoints.data ?? [];

  return (
    <div className="stack" data-testid="webhooks-screen">
      <section className="panel">
        <div className="panel-head">
          <h2>New webhook endpoint</h2>
          <span className="dim">every selected transaction event is POSTed to it, signed (TrackTrove-Signature), with traceparent</span>
        </div>
        <ProblemNotice problem={create.problem} />
        <EndpointForm submitLabel="create endpoint" pending={create.pending} onSubmit={(value) => void create.run(value)} />
      </section>

      {shown && (
        <div className="notice notice-warn" data-testid="endpoint-secret" data-endpoint-id={shown.endpointId}>
          <div className="notice-title">Signing secret of {shown.url}: shown this once</div>
          <div className="form-row">
            <CopyableId id={shown.secret} testId="endpoint-secret-value" />
            <button type="button" onClick={() => void navigator.clipboard?.writeText(shown.secret)} data-testid="endpoint-secret-copy">
              copy
            </button>
            <button type="button" onClick={() => setShown(null)}>
              done, I saved it
            </button>
          </div>
        </div>
      )}

      <section className="panel">
        <div className="panel-head">
          <h2>Webhook endpoints</h2>
          <span className="dim">{items.length} of at most 100</span>
          <button type="button" onClick={endpoints.reload}>
            {endpoints.loading ? 'loading…' : 'refresh'}
          </button>
        </div>
        <ProblemNotice problem={endpoints.problem ?? update.problem ?? remove.problem ?? rotate.problem} />
        {items.length === 0 ? (
          <div className="empty" data-testid="endpoints-empty">
            {endpoints.loading ? 'loading…' : 'No endpoints yet: create one above, or run tracktrove listen --forward-to <url>.'}
          </div>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>url</th>
                <th>events</th>
                <th>faults</th>
                <th>secret</th>
                <th>state</th>
                <th>updated</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((endpoint) =>
                editing === endpoint.id ? (
                  <tr key={endpoint.id} className="expanded-row">
                    <td colSpan={7}>
                      <EndpointForm
                        initial={endpoint}
                        submitLabel="save"
                        pending={update.pending}
                        onCancel={() => setEditing(null)}
                        onSubmit={(value) => void update.run(endpoint.id, value)}
                      />
                    </td>
                  </tr>
                ) : (
                  <tr key={endpoint.id} data-testid="endpoint-row" data-endpoint-id={endpoint.id} data-enabled={endpoint.enabled}>
                    <td>
                      <div className="mono">{endpoint.url}</div>
                      {endpoint.description && <div className="dim">{endpoint.description}</div>}
                    </td>
                    <td className="mono">
                      {endpoint.eventTypes.length === 0
                        ? 'all'
                        : endpoint.eventTypes.map((type) => type.replace('transaction.', '')).join(', ')}
                    </td>
                    <td data-testid="endpoint-failures">{failuresText(endpoint.failures)}</td>
                    <td className="mono dim">{endpoint.secretHint}</td>
                    <td>
                      <span className={endpoint.enabled ? 'delivery-status delivery-delivered' : 'delivery-status delivery-failed'}>
                        {endpoint.enabled ? 'enabled' : 'disabled'}
                      </span>
                    </td>
                    <td className="mono dim">{formatDateTime(endpoint.updatedAt)}</td>
                    <td className="actions">
                      <button type="button" onClick={() => setEditing(endpoint.id)} data-testid="endpoint-edit">
                        edit
                      </button>
                      <button
                        type="button"
                        disabled={update.pending}
                        onClick={() => void update.run(endpoint.id, { enabled: !endpoint.enabled })}
                        data-testid="endpoint-toggle"
                      >
                        {endpoint.enabled ? 'disable' : 'enable'}
                      </button>
                      <button
                        type="button"
                        disabled={rotate.pending}
                        onClick={() => void rotate.run(endpoint)}
                        data-testid="endpoint-rotate"
                      >
                        rotate secret
                      </button>
                      <button
                        type="button"
                        disabled={remove.pending}
                        onClick={() => {
                          if (confirm(`Delete the endpoint ${endpoint.url}? Its deliveries stay readable.`)) void remove.run(endpoint.id);
                        }}
                        data-testid="endpoint-delete"
                      >
                        delete
                      </button>
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
