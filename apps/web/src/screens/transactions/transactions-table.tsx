import type { Transaction } from '../../api/types.ts';
import { StatusBadge } from '../../components/status-badge.tsx';
import { formatTime, shortId } from '../../format/format.ts';
import { navigate } from '../../routing/routes.ts';

interface TransactionsTableProps {
  transactions: Transaction[];
  flashedIds: ReadonlySet<string>;
}

export function TransactionsTable({ transactions, flashedIds }: TransactionsTableProps) {
  return (
    <table className="grid" data-testid="transactions-table">
      <thead>
        <tr>
          <th>id</th>
          <th>status</th>
          <th className="number">amount</th>
          <th>kind</th>
          <th>channel</th>
          <th>vendor</th>
          <th className="number">v</th>
          <th className="number">retries</th>
          <th>updated</th>
        </tr>
      </thead>
      <tbody>
        {transactions.map((transaction) => (
          <tr
            key={transaction.id}
            className={flashedIds.has(transaction.id) ? 'clickable flash' : 'clickable'}
            data-testid="transaction-row"
            data-transaction-id={transaction.id}
            data-status={transaction.status}
            onClick={() => navigate({ screen: 'transaction', id: transaction.id })}
          >
            <td className="mono">
              <a href={`#/transactions/${transaction.id}`} title={transaction.id} onClick={(click) => click.stopPropagation()}>
                {shortId(transaction.id)}
              </a>
            </td>
            <td>
              <StatusBadge status={transaction.status} />
            </td>
            <td className="number mono">
              {transaction.amount} <span className="dim">{transaction.currency}</span>
            </td>
            <td>{transaction.kind}</td>
            <td>{transaction.channel}</td>
            <td className="mono" title={transaction.vendorId}>
              {shortId(transaction.vendorId)}
            </td>
            <td className="number mono">{transaction.version}</td>
            <td className="number mono">{transaction.retryCount}</td>
            <td className="mono dim">{formatTime(transaction.updatedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
