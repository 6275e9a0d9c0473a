import type { EndpointDeliveryAttempt } from '../../api/types.ts';
import { formatDurationMs } from '../../format/format.ts';

/**
 * One attempt in words: "500 after 120 ms, next try in 4 s", "200 after 8 ms", "connection refused
 * after 2 ms, failed". The wait to the next try is sandbox time from the attempt.
 */
export function attemptText(attempt: EndpointDeliveryAttempt, last: boolean): string {
  const answer = attempt.status === null ? (attempt.error ?? 'no answer') : String(attempt.status);
  const delivered = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
  const outcome = `${answer} after ${formatDurationMs(attempt.latencyMs)}`;
  if (delivered) return outcome;
  if (attempt.nextAttemptAt) {
    const waitMs = Date.parse(attempt.nextAttemptAt) - Date.parse(attempt.at);
    return `${outcome}, next try in ${formatDurationMs(Math.max(0, waitMs))}`;
  }
  return last ? `${outcome}, failed` : outcome;
}
