import { useState } from 'react';
import { getBalances, type Balances } from '../../api/ledger-api.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useApiData } from '../../components/use-api-data.ts';
import { formatMinor } from '../../format/format.ts';
import { checkBooksBalance } from './books-balance.ts';

/** The totals row's cells, in the table's column order. */
const totalColumns = [
  ['debitsPosted', 'total-debits-posted'],
  ['creditsPosted', 'total-credits-posted'],
  ['debitsPending', 'total-debits-pending'],
  ['creditsPending', 'total-credits-pending'],
] as const;

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
          <input
            className="mono"
            placeholder="as of position (blank: now)"
            value={asOfText}
            onChange={(change) => setAsOfText(change.target.value)}
          />
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
  const currencies = Object.entries(balances.totalsByCurrency).map(([currency, totals]) => ({
    currency,
    totals,
    books: checkBooksBalance(totals),
  }));
  const balanced = currencies.every(({ books }) => books.balanced);
  return (
    <>
      <div
        className={`books-balance ${balanced ? 'balanced' : 'unbalanced'}`}
        data-testid="books-balance"
        data-balanced={balanced}
        data-posted-balanced={currencies.every(({ books }) => books.postedBalanced)}
        data-pending-balanced={currencies.every(({ books }) => books.pendingBalanced)}
      >
        <span className="books-icon">{balanced ? '⚖ books balance' : '⚠ books do NOT balance'}</span>
        {currencies.map(({ currency, totals, books }) => (
          <span key={currency} className="books-currency" data-currency={currency}>
            {currency && <span className="mono">{currency}</span>} posted: debits {formatMinor(totals.debitsPosted)}{' '}
            {books.postedBalanced ? '=' : '≠'} credits {formatMinor(totals.creditsPosted)} · pending: debits{' '}
            {formatMinor(totals.debitsPending)} {books.pendingBalanced ? '=' : '≠'} credits {formatMinor(totals.creditsPending)}
          </span>
        ))}
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
            <tr
              key={account.account}
              data-testid="balance-row"
              data-account={account.account}
              data-debits-posted={account.debitsPosted}
              data-credits-posted={account.creditsPosted}
              data-debits-pending={account.debitsPending}
              data-credits-pending={account.creditsPending}
            >
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
          {currencies.map(({ currency, totals }) => (
            <tr
              key={currency}
              data-testid="ledger-totals"
              data-currency={currency}
              data-debits-posted={totals.debitsPosted}
              data-credits-posted={totals.creditsPosted}
              data-debits-pending={totals.debitsPending}
              data-credits-pending={totals.creditsPending}
            >
              <th>totals {currency && <span className="dim">{currency}</span>}</th>
              {totalColumns.map(([field, testId]) => (
                <th key={field} className="number mono" data-testid={testId}>
                  {formatMinor(totals[field])}
                </th>
              ))}
              <th />
            </tr>
          ))}
        </tfoot>
      </table>
    </>
  );
}
