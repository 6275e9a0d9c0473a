import { useEffect, useState } from 'react';
import { getFailures, putFailures } from '../../api/admin-api.ts';
import type { FailureSettings } from '../../api/types.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useApiData } from '../../components/use-api-data.ts';
import { useCommand } from '../../components/use-command.ts';

/**
 * Global failure injection. The contract does not fix the settings' fields, so
 * this edits whatever the server returns as JSON and PUTs it back.
 */
export function FailuresPanel() {
  const failures = useApiData((signal) => getFailures(signal), []);
  const [text, setText] = useState('');
  const [parseError, setParseError] = useState<string | null>(null);
  const save = useCommand((settings: FailureSettings) => putFailures(settings), failures.reload);

  useEffect(() => {
    if (failures.data) setText(JSON.stringify(failures.data, null, 2));
  }, [failures.data]);

  function submit() {
    try {
      const settings = JSON.parse(text) as FailureSettings;
      setParseError(null);
      void save.run(settings);
    } catch (error) {
      setParseError((error as Error).message);
    }
  }

  return (
    <section className="panel" data-testid="failures-panel">
      <div className="panel-head">
        <h2>Failure injection (global)</h2>
        <button type="button" className="primary" disabled={save.pending || !text} onClick={submit} data-testid="failures-save">
          {save.pending ? 'saving…' : 'Save'}
        </button>
        <button type="button" onClick={failures.reload}>
          reload
        </button>
      </div>
      <textarea
        className="mono json-editor"
        rows={Math.min(18, Math.max(6, text.split('\n').length + 1))}
        value={text}
        placeholder={failures.loading ? 'loading…' : '{ }'}
        onChange={(change) => setText(change.target.value)}
        spellCheck={false}
        data-testid="failures-json"
      />
      {parseError && <div className="notice notice-warn">not JSON: {parseError}</div>}
      <ProblemNotice problem={failures.problem ?? save.problem} />
    </section>
  );
}
