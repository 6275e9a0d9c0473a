import { backoffDelayMs, seededRandom } from '@tracktrove/common';

export const deliveryRetryLimits = {
  /** Attempts of one delivery before it is marked failed. */
  maxAttempts: 8,
  /** The upper bound an endpoint's attempts may be configured to. */
  maxAttemptsCeiling: 20,
  baseDelayMs: 1000,
  maxDelayMs: 600_000,
} as const;

/**
 * Sandbox milliseconds from a failed attempt to the next one: exponential backoff with equal jitter
 * (1 s, 2 s, 4 s ... each between half and all of it), the jitter seeded by the delivery and the
 * attempt so a replay waits the same. Null after the last attempt.
 */
export function nextAttemptDelayMs(options: {
  readonly deliveryId: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  readonly maxAttempts?: number;
}): number | null {
  const maxAttempts = options.maxAttempts ?? deliveryRetryLimits.maxAttempts;
  if (options.attempt >= maxAttempts) return null;
  return backoffDelayMs({
    attempt: options.attempt,
    baseDelayMs: deliveryRetryLimits.baseDelayMs,
    maxDelayMs: deliveryRetryLimits.maxDelayMs,
    random: seededRandom('endpoint-retry', options.deliveryId, options.attempt)(),
  });
}
