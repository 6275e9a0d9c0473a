import type { ReactNode } from 'react';

/** A labelled form control, label above. */
export function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the label's child, passed in as children
    <label className="field">
      <span className="field-label">
        {label}
        {hint && <span className="dim"> {hint}</span>}
      </span>
      {children}
    </label>
  );
}
