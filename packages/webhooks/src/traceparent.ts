import { createHash } from 'node:crypto';

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A W3C traceparent of version 00 with a trace id and a parent id that are not all zeros. */
export function isTraceparent(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = traceparentPattern.exec(value);
  return match !== null && !/^0+$/.test(match[1]!) && !/^0+$/.test(match[2]!);
}

const hex = (text: string, length: number) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);

/**
 * The traceparent of a delivery whose event carries none: a trace id derived from the transaction
 * id (every delivery of the transaction is in one trace) and a parent id from the event, both
 * deterministic, sampled.
 */
export function fallbackTraceparent(transactionId: string, eventKey: string | number): string {
  const traceId = hex(`tracktrove-trace|${transactionId}`, 32);
  const parentId = hex(`tracktrove-span|${transactionId}|${eventKey}`, 16);
  return `00-${/^0+$/.test(traceId) ? '1'.padStart(32, '0') : traceId}-${/^0+$/.test(parentId) ? '1'.padStart(16, '0') : parentId}-01`;
}

/** The event's own traceparent when it has a valid one (metadata.traceparent), else the fallback. */
export function traceparentOf(metadata: unknown, transactionId: string, eventKey: string | number): string {
  const carried = (metadata as { traceparent?: unknown } | null)?.traceparent;
  return isTraceparent(carried) ? carried : fallbackTraceparent(transactionId, eventKey);
}
