import { adviceFor, ApiProblem } from '../api/api-problem.ts';
import { hrefFor } from '../routing/routes.ts';

/** Shows a failed request: title, detail, field errors and what to do next. */
export function ProblemNotice({ problem, compact = false }: { problem: unknown; compact?: boolean }) {
  if (!problem) return null;
  if (!(problem instanceof ApiProblem)) {
    return (
      <div className="notice notice-error" role="alert" data-testid="problem">
        {problem instanceof Error ? problem.message : String(problem)}
      </div>
    );
  }
  const advice = adviceFor(problem);
  return (
    <div
      className={`notice ${problem.status === 0 || problem.status >= 500 ? 'notice-error' : 'notice-warn'}`}
      role="alert"
      data-testid="problem"
      data-status={problem.status}
      data-code={problem.code}
    >
      <div className="notice-title">
        {problem.status > 0 && <span className="mono notice-status">{problem.status}</span>}
        <strong>{problem.title}</strong>
        <span className="mono dim">{problem.code}</span>
      </div>
      {problem.detail && !compact && <div className="notice-detail">{problem.detail}</div>}
      {problem.fieldErrors.length > 0 && (
        <ul className="field-errors">
          {problem.fieldErrors.map((error, index) => (
            <li key={index}>
              <code>{error.path || '(body)'}</code> {error.message}
            </li>
          ))}
        </ul>
      )}
      {advice && (
        <div className="notice-advice">
          {advice} {problem.needsToken && <a href={hrefFor({ screen: 'settings' })}>Open settings</a>}
        </div>
      )}
    </div>
  );
}
