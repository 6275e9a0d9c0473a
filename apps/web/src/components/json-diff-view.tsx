import type { JsonValue } from '../api/types.ts';
import type { JsonPatchOperation } from '../json/json-patch.ts';
import { computePatch, marksFromPatch } from '../json/json-diff.ts';
import { JsonTree } from './json-tree.tsx';

interface JsonDiffViewProps {
  before: JsonValue | undefined;
  after: JsonValue | undefined;
  /** The server's RFC 6902 patch; computed locally when absent. */
  patch?: JsonPatchOperation[] | null;
}

/** Before and after side by side, changed paths highlighted, and the patch itself. */
export function JsonDiffView({ before, after, patch }: JsonDiffViewProps) {
  const operations = patch ?? computePatch(before ?? null, after ?? null);
  const marks = marksFromPatch(operations, after ?? null);
  return (
    <div className="json-diff" data-testid="json-diff">
      <div className="json-diff-sides">
        <section>
          <header>DTO before</header>
          <JsonTree value={before} marks={marks.before} testId="dto-before" />
        </section>
        <section>
          <header>DTO after</header>
          <JsonTree value={after} marks={marks.after} testId="dto-after" />
        </section>
      </div>
      <PatchList operations={operations} />
    </div>
  );
}

function PatchList({ operations }: { operations: JsonPatchOperation[] }) {
  if (operations.length === 0) return <div className="patch-empty dim">No changes in this step.</div>;
  return (
    <table className="patch-list" data-testid="json-patch">
      <tbody>
        {operations.map((operation, index) => (
          <tr key={index} className={`patch-${operation.op}`}>
            <td className="patch-op">{operation.op}</td>
            <td className="mono">{operation.path || '/'}</td>
            <td className="mono patch-value">
              {operation.from !== undefined && <span className="dim">from {operation.from} </span>}
              {'value' in operation && operation.value !== undefined ? truncate(JSON.stringify(operation.value)) : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function truncate(text: string, maxLength = 160): string {
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}
