import { useState } from 'react';
import { advanceClock, getClock } from '../../api/admin-api.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useApiData } from '../../components/use-api-data.ts';
import { useCommand } from '../../components/use-command.ts';
import { formatDateTime } from '../../format/format.ts';

const presets: { label: string; ms: number }[] = [
  { label: '+1 min', ms: 60_000 },
  { label: '+5 min', ms: 300_000 },
  { label: '+1 h', ms: 3_600_000 },
  { label: '+1 day', ms: 86_400_000 },
];

/** The sandbox clock: advancing it fires every timer that became due. */
export function ClockPanel() {
  const clock = useApiData((signal) => getClock(signal), []);
  const [customMs, setCustomMs] = useState('30000');
  const advance = useCommand((ms: number) => advanceClock({ ms }), clock.reload);
  // What the last advance did: the server answers the time it moved from and the timers that fired.
  const advanced = advance.lastResult;
  return (
    <section className="panel" data-testid="clock-panel">
      <div className="panel-head">
        <h2>Sandbox clock</h2>
        <span className="mono clock-now" data-testid="clock-now">
          {clock.data ? formatDateTime(clock.data.now) : '—'}
        </span>
        <button type="button" onClick={clock.reload}>
          refresh
        </button>
      </div>
      <div className="action-row">
        {presets.map((preset) => (
          <button
            key={preset.label}
            type="button"
            disabled={advance.pending}
            onClick={() => void advance.run(preset.ms)}
            data-testid={`clock-advance-${preset.ms}`}
          >
            {preset.label}
          </button>
        ))}
        <span className="dim">or by</span>
        <input
          className="mono"
          style={{ width: '8rem' }}
          value={customMs}
          onChange={(change) => setCustomMs(change.target.value)}
          data-testid="clock-custom-ms"
        />
        <span className="dim">ms</span>
        <button
          type="button"
          disabled={advance.pending || !(Number(customMs) > 0)}
          onClick={() => void advance.run(Math.round(Number(customMs)))}
          data-testid="clock-advance"
        >
          advance
        </button>
      </div>
      {advanced && (
        <div className="dim" data-testid="clock-advanced" data-fired-timers={advanced.firedTimers ?? ''}>
          advanced {advanced.from ? `from ${formatDateTime(advanced.from)} ` : ''}to {formatDateTime(advanced.now)}
          {advanced.firedTimers !== undefined && (
            <>
              {' · '}
              <strong>{advanced.firedTimers === 1 ? '1 timer fired' : `${advanced.firedTimers} timers fired`}</strong>
            </>
          )}
          {advanced.position && <span className="mono"> · @{advanced.position}</span>}
        </div>
      )}
      <ProblemNotice problem={clock.problem ?? advance.problem} />
    </section>
  );
}
