import { useEffect, useRef, useState } from 'react';
import { getTransaction, listTransactions } from '../../api/transactions-api.ts';
import type { Transaction, TransactionStatus } from '../../api/types.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useApiData } from '../../components/use-api-data.ts';
import { transactionIdOfStream } from '../../format/format.ts';
import { useStreamMessages } from '../../stream/stream-context.tsx';
import { FirePanel } from './fire-panel.tsx';
import { StatusChips } from './status-chips.tsx';
import { TransactionSearch } from './transaction-search.tsx';
import { TransactionsTable } from './transactions-table.tsx';

const pageSize = 50;
const reloadDebounceMs = 600;
const flashMs = 1200;

export function TransactionsScreen() {
  const [status, setStatus] = useState<TransactionStatus | ''>('');
  const [vendorId, setVendorId] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const page = useApiData((signal) => listTransactions({ status, vendorId, limit: pageSize, cursor }, signal), [status, vendorId, cursor]);
  const [rows, setRows] = useState<Transaction[]>([]);
  const [flashedIds, setFlashedIds] = useState<ReadonlySet<string>>(new Set());
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => setRows(page.data?.items ?? []), [page.data]);
  useEffect(() => () => clearTimeout(reloadTimer.current ?? undefined), []);

  const resetPaging = () => setCursors([null]);
  const isFirstPage = cursors.length === 1;

  useStreamMessages((message) => {
    if (message.kind !== 'event') return;
    const id = transactionIdOfStream(message.event.streamId);
    if (!id) return;
    const visible = rows.some((row) => row.id === id);
    if (visible) {
      getTransaction(id, { minPosition: message.event.position }).then(
        (fresh) => {
          setRows((current) => current.map((row) => (row.id === id ? fresh : row)));
          flash(id);
        },
        () => undefined,
      );
    } else if (isFirstPage) {
      clearTimeout(reloadTimer.current ?? undefined);
      reloadTimer.current = setTimeout(page.reload, reloadDebounceMs);
    }
  });

  function flash(id: string) {
    setFlashedIds((ids) => new Set(ids).add(id));
    setTimeout(
      () =>
        setFlashedIds((ids) => {
          const next = new Set(ids);
          next.delete(id);
          return next;
        }),
      flashMs,
    );
  }

  return (
    <div className="stack">
      <FirePanel onFired={() => isFirstPage && page.reload()} />
      <section className="panel">
        <div className="panel-head">
          <h2>Transactions</h2>
          <TransactionSearch
            vendorId={vendorId}
            onVendorId={(next) => {
              setVendorId(next);
              resetPaging();
            }}
          />
          <button type="button" onClick={page.reload} data-testid="transactions-refresh">
            {page.loading ? 'loading…' : 'refresh'}
          </button>
        </div>
        <StatusChips
          selected={status}
          onSelect={(next) => {
            setStatus(next);
            resetPaging();
          }}
        />
        <ProblemNotice problem={page.problem} />
        {rows.length === 0 && page.problem ? null : rows.length === 0 && !page.loading ? (
          <div className="empty" data-testid="transactions-empty">
            No transactions{status ? ` in ${status}` : ''}
            {vendorId ? ` for vendor ${vendorId}` : ''}. Fire one above.
          </div>
        ) : (
          <TransactionsTable transactions={rows} flashedIds={flashedIds} />
        )}
        <div className="pager">
          <button
            type="button"
            disabled={isFirstPage}
            onClick={() => setCursors((stack) => stack.slice(0, -1))}
            data-testid="page-previous"
          >
            ← previous
          </button>
          <span className="dim">page {cursors.length}</span>
          <button
            type="button"
            disabled={!page.data?.nextCursor}
            onClick={() => page.data?.nextCursor && setCursors((stack) => [...stack, page.data!.nextCursor])}
            data-testid="page-next"
          >
            next →
          </button>
        </div>
      </section>
    </div>
  );
}
