import { useState } from 'react';
import { getBalances } from '../../api/ledger-api.ts';
import type { Balances } from '../../api/types.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useApiData } from '../../components/use-api-data.ts';
import { formatMinor } from '../../format/format.ts';
import { checkBooksBalance } from './books-balance.ts';

export function BalancesPanel({ refreshKey }: { refreshKey: number }) {
  const [asOfText, setAsOfText] = useState('');
  const [asOf, setAsOf] = useState('');
  const balances = useApiData((signal) => getBalances(asOf || undefined, signal), [asOf, refreshKey]);
  return (
    <section className="panel" data-testid="balances-panel">
      <div className="panel-head">
        <h2>Balances</h2>
        <form
          className="search"
          onSubmit={(submit) => {
            submit.preventDefault();
            setAsOf(asOfText.trim());
          }}
        >
          <input className="mono" placeholder="as of position (blank: now)" value={asOfText} onChange={(change) => setAsOfText(change.target.value)} />
          <button type="submit">show</button>
        </form>
        <button type="button" onClick={balances.reload} data-testid="balances-refresh">
          {balances.loading ? 'loading…' : 'refresh'}
        </button>
      </div>
      <ProblemNotice problem={balances.problem} />
      {balances.data && <BalancesTable balances={balances.data} />}
    </section>
  );
}

function BalancesTable({ balances }: { balances: Balances }) {
  const { totals } = balances;
  const books = checkBooksBalance(totals);
  return (
    <>
      <div
        className={`books-balance ${books.balanced ? 'balanced' : 'unbalanced'}`}
        data-testid="books-balance"
        data-balanced={books.balanced}
        data-posted-balanced={books.postedBalanced}
        data-pending-balanced={books.pendingBalanced}
      >
        <span className="books-icon">{books.balanced ? '⚖ books balance' : '⚠ books do NOT balance'}</span>
        <span>
          posted: debits {formatMinor(totals.debitsPosted)} {books.postedBalanced ? '=' : '≠'} credits {formatMinor(totals.creditsPosted)}
        </span>
        <span>
          pending: debits {formatMinor(totals.debitsPending)} {books.pendingBalanced ? '=' : '≠'} credits{' '}
          {formatMinor(totals.creditsPending)}
        </span>
        {balances.asOf && <span className="dim mono">as of {balances.asOf}</span>}
      </div>
      <table className="grid" data-testid="balances-table">
        <thead>
          <tr>
            <th>account</th>
            <th className="number">debits posted</th>
            <th className="number">credits posted</th>
            <th className="number">debits pending</th>
            <th className="number">credits pending</th>
            <th className="number">balance</th>
          </tr>
        </thead>
        <tbody>
          {balances.accounts.map((account) => (
            <tr key={account.account} data-testid="balance-row" data-account={account.account}>
              <td className="mono">
                {account.account} {account.currency && <span className="dim">{account.currency}</span>}
              </td>
              <td className="number mono">{formatMinor(account.debitsPosted)}</td>
              <td className="number mono">{formatMinor(account.creditsPosted)}</td>
              <td className={`number mono pending${account.debitsPending === 0 ? ' zero' : ''}`}>{formatMinor(account.debitsPending)}</td>
              <td className={`number mono pending${account.creditsPending === 0 ? ' zero' : ''}`}>{formatMinor(account.creditsPending)}</td>
              <td className={`number mono ${account.balance < 0 ? 'negative' : ''}`}>{formatMinor(account.balance)}</td>
            </tr>
          ))}
          {balances.accounts.length === 0 && (
            <tr>
              <td colSpan={6} className="empty">
                No ledger entries yet.
              </td>
            </tr>
          )}
        </tbody>
        <tfoot>
          <tr data-testid="ledger-totals" data-debits-posted={totals.debitsPosted} data-credits-posted={totals.creditsPosted}>
            <th>totals</th>
            <th className="number mono" data-testid="total-debits-posted">
              {formatMinor(totals.debitsPosted)}
            </th>
            <th className="number mono" data-testid="total-credits-posted">
              {formatMinor(totals.creditsPosted)}
            </th>
            <th className="number mono" data-testid="total-debits-pending">
              {formatMinor(totals.debitsPending)}
            </th>
            <th className="number mono" data-testid="total-credits-pending">
              {formatMinor(totals.creditsPending)}
            </th>
            <th />
          </tr>
        </tfoot>
      </table>
    </>
  );
}
