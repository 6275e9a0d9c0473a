/** The response header in which the server sends the sandbox clock's now. */
export const sandboxNowHeader = 'tracktrove-sandbox-now';

let offsetMs = 0;
let known = false;

/**
 * Records the sandbox clock's now from a response (its tracktrove-sandbox-now header): the
 * offset from this browser's clock, which moves whenever an admin advances the sandbox clock.
 */
export function recordSandboxNow(header: string | null): void {
  const sandboxMs = header ? Date.parse(header) : Number.NaN;
  if (!Number.isFinite(sandboxMs)) return;
  offsetMs = sandboxMs - Date.now();
  known = true;
}

/** Sandbox now, from the last response that told it (this browser's clock until one has). */
export function sandboxNowMs(): number {
  return Date.now() + offsetMs;
}

/** Whether a response has told the sandbox clock yet. */
export function sandboxClockKnown(): boolean {
  return known;
}
