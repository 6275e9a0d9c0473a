import type { JsonValue } from '../api/types.ts';
import type { ChangeKind } from '../json/json-diff.ts';
import { isRecord } from '../json/json-diff.ts';
import { childPointer } from '../json/json-pointer.ts';

interface JsonTreeProps {
  value: JsonValue | undefined;
  marks?: Map<string, ChangeKind>;
  testId?: string;
}

/** Pretty-printed JSON where changed pointers (and everything under them) are highlighted. */
export function JsonTree({ value, marks = new Map(), testId }: JsonTreeProps) {
  return (
    <pre className="json-tree" data-testid={testId}>
      {value === undefined ? (
        <span className="json-missing">(none)</span>
      ) : (
        <Node value={value} pointer="" marks={marks} depth={0} inherited={null} />
      )}
    </pre>
  );
}

interface NodeProps {
  value: JsonValue;
  pointer: string;
  marks: Map<string, ChangeKind>;
  depth: number;
  inherited: ChangeKind | null;
  label?: string;
  trailingComma?: boolean;
}

function Node({ value, pointer, marks, depth, inherited, label, trailingComma }: NodeProps) {
  const change = marks.get(pointer) ?? inherited;
  const indent = '  '.repeat(depth);
  const key = label === undefined ? null : <span className="json-key">{JSON.stringify(label)}</span>;
  const comma = trailingComma ? ',' : '';
  const lineClass = change ? `json-line json-${change}` : 'json-line';

  if (Array.isArray(value) || isRecord(value)) {
    const entries: [string | number, JsonValue][] = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : Object.entries(value);
    const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) {
      return (
        <span className={lineClass} data-pointer={pointer}>
          {indent}
          {key}
          {key && ': '}
          {open}
          {close}
          {comma}
          {'\n'}
        </span>
      );
    }
    return (
      <>
        <span className={lineClass} data-pointer={pointer}>
          {indent}
          {key}
          {key && ': '}
          {open}
          {'\n'}
        </span>
        {entries.map(([childKey, child], index) => (
          <Node
            key={childKey}
            value={child}
            pointer={childPointer(pointer, childKey)}
            marks={marks}
            depth={depth + 1}
            inherited={change}
            label={Array.isArray(value) ? undefined : String(childKey)}
            trailingComma={index < entries.length - 1}
          />
        ))}
        <span className={lineClass}>
          {indent}
          {close}
          {comma}
          {'\n'}
        </span>
      </>
    );
  }
  return (
    <span className={lineClass} data-pointer={pointer}>
      {indent}
      {key}
      {key && ': '}
      <span className={`json-${value === null ? 'null' : typeof value}`}>{JSON.stringify(value)}</span>
      {comma}
      {'\n'}
    </span>
  );
}
