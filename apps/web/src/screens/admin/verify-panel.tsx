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
  const verdict = verdictOf(report);
  const allOk = verdict ?? (checks.length > 0 && checks.every((check) => check.ok));
  const summary = summaryOf(report);
  return (
    <section className="panel" data-testid="verify-panel">
      <div className="panel-head">
        <h2>Verify invariants</h2>
        <button type="button" className="primary" disabled={verify.pending} onClick={() => void verify.run()} data-testid="verify-run">
          {verify.pending ? 'verifying…' : 'Verify'}
        </button>
        {(checks.length > 0 || verdict !== null) && (
          <span className={allOk ? 'ok-flag' : 'bad-flag'} data-testid="verify-result" data-ok={allOk}>
            {allOk
              ? `✓ all ${checks.length} checks pass`
              : `✗ ${checks.filter((check) => !check.ok).length || 'some'} of ${checks.length} fail`}
          </span>
        )}
      </div>
      {summary && (
        <div className="dim" data-testid="verify-summary">
          {summary}
        </div>
      )}
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

/** The server's own verdict, `ok`, when the report has one. */
function verdictOf(report: JsonValue | null): boolean | null {
  if (!report || typeof report !== 'object' || Array.isArray(report)) return null;
  return typeof report.ok === 'boolean' ? report.ok : null;
}

function summaryOf(report: JsonValue | null): string | null {
  if (!report || typeof report !== 'object' || Array.isArray(report) || typeof report.checkedEvents !== 'number') return null;
  const upTo = typeof report.upTo === 'string' ? ` up to ${report.upTo}` : '';
  return `folded ${report.checkedEvents} events of ${String(report.checkedTransactions ?? 0)} transactions${upTo}`;
}

/**
 * POST /api/admin/verify answers `{ ok, differences, differenceCount, violations, caughtUp }`: the
 * read-model comparison is one check, and the violations are three, by invariant (the ledger's, the
 * money against the status, the settlement candidates); a `checks` list, if a server sends one, adds
 * its own. Also accepts `{ checks: [{ name, ok }] }`, an array of them, or `{ name: { ok } | boolean }`.
 */
function checksOf(report: JsonValue | null): Check[] {
  if (!report || typeof report !== 'object') return [];
  const record = report as Record<string, JsonValue>;
  if (!Array.isArray(report) && typeof record.differenceCount === 'number' && Array.isArray(record.violations)) {
    const extra = Array.isArray(record.checks) ? checksOf(record.checks) : [];
    const violations: JsonValue[] = record.violations;
    const violationsOf = (keep: (invariant: JsonValue | undefined) => boolean) =>
      violations.filter((violation) =>
        keep(typeof violation === 'object' && violation !== null && !Array.isArray(violation) ? violation.invariant : undefined),
      );
    const ledger = violationsOf((invariant) => !(invariant === 'funds_match_status' || invariant === 'settlement_candidates'));
    const funds = violationsOf((invariant) => invariant === 'funds_match_status');
    const candidates = violationsOf((invariant) => invariant === 'settlement_candidates');
    return [
      { name: 'read models equal a fold of the log', ok: record.differenceCount === 0, detail: record.differences },
      { name: 'ledger invariants hold', ok: ledger.length === 0, detail: ledger },
      { name: 'money is where each status says', ok: funds.length === 0, detail: funds },
      { name: 'settlement candidates are the completed payments awaiting T+1', ok: candidates.length === 0, detail: candidates },
      ...(typeof record.caughtUp === 'boolean' ? [{ name: 'read models caught up with the log', ok: record.caughtUp }] : []),
      ...extra,
    ];
  }
  const list = Array.isArray(report) ? report : (record.checks ?? record.invariants ?? record.results ?? withoutSummary(record));
  const okOf = (value: Record<string, JsonValue>) =>
    value.ok === true || value.passed === true || value.status === 'ok' || value.status === 'pass';
  if (Array.isArray(list)) {
    return list
      .filter((item): item is Record<string, JsonValue> => typeof item === 'object' && item !== null && !Array.isArray(item))
      .map((item, index) => ({
        name: String(item.name ?? item.check ?? `check ${index + 1}`),
        ok: okOf(item),
        detail: item.details ?? item.detail ?? item.violations,
      }));
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
