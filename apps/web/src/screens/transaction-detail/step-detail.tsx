import { JsonDiffView } from '../../components/json-diff-view.tsx';
import { JsonTree } from '../../components/json-tree.tsx';
import type { JsonValue } from '../../api/types.ts';
import { formatDateTime, formatDurationMs } from '../../format/format.ts';
import type { TimelineStep } from './timeline-steps.ts';

/** One step: what it changed in the DTO, its error and stack, and the raw event. */
export function StepDetail({ step }: { step: TimelineStep | undefined }) {
  if (!step) return <div className="empty">Select a step.</div>;
  return (
    <div className="step-detail" data-testid="step-detail" data-version={step.version}>
      <div className="step-meta">
        <strong>
          v{step.version} · {step.step}
        </strong>
        <span>{step.service}</span>
        <span className="mono dim">{formatDateTime(step.at)}</span>
        <span className="mono">{formatDurationMs(step.durationMs)}</span>
        {step.attempt !== null && <span className="mono">attempt {step.attempt}</span>}
        <span className="mono dim" title="global position">
          @{step.position}
        </span>
        {step.event?.metadata.traceparent && (
          <span className="mono dim" title="W3C traceparent: the transaction's trace, this step's span" data-testid="step-traceparent">
            {step.event.metadata.traceparent}
          </span>
        )}
      </div>
      {step.error && (
        <div className="step-error" data-testid="step-error">
          <strong>{step.error.message}</strong>
          {step.error.stack && <pre className="stack-trace">{step.error.stack}</pre>}
        </div>
      )}
      <JsonDiffView before={step.dtoBefore} after={step.dtoAfter} patch={step.trace?.diff ?? null} />
      {step.event && (
        <details className="raw-event">
          <summary>
            raw event <span className="mono">{step.event.type}</span> (schema v{step.event.schemaVersion})
          </summary>
          <div className="replay-columns">
            <section>
              <header>data</header>
              <JsonTree value={step.event.data as JsonValue} />
            </section>
            <section>
              <header>metadata</header>
              <JsonTree value={withoutDtos(step.event.metadata)} />
            </section>
          </div>
        </details>
      )}
    </div>
  );
}

/** The DTOs already show above; keep metadata readable. */
function withoutDtos(metadata: Record<string, unknown>): JsonValue {
  const { dtoBefore: _before, dtoAfter: _after, ...rest } = metadata;
  return rest as JsonValue;
}
