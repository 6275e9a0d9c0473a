/** Exponential backoff with "equal jitter": half the delay is fixed, half is random (from `random` in [0, 1)). */
export function backoffDelayMs(options: { attempt: number; baseDelayMs: number; maxDelayMs: number; random: number }): number {
  const { attempt, baseDelayMs, maxDelayMs, random } = options;
  if (!(random >= 0 && random < 1)) throw new RangeError(`random must be in [0, 1), got ${random}`);
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const capped = Math.min(maxDelayMs, baseDelayMs * 2 ** exponent);
  return Math.max(1, Math.round(capped / 2 + (capped / 2) * random));
}
