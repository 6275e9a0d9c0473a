import type { TransactionStatus } from '../api/types.ts';

export function StatusBadge({ status, testId = 'status-badge' }: { status: TransactionStatus | string; testId?: string }) {
  return (
    <span className={`status-badge status-${status.toLowerCase()}`} data-testid={testId} data-status={status}>
      {status}
    </span>
  );
}
