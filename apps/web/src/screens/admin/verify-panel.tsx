import { runVerify } from '../../api/admin-api.ts';
import type { JsonValue } from '../../api/types.ts';
import { JsonTree } from '../../components/json-tree.tsx';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useCommand } from '../../components/use-command.ts';

interface Check {
  name: string;
  ok: boolean;
  detail?: unknown;
}

/** Checks every invariant on the server and lists each one. */
export function VerifyPanel() {
  const verify = useCommand(runVerify);
  const report = verify.lastResult as JsonValue | null;
  const checks = checksOf(report);
  const allOk = checks.length > 0 && checks.every((check) => check.ok);
  return (
    <section className="panel" data-testid="verify-panel">
      <div className="panel-head">
        <h2>Verify invariants</h2>
        <button type="button" className="primary" disabled={verify.pending} onClick={() => void verify.run()} data-testid="verify-run">
          {verify.pending ? 'verifying…' : 'Verify'}
        </button>
        {checks.length > 0 && (
          <span className={allOk ? 'ok-flag' : 'bad-flag'} data-testid="verify-result" data-ok={allOk}>
            {allOk ? `✓ all ${checks.length} checks pass` : `✗ ${checks.filter((check) => !check.ok).length} of ${checks.length} fail`}
          </span>
        )}
      </div>
      {checks.length > 0 && (
        <ul className="checks">
          {checks.map((check) => (
            <li key={check.name} className={check.ok ? 'check-ok' : 'check-failed'} data-testid="verify-check" data-ok={check.ok}>
              {check.ok ? '✓' : '✗'} <span className="mono">{check.name}</span>
              {check.detail !== undefined && !check.ok && <JsonTree value={check.detail as JsonValue} />}
            </li>
          ))}
        </ul>
      )}
      {report !== null && (
        <details>
          <summary>full report</summary>
          <JsonTree value={report} />
        </details>
      )}
      <ProblemNotice problem={verify.problem} />
    </section>
  );
}

function withoutSummary(record: Record<string, JsonValue>): Record<string, JsonValue> {
  const { ok: _ok, at: _at, position: _position, durationMs: _durationMs, ...rest } = record;
  return rest;
}

/** Accepts `{ checks: [{ name, ok }] }`, an array of them, or `{ name: { ok } | boolean }`. */
function checksOf(report: JsonValue | null): Check[] {
  if (!report || typeof report !== 'object') return [];
  const record = report as Record<string, JsonValue>;
  const list = Array.isArray(report) ? report : (record.checks ?? record.invariants ?? record.results ?? withoutSummary(record));
  const okOf = (value: Record<string, JsonValue>) => value.ok === true || value.passed === true || value.status === 'ok' || value.status === 'pass';
  if (Array.isArray(list)) {
    return list
      .filter((item): item is Record<string, JsonValue> => typeof item === 'object' && item !== null && !Array.isArray(item))
      .map((item, index) => ({ name: String(item.name ?? item.check ?? `check ${index + 1}`), ok: okOf(item), detail: item.details ?? item.detail ?? item.violations }));
  }
  if (list && typeof list === 'object') {
    return Object.entries(list).map(([name, value]) => ({
      name,
      ok: value === true || (typeof value === 'object' && value !== null && !Array.isArray(value) && okOf(value)),
      detail: value,
    }));
  }
  return [];
}
