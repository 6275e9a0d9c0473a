import { runSettlement } from '../../api/admin-api.ts';
import type { JsonValue } from '../../api/types.ts';
import { JsonTree } from '../../components/json-tree.tsx';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useCommand } from '../../components/use-command.ts';

/** T+1 settlement on demand: settles COMPLETED transactions in batches per vendor. */
export function SettlementPanel() {
  const settle = useCommand(runSettlement);
  const result = settle.lastResult as { settledCount?: number; batchIds?: string[] } | null;
  return (
    <section className="panel" data-testid="settlement-panel">
      <div className="panel-head">
        <h2>Settlement</h2>
        <button type="button" className="primary" disabled={settle.pending} onClick={() => void settle.run()} data-testid="settlement-run">
          {settle.pending ? 'settling…' : 'Run settlement now'}
        </button>
        {result && (
          <span className="mono" data-testid="settlement-result" data-settled-count={result.settledCount ?? 0}>
            settled {result.settledCount ?? 0} in {result.batchIds?.length ?? 0} batches
          </span>
        )}
      </div>
      {result && <JsonTree value={result as JsonValue} />}
      <ProblemNotice problem={settle.problem} />
    </section>
  );
}
