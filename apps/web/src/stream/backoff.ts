/** Exponential backoff with full jitter, capped: attempt 0 waits up to baseMs. */
export const reconnectBaseMs = 500;
export const reconnectCapMs = 15_000;

export function backoffDelayMs(attempt: number): number {
  const ceilingMs = Math.min(reconnectCapMs, reconnectBaseMs * 2 ** Math.min(attempt, 10));
  return Math.round(ceilingMs / 2 + (Math.random() * ceilingMs) / 2);
}
