import { useRef, useState } from 'react';
import { getTransaction, getTransactionEvents, getTransactionTraces } from '../../api/transactions-api.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useApiData } from '../../components/use-api-data.ts';
import { transactionIdOfStream } from '../../format/format.ts';
import { useStreamMessages } from '../../stream/stream-context.tsx';
import { EndpointDeliveries } from './endpoint-deliveries.tsx';
import { ReplayControls } from './replay-controls.tsx';
import { ReplayState } from './replay-state.tsx';
import { StepDetail } from './step-detail.tsx';
import { Timeline } from './timeline.tsx';
import { buildTimeline } from './timeline-steps.ts';
import { TransactionActions } from './transaction-actions.tsx';
import { TransactionHeader } from './transaction-header.tsx';
import { traceIdOfEvents } from './trace-id.ts';
import { useReplay } from './use-replay.ts';
import { WebhookDeliveries } from './webhook-deliveries.tsx';

const liveReloadDebounceMs = 250;

export function TransactionDetailScreen({ id }: { id: string }) {
  const [minPosition, setMinPosition] = useState<string | undefined>(undefined);
  const [reloadCount, setReloadCount] = useState(0);
  const deps = [id, minPosition, reloadCount];
  const transaction = useApiData((signal) => getTransaction(id, { minPosition }, signal), deps);
  const traces = useApiData((signal) => getTransactionTraces(id, minPosition, signal), deps);
  const events = useApiData((signal) => getTransactionEvents(id, minPosition, signal), deps);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const steps = buildTimeline(traces.data ?? [], events.data ?? []);
  const maxVersion = Math.max(transaction.data?.version ?? 0, steps.at(-1)?.version ?? 0);
  const replay = useReplay(maxVersion);
  const selectedStep = steps.find((step) => step.version === replay.version);

  const reloadAt = (position: string | undefined) => {
    if (position) setMinPosition(position);
    setReloadCount((count) => count + 1);
  };

  useStreamMessages((message) => {
    if (message.kind !== 'event' || transactionIdOfStream(message.event.streamId) !== id) return;
    clearTimeout(reloadTimer.current ?? undefined);
    const position = message.event.position;
    reloadTimer.current = setTimeout(() => reloadAt(position), liveReloadDebounceMs);
  });

  const firstProblem = transaction.problem ?? traces.problem ?? events.problem;
  if (!transaction.data) {
    return (
      <div className="stack">
        <a href="#/transactions" className="back-link">
          ← transactions
        </a>
        <ProblemNotice problem={firstProblem} />
        {!firstProblem && <div className="empty">loading {id}…</div>}
      </div>
    );
  }

  return (
    <div className="stack" data-testid="transaction-detail">
      <a href="#/transactions" className="back-link">
        ← transactions
      </a>
      <TransactionHeader transaction={transaction.data} traceId={events.data ? traceIdOfEvents(id, events.data) : null} />
      <ProblemNotice problem={firstProblem} />
      <TransactionActions transaction={transaction.data} events={events.data ?? []} onChanged={reloadAt} />
      <section className="panel">
        <div className="panel-head">
          <h3>Timeline</h3>
          <span className="dim">{steps.length} steps · click a step or replay through versions</span>
        </div>
        <ReplayControls replay={replay} />
        <Timeline steps={steps} selectedVersion={replay.version} onSelect={replay.goTo} />
      </section>
      <div className="two-columns">
        <section className="panel">
          <div className="panel-head">
            <h3>Step v{replay.version}: DTO before → after</h3>
          </div>
          <StepDetail step={selectedStep} />
        </section>
        <section className="panel">
          <div className="panel-head">
            <h3>Replay</h3>
          </div>
          <ReplayState transactionId={id} version={replay.version} step={selectedStep} />
        </section>
      </div>
      <WebhookDeliveries transactionId={id} minPosition={minPosition} reloadKey={reloadCount} />
      <EndpointDeliveries transactionId={id} reloadKey={reloadCount} />
    </div>
  );
}
