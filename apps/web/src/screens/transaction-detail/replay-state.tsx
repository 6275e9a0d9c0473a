import { useEffect, useState } from 'react';
import { getTransaction } from '../../api/transactions-api.ts';
import type { JsonValue, Transaction } from '../../api/types.ts';
import { JsonTree } from '../../components/json-tree.tsx';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import type { TimelineStep } from './timeline-steps.ts';

interface ReplayStateProps {
  transactionId: string;
  version: number;
  step: TimelineStep | undefined;
}

/** The transaction as of one version: the server's `?atVersion=N`, with the trace's DTO beside it. */
export function ReplayState({ transactionId, version, step }: ReplayStateProps) {
  const [states, setStates] = useState<ReadonlyMap<number, Transaction>>(new Map());
  const [problem, setProblem] = useState<unknown>(null);
  const state = states.get(version);

  useEffect(() => {
    if (version < 1 || states.has(version)) return;
    const controller = new AbortController();
    getTransaction(transactionId, { atVersion: version }, controller.signal).then(
      (fetched) => {
        setStates((known) => new Map(known).set(version, fetched));
        setProblem(null);
      },
      (error: unknown) => !controller.signal.aborted && setProblem(error),
    );
    return () => controller.abort();
  }, [transactionId, version, states]);

  return (
    <div className="replay-state" data-testid="replay-state" data-version={version}>
      <div className="replay-summary">
        <span className="dim">as of v{version}</span>
        {state ? (
          <>
            <StatusBadge status={state.status} testId="replay-status" />
            <span className="mono">
              {state.amount} {state.currency}
            </span>
            <span className="dim mono">retries {state.retryCount}</span>
          </>
        ) : (
          <span className="dim">{problem ? 'server state unavailable, showing the folded DTO' : 'loading…'}</span>
        )}
        {step && <span className="mono">step {step.step}</span>}
      </div>
      {problem !== null && !state && <ProblemNotice problem={problem} compact />}
      <div className="replay-columns">
        <section>
          <header>state at v{version} (server)</header>
          <JsonTree value={state as unknown as JsonValue | undefined} />
        </section>
        <section>
          <header>DTO after v{version} (trace)</header>
          <JsonTree value={step?.dtoAfter} />
        </section>
      </div>
    </div>
  );
}
