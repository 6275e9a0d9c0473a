import type { ReactNode } from 'react';

/** A labelled form control, label above. */
export function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <label className="field">
      <span className="field-label">
        {label}
        {hint && <span className="dim"> {hint}</span>}
      </span>
      {children}
    </label>
  );
}
