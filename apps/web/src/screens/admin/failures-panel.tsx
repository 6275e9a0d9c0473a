import { useEffect, useState } from 'react';
import { getFailures, putFailures } from '../../api/admin-api.ts';
import type { FailureSettings } from '../../api/types.ts';
import { Field } from '../../components/field.tsx';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useApiData } from '../../components/use-api-data.ts';
import { useCommand } from '../../components/use-command.ts';

/** The form's text for each number (blank: not overridden) and its switches. */
interface FailuresForm {
  successRate: string;
  webhookDropRate: string;
  webhookDuplicateRate: string;
  webhookDelayMs: string;
  refundFailureRate: string;
  gatewayLatencyMs: string;
  webhookReorder: boolean;
  dropExpiryNotification: boolean;
  redisDown: boolean;
}

const textOf = (value: number | null) => (value === null ? '' : String(value));

function formOf(settings: FailureSettings): FailuresForm {
  return {
    successRate: textOf(settings.successRate),
    webhookDropRate: textOf(settings.webhook.dropRate),
    webhookDuplicateRate: textOf(settings.webhook.duplicateRate),
    webhookDelayMs: textOf(settings.webhook.delayMs),
    refundFailureRate: textOf(settings.refundFailureRate),
    gatewayLatencyMs: settings.gatewayLatencyMs === 0 ? '' : String(settings.gatewayLatencyMs),
    webhookReorder: settings.webhook.reorder,
    dropExpiryNotification: settings.dropExpiryNotification,
    redisDown: settings.redisDown,
  };
}

/** Blank is null (not overridden); anything else goes as a number, or as typed for the server to refuse by name. */
const numberOf = (text: string): number | null => (text.trim() === '' ? null : Number(text.trim()));

function settingsOf(form: FailuresForm): FailureSettings {
  return {
    successRate: numberOf(form.successRate),
    webhook: {
      dropRate: numberOf(form.webhookDropRate),
      duplicateRate: numberOf(form.webhookDuplicateRate),
      delayMs: numberOf(form.webhookDelayMs),
      reorder: form.webhookReorder,
    },
    dropExpiryNotification: form.dropExpiryNotification,
    redisDown: form.redisDown,
    gatewayLatencyMs: numberOf(form.gatewayLatencyMs) ?? 0,
    refundFailureRate: numberOf(form.refundFailureRate),
  };
}

/** How many settings are switched on or overridden. */
function activeCount(settings: FailureSettings): number {
  const overridden = [
    settings.successRate,
    settings.webhook.dropRate,
    settings.webhook.duplicateRate,
    settings.webhook.delayMs,
    settings.refundFailureRate,
  ];
  const switches = [settings.webhook.reorder, settings.dropExpiryNotification, settings.redisDown, settings.gatewayLatencyMs > 0];
  return overridden.filter((value) => value !== null).length + switches.filter(Boolean).length;
}

/**
 * Global failure injection: each set value wins over every transaction's own simulation settings
 * for the decisions made from the moment it is saved, in-flight transactions included.
 */
export function FailuresPanel() {
  const failures = useApiData((signal) => getFailures(signal), []);
  const [form, setForm] = useState<FailuresForm | null>(null);
  const save = useCommand((settings: FailureSettings) => putFailures(settings), failures.reload);

  useEffect(() => {
    if (failures.data) setForm(formOf(failures.data));
  }, [failures.data]);

  const set = <K extends keyof FailuresForm>(key: K, value: FailuresForm[K]) =>
    setForm((current) => (current ? { ...current, [key]: value } : current));
  const number = (key: keyof FailuresForm, label: string, hint: string, placeholder = 'own') => (
    <Field label={label} hint={hint}>
      <input
        className="mono"
        style={{ width: '6rem' }}
        value={form ? String(form[key]) : ''}
        placeholder={placeholder}
        onChange={(change) => set(key, change.target.value as never)}
        data-testid={`failures-${key}`}
        spellCheck={false}
      />
    </Field>
  );
  const toggle = (key: 'webhookReorder' | 'dropExpiryNotification' | 'redisDown', label: string, what: string) => (
    <Field label={label}>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={form?.[key] ?? false}
          onChange={(change) => set(key, change.target.checked)}
          data-testid={`failures-${key}`}
        />
        {what}
      </label>
    </Field>
  );

  const active = failures.data ? activeCount(failures.data) : 0;
  return (
    <section className="panel" data-testid="failures-panel">
      <div className="panel-head">
        <h2>Failure injection (global)</h2>
        <span className={active > 0 ? 'status-badge status-retry_pending' : 'dim'} data-testid="failures-active" data-active={active}>
          {active > 0 ? `${active} active` : 'none active'}
        </span>
        <button
          type="button"
          className="primary"
          disabled={save.pending || !form}
          onClick={() => form && void save.run(settingsOf(form))}
          data-testid="failures-save"
        >
          {save.pending ? 'saving…' : 'Save'}
        </button>
        <button
          type="button"
          disabled={save.pending}
          onClick={() => void save.run(settingsOf(formOf(clearedSettings)))}
          data-testid="failures-clear"
        >
          Clear all
        </button>
        <button type="button" onClick={failures.reload}>
          reload
        </button>
      </div>
      <p className="dim">
        A value set here wins over every transaction&apos;s own simulation settings for each decision made from the moment it is saved, for
        transactions already in flight too (a retry&apos;s authorization, the webhooks of a new hold, a refund&apos;s outcome). What was
        already decided stays as recorded. Blank: each transaction&apos;s own.
      </p>
      <div className="form-row">
        {number('successRate', 'authorization success', '0..1')}
        {number('webhookDropRate', 'webhook drop', '0..1')}
        {number('webhookDuplicateRate', 'webhook duplicate', '0..1')}
        {number('webhookDelayMs', 'webhook delay', 'ms')}
        {number('refundFailureRate', 'refund failure', '0..1')}
        {number('gatewayLatencyMs', 'gateway latency', 'ms, ≤ 30000', '0')}
      </div>
      <div className="form-row">
        {toggle('webhookReorder', 'webhook order', 'reorder deliveries')}
        {toggle('dropExpiryNotification', 'expiry notifications', 'lose them (the sweeper fires holds)')}
        {toggle('redisDown', 'Redis', 'down (the fast path is skipped)')}
      </div>
      <ProblemNotice problem={failures.problem ?? save.problem} />
    </section>
  );
}

const clearedSettings: FailureSettings = {
  successRate: null,
  webhook: { dropRate: null, duplicateRate: null, delayMs: null, reorder: false },
  dropExpiryNotification: false,
  redisDown: false,
  gatewayLatencyMs: 0,
  refundFailureRate: null,
};
