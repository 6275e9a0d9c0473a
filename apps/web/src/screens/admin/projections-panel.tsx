import { useEffect } from 'react';
import { listProjections, rebuildProjection } from '../../api/admin-api.ts';
import { ApiProblem } from '../../api/api-problem.ts';
import type { ProjectionStatus, RebuildProgress } from '../../api/types.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useApiData } from '../../components/use-api-data.ts';
import { useCommand } from '../../components/use-command.ts';
import { useLiveStream, type ProjectionProgress } from '../../stream/stream-context.tsx';

const pollEveryMs = 2_000;

/** Read models: position, lag, live or rebuilding; progress from polling (stopped while the token is refused) and the stream. */
export function ProjectionsPanel() {
  const projections = useApiData((signal) => listProjections(signal), []);
  const { projections: streamed } = useLiveStream();
  const rebuild = useCommand((name: string) => rebuildProjection(name), projections.reload);

  // A refusal for the token stays one until the token changes (Settings, which remounts this screen): no polling meanwhile.
  const refused = projections.problem instanceof ApiProblem && projections.problem.needsToken;
  useEffect(() => {
    if (refused) return;
    const timer = setInterval(projections.reload, pollEveryMs);
    return () => clearInterval(timer);
  }, [projections.reload, refused]);

  const rows = mergeProgress(projections.data ?? [], streamed);
  return (
    <section className="panel" data-testid="projections-panel">
      <div className="panel-head">
        <h2>Projections</h2>
        <span className="dim">polled every {pollEveryMs / 1000} s, and live from the stream</span>
      </div>
      <table className="grid">
        <thead>
          <tr>
            <th>name</th>
            <th>status</th>
            <th>position</th>
            <th className="number">lag</th>
            <th>progress</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((projection) => (
            <tr key={projection.name} data-testid="projection-row" data-name={projection.name} data-status={projection.status}>
              <td className="mono">{projection.name}</td>
              <td>
                <span className={`projection-status projection-${projection.status}`}>{projection.status}</span>
              </td>
              <td className="mono dim">{projection.position ?? '—'}</td>
              <td className="number mono">{projection.lag ?? '—'}</td>
              <td>
                <ProgressBar progress={projection.progress} />
              </td>
              <td>
                <button
                  type="button"
                  disabled={rebuild.pending || projection.status === 'rebuilding'}
                  onClick={() => void rebuild.run(projection.name)}
                  data-testid={`projection-rebuild-${projection.name}`}
                >
                  rebuild
                </button>
              </td>
            </tr>
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={6} className="empty">
                {projections.loading ? 'loading…' : 'No projections reported.'}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <ProblemNotice problem={projections.problem ?? rebuild.problem} />
    </section>
  );
}

/** One row of the table: a read model as polled, or as a fresher stream message tells it. */
interface ProjectionRow {
  name: string;
  status: string;
  position: string | null;
  lag: number | null;
  /** How much of a running rebuild is done, 0 to 1; null when none runs. */
  progress: number | null;
}

function fractionDone(progress: RebuildProgress | null): number | null {
  if (progress === null) return null;
  return progress.eventsTotal > 0 ? progress.eventsDone / progress.eventsTotal : 0;
}

/** A stream message newer than the last poll wins. */
function mergeProgress(polled: ProjectionStatus[], streamed: Record<string, ProjectionProgress>): ProjectionRow[] {
  const byName = new Map<string, ProjectionRow>(
    polled.map((projection) => [projection.name, { ...projection, progress: fractionDone(projection.progress) }]),
  );
  for (const message of Object.values(streamed)) {
    const known = byName.get(message.name);
    const fresh = Date.now() - message.receivedAt < pollEveryMs;
    if (!known || fresh) {
      byName.set(message.name, {
        name: message.name,
        status: message.status,
        position: message.position,
        progress: fractionDone(message.progress),
        lag: known?.lag ?? null,
      });
    }
  }
  return [...byName.values()].sort((left, right) => left.name.localeCompare(right.name));
}

function ProgressBar({ progress }: { progress: number | null }) {
  if (progress === null || progress === undefined) return <span className="dim">—</span>;
  const percent = Math.max(0, Math.min(100, Math.round(progress * 100)));
  return (
    <span className="progress" title={`${percent}%`}>
      <span className="progress-fill" style={{ width: `${percent}%` }} />
      <span className="progress-label mono">{percent}%</span>
    </span>
  );
}
