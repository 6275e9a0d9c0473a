import { useState } from 'react';
import type { EndpointEventType, EndpointFailures, WebhookEndpoint } from '../../api/types.ts';
import { endpointEventTypes } from '../../api/webhook-endpoints-api.ts';
import { Field } from '../../components/field.tsx';

/** What the form sends: the endpoint's fields (an empty type list means every type). */
export interface EndpointFormValue {
  url: string;
  description: string;
  eventTypes: EndpointEventType[];
  failures: EndpointFailures;
}

const noFailures: EndpointFailures = { dropRate: 0, duplicateRate: 0, delayMs: 0, reorder: false, slowRate: 0 };

/** The text typed for each number: sent as typed (a number when it is one), so the server names what it refuses. */
type FailureTexts = Record<'dropRate' | 'duplicateRate' | 'delayMs' | 'slowRate', string>;

const numberOrText = (text: string): number => (text.trim() === '' ? 0 : Number(text.trim()));

/**
 * Create or edit an endpoint: its URL (loopback unless the server allows the host), a description,
 * the event types it receives (none ticked: every type) and the faults injected into its deliveries.
 */
export function EndpointForm({
  initial,
  submitLabel,
  pending,
  onSubmit,
  onCancel,
}: {
  initial?: WebhookEndpoint;
  submitLabel: string;
  pending: boolean;
  onSubmit: (value: EndpointFormValue) => void;
  onCancel?: () => void;
}) {
  const [url, setUrl] = useState(initial?.url ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [eventTypes, setEventTypes] = useState<EndpointEventType[]>(initial?.eventTypes ?? []);
  const failures = initial?.failures ?? noFailures;
  const [texts, setTexts] = useState<FailureTexts>({
    dropRate: String(failures.dropRate),
    duplicateRate: String(failures.duplicateRate),
    delayMs: String(failures.delayMs),
    slowRate: String(failures.slowRate),
  });
  const [reorder, setReorder] = useState(failures.reorder);
  const toggleType = (type: EndpointEventType, on: boolean) =>
    setEventTypes((current) => (on ? [...current, type] : current.filter((existing) => existing !== type)));
  const number = (key: keyof FailureTexts, label: string, hint: string) => (
    <Field label={label} hint={hint}>
      <input
        className="mono"
        style={{ width: '6rem' }}
        value={texts[key]}
        onChange={(change) => setTexts((current) => ({ ...current, [key]: change.target.value }))}
        data-testid={`endpoint-${key}`}
        spellCheck={false}
      />
    </Field>
  );

  return (
    <form
      className="stack endpoint-form"
      data-testid="endpoint-form"
      onSubmit={(submit) => {
        submit.preventDefault();
        onSubmit({
          url: url.trim(),
          description,
          eventTypes: endpointEventTypes.filter((type) => eventTypes.includes(type)),
          failures: {
            dropRate: numberOrText(texts.dropRate),
            duplicateRate: numberOrText(texts.duplicateRate),
            delayMs: numberOrText(texts.delayMs),
            slowRate: numberOrText(texts.slowRate),
            reorder,
          },
        });
      }}
    >
      <div className="form-row">
        <Field label="URL" hint="http(s); loopback hosts unless WEBHOOK_ALLOWED_HOSTS lists the host">
          <input
            className="mono"
            style={{ width: '28rem' }}
            value={url}
            placeholder="http://localhost:3000/webhooks"
            onChange={(change) => setUrl(change.target.value)}
            data-testid="endpoint-url"
            spellCheck={false}
          />
        </Field>
        <Field label="description">
          <input value={description} onChange={(change) => setDescription(change.target.value)} data-testid="endpoint-description" />
        </Field>
      </div>
      <Field label="event types" hint="none ticked: every type">
        <div className="checkbox-grid" data-testid="endpoint-event-types">
          {endpointEventTypes.map((type) => (
            <label key={type} className="checkbox">
              <input
                type="checkbox"
                checked={eventTypes.includes(type)}
                onChange={(change) => toggleType(type, change.target.checked)}
                data-testid={`endpoint-type-${type}`}
              />
              <span className="mono">{type.replace('transaction.', '')}</span>
            </label>
          ))}
        </div>
      </Field>
      <div className="form-row">
        {number('dropRate', 'drop rate', '0 to 1')}
        {number('duplicateRate', 'duplicate rate', '0 to 1')}
        {number('delayMs', 'delay', 'ms, sandbox clock')}
        {number('slowRate', 'slow rate', '0 to 1')}
        <Field label="reorder">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={reorder}
              onChange={(change) => setReorder(change.target.checked)}
              data-testid="endpoint-reorder"
            />
            random extra delay
          </label>
        </Field>
      </div>
      <div className="form-row">
        <button type="submit" className="primary" disabled={pending} data-testid="endpoint-submit">
          {pending ? 'saving…' : submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            cancel
          </button>
        )}
      </div>
    </form>
  );
}

/** "drop 0.2, duplicate 0.1, delay 500 ms, reorder" or "none". */
export function failuresText(failures: EndpointFailures): string {
  const parts: string[] = [];
  if (failures.dropRate > 0) parts.push(`drop ${failures.dropRate}`);
  if (failures.duplicateRate > 0) parts.push(`duplicate ${failures.duplicateRate}`);
  if (failures.delayMs > 0) parts.push(`delay ${failures.delayMs} ms`);
  if (failures.reorder) parts.push('reorder');
  if (failures.slowRate > 0) parts.push(`slow ${failures.slowRate}`);
  return parts.join(', ') || 'none';
}
