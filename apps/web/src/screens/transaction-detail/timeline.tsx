import { formatDurationMs, formatTime } from '../../format/format.ts';
import type { TimelineStep } from './timeline-steps.ts';

interface TimelineProps {
  steps: TimelineStep[];
  selectedVersion: number;
  onSelect: (version: number) => void;
}

export function Timeline({ steps, selectedVersion, onSelect }: TimelineProps) {
  const firstAtMs = steps.length ? new Date(steps[0]!.at).getTime() : 0;
  return (
    <table className="grid timeline" data-testid="timeline">
      <thead>
        <tr>
          <th className="number">v</th>
          <th>step</th>
          <th>event</th>
          <th>service</th>
          <th>actor</th>
          <th>time</th>
          <th className="number">+</th>
          <th className="number">duration</th>
          <th className="number">attempt</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((step) => {
          const offsetMs = new Date(step.at).getTime() - firstAtMs;
          return (
            <tr
              key={step.version}
              className={[
                'clickable',
                step.version === selectedVersion ? 'selected' : '',
                step.version > selectedVersion ? 'future' : '',
                step.error ? 'has-error' : '',
              ].join(' ')}
              onClick={() => onSelect(step.version)}
              data-testid="timeline-step"
              data-version={step.version}
              data-step={step.step}
            >
              <td className="number mono">{step.version}</td>
              <td>
                {step.error && <span className="error-dot" title={step.error.message} />}
                {step.step}
              </td>
              <td className="mono dim">{step.eventType ?? ''}</td>
              <td>{step.service}</td>
              <td className="mono">{step.actor ? `${step.actor.role}${step.actor.id ? `:${step.actor.id}` : ''}` : ''}</td>
              <td className="mono">{formatTime(step.at)}</td>
              <td className="number mono dim">{Number.isFinite(offsetMs) ? formatDurationMs(offsetMs) : ''}</td>
              <td className="number mono">{formatDurationMs(step.durationMs)}</td>
              <td className="number mono">{step.attempt ?? ''}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
