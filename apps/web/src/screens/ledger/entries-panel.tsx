import { useState } from 'react';
import { listLedgerEntries, type LedgerFilter } from '../../api/ledger-api.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useApiData } from '../../components/use-api-data.ts';
import { formatTime, shortId } from '../../format/format.ts';
import type { LedgerEntry } from '../../api/types.ts';

const pageSize = 100;

export function EntriesPanel({ refreshKey }: { refreshKey: number }) {
  const [draft, setDraft] = useState<LedgerFilter>({ transactionId: '', account: '', type: '' });
  const [filter, setFilter] = useState<LedgerFilter>(draft);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const entries = useApiData((signal) => listLedgerEntries({ ...filter, limit: pageSize, cursor }, signal), [filter, cursor, refreshKey]);
  const input = (key: 'transactionId' | 'account' | 'type', placeholder: string) => (
    <input
      className="mono"
      placeholder={placeholder}
      value={draft[key] ?? ''}
      onChange={(change) => setDraft((current) => ({ ...current, [key]: change.target.value }))}
      data-testid={`ledger-filter-${key}`}
    />
  );
  return (
    <section className="panel" data-testid="entries-panel">
      <div className="panel-head">
        <h2>Entries</h2>
        <form
          className="search"
          onSubmit={(submit) => {
            submit.preventDefault();
            setFilter({ transactionId: draft.transactionId?.trim(), account: draft.account?.trim(), type: draft.type?.trim() });
            setCursors([null]);
          }}
        >
          {input('transactionId', 'transaction id')}
          {input('account', 'account')}
          {input('type', 'type (ESCROW, SETTLEMENT, REFUND…)')}
          <button type="submit">filter</button>
        </form>
      </div>
      <ProblemNotice problem={entries.problem} />
      <table className="grid" data-testid="ledger-entries">
        <thead>
          <tr>
            <th>time</th>
            <th>type</th>
            <th>transaction</th>
            <th>debit</th>
            <th>credit</th>
            <th className="number">amount</th>
            <th>state</th>
            <th>position</th>
          </tr>
        </thead>
        <tbody>
          {(entries.data?.items ?? []).map((entry) => (
            <tr key={entry.id} data-testid="ledger-entry" data-type={entry.type} data-pending={entry.pending} data-phase={entry.phase}>
              <td className="mono dim">{formatTime(entry.at)}</td>
              <td>
                <span className={`entry-type entry-${entry.type.toLowerCase()}`}>{entry.type}</span>
              </td>
              <td className="mono">
                <a href={`#/transactions/${entry.transactionId}`} title={entry.transactionId}>
                  {shortId(entry.transactionId)}
                </a>
              </td>
              <td className="mono">{entry.debitAccount}</td>
              <td className="mono">{entry.creditAccount}</td>
              <td className="number mono">
                {entry.amount} <span className="dim">{entry.currency}</span>
              </td>
              <td>
                <EntryState entry={entry} />
              </td>
              <td className="mono dim">{entry.position}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors((stack) => stack.slice(0, -1))}>
          ← previous
        </button>
        <span className="dim">page {cursors.length}</span>
        <button
          type="button"
          disabled={!entries.data?.nextCursor}
          onClick={() => entries.data?.nextCursor && setCursors((stack) => [...stack, entries.data!.nextCursor])}
        >
          next →
        </button>
      </div>
    </section>
  );
}

/** What happened to the money: a hold placed, a hold posted, a hold voided (nothing moved), or a plain transfer. */
function EntryState({ entry }: { entry: LedgerEntry }) {
  switch (entry.phase) {
    case 'pending':
      return (
        <span className="pending-tag" title="a hold: pending debit and credit">
          hold placed
        </span>
      );
    case 'post_pending':
      return (
        <span className="posted-tag" title="the hold was posted: pending became posted">
          hold posted
        </span>
      );
    case 'void_pending':
      return (
        <span className="voided-tag" title="the hold was voided: the pending amount went back, nothing was posted">
          hold voided
        </span>
      );
    case 'posted':
      return <span className="posted-tag">posted</span>;
    default:
      return entry.pending ? <span className="pending-tag">pending</span> : <span className="posted-tag">posted</span>;
  }
}
