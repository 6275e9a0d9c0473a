import { useState } from 'react';

/** A monospace id that copies itself on click. */
export function CopyableId({ id, short = false, testId }: { id: string; short?: boolean; testId?: string }) {
  const [copied, setCopied] = useState(false);
  const shown = short && id.length > 13 ? `${id.slice(0, 8)}…` : id;
  return (
    <button
      type="button"
      className="copyable-id mono"
      title={copied ? 'copied' : `${id} (click to copy)`}
      data-testid={testId}
      onClick={(click) => {
        click.stopPropagation();
        void navigator.clipboard?.writeText(id).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1200);
        });
      }}
    >
      {shown}
      {copied && <span className="copied-flag">✓</span>}
    </button>
  );
}
