import { useState } from 'react';
import { getClock } from '../../api/admin-api.ts';
import { listTransactions } from '../../api/transactions-api.ts';
import { readToken, saveToken } from '../../api/token-storage.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';

type Check = { role: string; ok: boolean; problem: unknown };

/** The bearer token, kept in localStorage and sent as Authorization: Bearer. */
export function SettingsScreen() {
  const [token, setToken] = useState(readToken);
  const [saved, setSaved] = useState(false);
  const [checks, setChecks] = useState<Check[]>([]);
  const [reveal, setReveal] = useState(false);

  async function checkToken() {
    const results: Check[] = [];
    for (const [role, probe] of [
      ['viewer (read transactions)', () => listTransactions({ limit: 1 })],
      ['admin (read the sandbox clock)', () => getClock()],
    ] as const) {
      try {
        await probe();
        results.push({ role, ok: true, problem: null });
      } catch (problem) {
        results.push({ role, ok: false, problem });
      }
    }
    setChecks(results);
  }

  return (
    <div className="stack narrow">
      <section className="panel" data-testid="settings-panel">
        <div className="panel-head">
          <h2>API token</h2>
        </div>
        <p className="dim">
          Roles: <b>admin</b> &gt; <b>operator</b> &gt; <b>viewer</b>. Admin pages need <code>TRACKTROVE_ADMIN_TOKEN</code> (the server logs
          a generated one at start-up when unset). Commands need an operator token only when <code>TRACKTROVE_OPERATOR_TOKEN</code> is set;
          reads and the stream need a viewer token only when <code>TRACKTROVE_VIEWER_TOKEN</code> is set. The token stays in this browser’s
          localStorage.
        </p>
        <form
          className="form-row"
          onSubmit={(submit) => {
            submit.preventDefault();
            saveToken(token);
            setSaved(true);
            setTimeout(() => setSaved(false), 1500);
            void checkToken();
          }}
        >
          <input
            className="mono"
            type={reveal ? 'text' : 'password'}
            style={{ width: '32rem' }}
            placeholder="bearer token"
            value={token}
            autoComplete="off"
            onChange={(change) => setToken(change.target.value)}
            data-testid="token-input"
          />
          <label className="checkbox">
            <input type="checkbox" checked={reveal} onChange={(change) => setReveal(change.target.checked)} /> show
          </label>
          <button type="submit" className="primary" data-testid="token-save">
            Save
          </button>
          <button
            type="button"
            onClick={() => {
              setToken('');
              saveToken('');
              setChecks([]);
            }}
            data-testid="token-clear"
          >
            Clear
          </button>
          {saved && <span className="ok-flag">saved</span>}
          <button type="button" onClick={() => void checkToken()}>
            Check
          </button>
        </form>
        {checks.map((check) => (
          <div key={check.role} className="token-check" data-testid="token-check" data-ok={check.ok}>
            {check.ok ? '✓' : '✗'} {check.role}
            {!check.ok && <ProblemNotice problem={check.problem} compact />}
          </div>
        ))}
      </section>
    </div>
  );
}
