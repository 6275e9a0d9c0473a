import { useState } from 'react';
import { ApiProblem } from '../../api/api-problem.ts';
import { getTransaction } from '../../api/transactions-api.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { isUuid } from '../../format/format.ts';
import { navigate } from '../../routing/routes.ts';

interface TransactionSearchProps {
  vendorId: string;
  onVendorId: (vendorId: string) => void;
}

/** A transaction id opens its detail; anything else (or an unknown id) filters by vendor. */
export function TransactionSearch({ vendorId, onVendorId }: TransactionSearchProps) {
  const [text, setText] = useState(vendorId);
  const [problem, setProblem] = useState<unknown>(null);
  const [searching, setSearching] = useState(false);

  async function search() {
    const query = text.trim();
    setProblem(null);
    if (!query) return onVendorId('');
    if (isUuid(query)) {
      setSearching(true);
      try {
        await getTransaction(query);
        navigate({ screen: 'transaction', id: query });
        return;
      } catch (error) {
        if (!(error instanceof ApiProblem && error.status === 404)) {
          setProblem(error);
          return;
        }
      } finally {
        setSearching(false);
      }
    }
    onVendorId(query);
  }

  return (
    <form
      className="search"
      onSubmit={(submit) => {
        submit.preventDefault();
        void search();
      }}
    >
      <input
        className="mono"
        value={text}
        placeholder="transaction id or vendor id"
        onChange={(change) => setText(change.target.value)}
        data-testid="transaction-search"
        spellCheck={false}
      />
      <button type="submit" disabled={searching}>
        go
      </button>
      {vendorId && (
        <button
          type="button"
          className="chip active"
          title="clear the vendor filter"
          onClick={() => {
            setText('');
            onVendorId('');
          }}
        >
          vendor {vendorId.slice(0, 8)}… ✕
        </button>
      )}
      <ProblemNotice problem={problem} compact />
    </form>
  );
}
