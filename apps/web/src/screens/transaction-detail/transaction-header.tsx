import { useEffect, useState, type ReactNode } from 'react';
import { sandboxClockKnown, sandboxNowMs } from '../../api/sandbox-clock.ts';
import type { Transaction } from '../../api/types.ts';
import { CopyableId } from '../../components/copyable-id.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { formatDateTime, formatRelative } from '../../format/format.ts';

/** The transaction's header; `traceId` is its W3C trace (see traceIdOfEvents), shown once its events are loaded. */
export function TransactionHeader({ transaction, traceId = null }: { transaction: Transaction; traceId?: string | null }) {
  const nowMs = useNowMs(1000);
  const lastError = typeof transaction.lastError === 'string' ? transaction.lastError : (transaction.lastError?.message ?? null);
  return (
    <div className="detail-header" data-testid="transaction-header" data-transaction-id={transaction.id}>
      <div className="detail-title">
        <StatusBadge status={transaction.status} testId="detail-status" />
        <span className="detail-amount mono" data-testid="detail-amount">
          {transaction.amount} <span className="dim">{transaction.currency}</span>
        </span>
        <CopyableId id={transaction.id} testId="detail-id" />
      </div>
      <dl className="facts">
        <Fact label="vendor">
          <CopyableId id={transaction.vendorId} short />
        </Fact>
        <Fact label="kind">{transaction.kind}</Fact>
        <Fact label="channel">{transaction.channel}</Fact>
        <Fact label="version">
          <span className="mono" data-testid="detail-version">
            {transaction.version}
          </span>
        </Fact>
        <Fact label="retries">{transaction.retryCount}</Fact>
        <Fact label="escrow expires">
          {transaction.escrowExpiresAt ? (
            <span className="mono" title={transaction.escrowExpiresAt}>
              {formatDateTime(transaction.escrowExpiresAt)}{' '}
              <span className="dim" data-testid="escrow-countdown">
                ({formatRelative(transaction.escrowExpiresAt, nowMs)}, {sandboxClockKnown() ? 'sandbox clock' : 'wall clock'})
              </span>
            </span>
          ) : (
            '—'
          )}
        </Fact>
        <Fact label="created">{formatDateTime(transaction.createdAt)}</Fact>
        <Fact label="updated">{formatDateTime(transaction.updatedAt)}</Fact>
        {transaction.serviceContext && <Fact label="context">{transaction.serviceContext}</Fact>}
        <Fact label="trace id">{traceId ? <CopyableId id={traceId} testId="detail-trace-id" /> : '—'}</Fact>
        <Fact label="position">
          <span className="mono dim">{transaction.position}</span>
        </Fact>
      </dl>
      {lastError && (
        <div className="notice notice-error" data-testid="detail-last-error">
          last error: {lastError}
        </div>
      )}
    </div>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** Sandbox now (see sandbox-clock.ts), ticking every everyMs. */
function useNowMs(everyMs: number): number {
  const [nowMs, setNowMs] = useState(sandboxNowMs());
  useEffect(() => {
    const timer = setInterval(() => setNowMs(sandboxNowMs()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return nowMs;
}
