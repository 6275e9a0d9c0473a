import { useState } from 'react';
import { ApiProblem } from '../../api/api-problem.ts';
import { overrideStatus } from '../../api/admin-api.ts';
import { confirmTransaction, openDispute, refundTransaction, resolveDispute, retryTransaction } from '../../api/transactions-api.ts';
import { transactionStatuses, type StoredEvent, type Transaction, type TransactionStatus } from '../../api/types.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { lifecycleOf, type LifecycleAction } from './lifecycle.ts';

interface TransactionActionsProps {
  transaction: Transaction;
  /** The stream's events, folded with the domain's rules to know which lifecycle actions it accepts. */
  events: readonly StoredEvent[];
  /** Called with the position of the last appended event, to read our own write. */
  onChanged: (position: string | undefined) => void;
}

/**
 * The commands an operator (or admin) can send for one transaction: only those the lifecycle
 * allows from its status, and the admin override, which is allowed from any.
 */
export function TransactionActions({ transaction, events, onChanged }: TransactionActionsProps) {
  const [reason, setReason] = useState('');
  const [overrideTo, setOverrideTo] = useState<TransactionStatus>('COMPLETED');
  const [useIfMatch, setUseIfMatch] = useState(true);
  const [pending, setPending] = useState<string | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const id = transaction.id;
  const version = useIfMatch ? transaction.version : undefined;
  const reasonText = reason.trim() || 'requested from the trace viewer';
  const allowed = lifecycleOf(events);
  const can = (action: LifecycleAction) => allowed.actions.includes(action);

  async function run(name: string, action: () => Promise<{ position?: string } | unknown>) {
    setPending(name);
    setProblem(null);
    setDone(null);
    try {
      const result = (await action()) as { position?: string } | undefined;
      setDone(name);
      onChanged(result?.position);
    } catch (error) {
      setProblem(error);
      // A 412 means our copy is stale: fetch the current version for the next try.
      if (error instanceof ApiProblem && error.status === 412) onChanged(undefined);
    } finally {
      setPending(null);
    }
  }

  const button = (name: string, label: string, action: () => Promise<unknown>, testId: string, className = '') => (
    <button type="button" className={className} disabled={pending !== null} onClick={() => void run(name, action)} data-testid={testId}>
      {pending === name ? `${label}…` : label}
    </button>
  );

  return (
    <section className="panel actions" data-testid="transaction-actions">
      <div className="panel-head">
        <h3>Actions</h3>
        <label className="checkbox dim" title="send If-Match with the version shown; the server answers 412 if it moved on">
          <input type="checkbox" checked={useIfMatch} onChange={(change) => setUseIfMatch(change.target.checked)} />
          If-Match v{transaction.version}
        </label>
        {done && (
          <span className="ok-flag" data-testid="action-done" data-action={done}>
            ✓ {done}
          </span>
        )}
      </div>
      <div className="action-row" data-testid="lifecycle-actions">
        {can('confirm') && button('confirm', 'Confirm', () => confirmTransaction(id, version), 'action-confirm', 'primary')}
        {can('retry') && button('retry', 'Retry', () => retryTransaction(id, version), 'action-retry')}
        <input
          value={reason}
          placeholder={`reason (${[can('refund') && 'refund', can('open-dispute') && 'dispute', 'override'].filter(Boolean).join(', ')})`}
          onChange={(change) => setReason(change.target.value)}
          data-testid="action-reason"
        />
        {can('refund') && button('refund', 'Refund', () => refundTransaction(id, reasonText, version), 'action-refund', 'danger')}
        {can('open-dispute') && button('open dispute', 'Open dispute', () => openDispute(id, reasonText, version), 'action-dispute-open')}
        {can('resolve-dispute') && button('resolve WON', 'Resolve: WON', () => resolveDispute(id, 'WON', version), 'action-dispute-won')}
        {can('resolve-dispute') &&
          button('resolve LOST', 'Resolve: LOST', () => resolveDispute(id, 'LOST', version), 'action-dispute-lost')}
        {allowed.note && (
          <span className="dim" data-testid="actions-note">
            {allowed.note}
          </span>
        )}
      </div>
      <div className="action-row admin-row">
        <span className="dim">admin override to</span>
        <select
          value={overrideTo}
          onChange={(change) => setOverrideTo(change.target.value as TransactionStatus)}
          data-testid="override-status"
        >
          {transactionStatuses.map((status) => (
            <option key={status}>{status}</option>
          ))}
        </select>
        {button('override', 'Override', () => overrideStatus(id, overrideTo, reasonText), 'action-override', 'danger')}
        <span className="dim">needs the admin token</span>
      </div>
      <ProblemNotice problem={problem} />
    </section>
  );
}
