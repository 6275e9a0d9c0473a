import { useState } from 'react';
import { ApiProblem } from '../../api/api-problem.ts';
import { newIdempotencyKey } from '../../api/idempotency-key.ts';
import { initiateTransaction } from '../../api/transactions-api.ts';
import { channels, transactionKinds, type Transaction } from '../../api/types.ts';
import { Field } from '../../components/field.tsx';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { batchConcurrency, buildInitiateRequest, defaultFireForm, maxBatchSize, type FireForm } from './fire-request.ts';
import { runBounded } from './run-bounded.ts';

interface BatchProgress {
  total: number;
  succeeded: number;
  failed: number;
  running: boolean;
}

export function FirePanel({ onFired }: { onFired: () => void }) {
  const [form, setForm] = useState<FireForm>(defaultFireForm);
  const [batchSizeText, setBatchSizeText] = useState('10');
  const [problem, setProblem] = useState<unknown>(null);
  const [lastFired, setLastFired] = useState<Transaction | null>(null);
  const [firing, setFiring] = useState(false);
  const [batch, setBatch] = useState<BatchProgress | null>(null);

  const set = <K extends keyof FireForm>(key: K, value: FireForm[K]) => setForm((current) => ({ ...current, [key]: value }));
  const text = (key: keyof FireForm, label: string, props: { mono?: boolean; width?: string; hint?: string } = {}) => (
    <Field label={label} hint={props.hint}>
      <input
        className={props.mono ? 'mono' : undefined}
        style={props.width ? { width: props.width } : undefined}
        value={String(form[key])}
        onChange={(change) => set(key, change.target.value as never)}
        data-testid={`fire-${key}`}
        spellCheck={false}
      />
    </Field>
  );

  function buildOrShow(index: number) {
    const built = buildInitiateRequest(form, index);
    if (!built.ok) setProblem(new ApiProblem(400, { title: 'Check the form', code: 'validation_failed', errors: built.errors }));
    return built;
  }

  async function fireOne() {
    setProblem(null);
    const built = buildOrShow(0);
    if (!built.ok) return;
    setFiring(true);
    try {
      const transaction = await initiateTransaction(built.request, newIdempotencyKey());
      setLastFired(transaction);
      onFired();
    } catch (error) {
      setProblem(error);
    } finally {
      setFiring(false);
    }
  }

  async function fireBatch() {
    setProblem(null);
    const total = Number(batchSizeText);
    if (!Number.isInteger(total) || total < 1 || total > maxBatchSize) {
      setProblem(new ApiProblem(400, { title: 'Check the batch size', errors: [{ path: 'batch', message: `1 to ${maxBatchSize}` }] }));
      return;
    }
    if (!buildOrShow(0).ok) return;
    const progress: BatchProgress = { total, succeeded: 0, failed: 0, running: true };
    setBatch({ ...progress });
    let firstFailure: unknown = null;
    await runBounded(
      total,
      batchConcurrency,
      (index) => {
        const built = buildInitiateRequest(form, index);
        if (!built.ok) throw new Error('invalid form');
        return initiateTransaction(built.request, newIdempotencyKey());
      },
      (_index, result) => {
        if (result.status === 'fulfilled') progress.succeeded += 1;
        else {
          progress.failed += 1;
          firstFailure ??= result.reason;
        }
        setBatch({ ...progress });
      },
    );
    setBatch({ ...progress, running: false });
    if (firstFailure) setProblem(firstFailure);
    onFired();
  }

  return (
    <section className="panel fire-panel" data-testid="fire-form">
      <div className="panel-head">
        <h2>Fire a transaction</h2>
        <span className="dim">each request carries its own Idempotency-Key</span>
      </div>
      <div className="form-row">
        <Field label="vendorId">
          <span className="input-with-button">
            <input
              className="mono"
              style={{ width: '22rem' }}
              value={form.vendorId}
              disabled={form.randomVendorPerTransaction}
              onChange={(change) => set('vendorId', change.target.value)}
              data-testid="fire-vendorId"
              spellCheck={false}
            />
            <button type="button" title="new random vendor" onClick={() => set('vendorId', crypto.randomUUID())}>
              ↻
            </button>
          </span>
        </Field>
        {text('amount', 'amount', { mono: true, width: '6rem' })}
        {text('currency', 'currency', { mono: true, width: '4rem' })}
        <Field label="channel">
          <select
            value={form.channel}
            onChange={(change) => set('channel', change.target.value as FireForm['channel'])}
            data-testid="fire-channel"
          >
            {channels.map((channel) => (
              <option key={channel}>{channel}</option>
            ))}
          </select>
        </Field>
        <Field label="kind">
          <select value={form.kind} onChange={(change) => set('kind', change.target.value as FireForm['kind'])} data-testid="fire-kind">
            {transactionKinds.map((kind) => (
              <option key={kind}>{kind}</option>
            ))}
          </select>
        </Field>
        {text('successRate', 'success rate', { mono: true, width: '4rem', hint: '0..1' })}
        {text('seed', 'seed', { mono: true, width: '5rem', hint: 'blank: random' })}
      </div>
      <details className="advanced">
        <summary>simulation: escrow, webhook, refunds, payload</summary>
        <div className="form-row">
          {text('escrowTtlMs', 'escrow TTL ms', { mono: true, width: '7rem' })}
          <Field label="on hold expiry">
            <select value={form.onHoldExpiry} onChange={(change) => set('onHoldExpiry', change.target.value as FireForm['onHoldExpiry'])}>
              <option value="release">release (complete)</option>
              <option value="void">void (refund)</option>
            </select>
          </Field>
          {text('webhookDelayMs', 'webhook delay ms', { mono: true, width: '7rem' })}
          {text('webhookDropRate', 'webhook drop', { mono: true, width: '4rem', hint: '0..1' })}
          {text('webhookDuplicateRate', 'webhook duplicate', { mono: true, width: '4rem', hint: '0..1' })}
          {text('refundFailureRate', 'refund failure', { mono: true, width: '4rem', hint: '0..1' })}
          <Field label="expiry notification">
            <label className="checkbox">
              <input
                type="checkbox"
                checked={form.dropExpiryNotification}
                onChange={(change) => set('dropExpiryNotification', change.target.checked)}
              />
              drop it
            </label>
          </Field>
          {text('serviceContext', 'service context', { width: '9rem' })}
        </div>
        <Field label="payload (initial DTO, JSON)">
          <textarea
            className="mono"
            rows={4}
            value={form.payloadJson}
            onChange={(change) => set('payloadJson', change.target.value)}
            spellCheck={false}
          />
        </Field>
      </details>
      <div className="form-actions">
        <button type="button" className="primary" disabled={firing} onClick={() => void fireOne()} data-testid="fire-submit">
          {firing ? 'firing…' : 'Fire'}
        </button>
        <span className="batch">
          or a batch of
          <input
            className="mono"
            style={{ width: '4rem' }}
            value={batchSizeText}
            onChange={(change) => setBatchSizeText(change.target.value)}
            data-testid="fire-batch-size"
          />
          <label className="checkbox">
            <input
              type="checkbox"
              checked={form.randomVendorPerTransaction}
              onChange={(change) => set('randomVendorPerTransaction', change.target.checked)}
            />
            random vendor each
          </label>
          <button type="button" disabled={batch?.running} onClick={() => void fireBatch()} data-testid="fire-batch-submit">
            Fire batch (≤ {maxBatchSize}, {batchConcurrency} at a time)
          </button>
        </span>
        {batch && (
          <span className="batch-progress mono" data-testid="fire-batch-progress" data-running={batch.running}>
            <progress max={batch.total} value={batch.succeeded + batch.failed} /> {batch.succeeded} ok · {batch.failed} failed /{' '}
            {batch.total}
          </span>
        )}
        {lastFired && (
          <span className="fired" data-testid="fire-result" data-transaction-id={lastFired.id}>
            fired{' '}
            <a href={`#/transactions/${lastFired.id}`} className="mono">
              {lastFired.id}
            </a>{' '}
            <StatusBadge status={lastFired.status} testId="fire-result-status" />
          </span>
        )}
      </div>
      <ProblemNotice problem={problem} />
    </section>
  );
}
