/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/), the `traceparent` header:
 * `<version>-<trace-id>-<parent-id>-<trace-flags>`, e.g. `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`.
 *
 * A transaction has one trace: the trace id of the `traceparent` it was initiated with, or, without
 * one, its own id's 32 hex digits (a fresh id per transaction, and one a developer can find from
 * the transaction id alone). Every event of the transaction is a span of that trace; an event with
 * no `traceparent` of its own gets a span id derived from its transaction and stream version, so a
 * replay names the same spans. Pure: the viewer imports this module too.
 */

export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zero: the span the header's sender calls its own. */
  readonly parentId: string;
  /** 2 hex digits; bit 0 is "sampled". */
  readonly flags: string;
}

/** The longest `traceparent` read: version 00 is 55 characters; later versions may append fields. */
export const maxTraceparentLength = 512;

const version00Pattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** A later version: the version 00 fields, then nothing or `-` and more (which this parser does not read). */
const laterVersionPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const allZero = /^0+$/;

/**
 * A `traceparent` header value as a trace context, or null when it is not a valid one: version 00
 * exactly (55 characters, lowercase hex), or a later version read as version 00 where the spec
 * says so; version ff, an all-zero trace id or parent id, and anything else are invalid. A header
 * sent several times (an array) is invalid too: the spec allows one.
 */
export function parseTraceparent(header: unknown): TraceContext | null {
  if (typeof header !== 'string' || header.length > maxTraceparentLength) return null;
  const value = header.trim();
  let traceId: string;
  let parentId: string;
  let flags: string;
  const exact = version00Pattern.exec(value);
  if (exact) {
    [, traceId, parentId, flags] = exact as unknown as [string, string, string, string];
  } else {
    const later = laterVersionPattern.exec(value);
    if (!later || later[1] === '00' || later[1] === 'ff') return null;
    [, , traceId, parentId, flags] = later as unknown as [string, string, string, string, string];
  }
  if (allZero.test(traceId) || allZero.test(parentId)) return null;
  return { traceId, parentId, flags };
}

/** The version 00 header of a trace context. */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.parentId}-${context.flags}`;
}

/** The header as version 00 when it is a valid one (a later version keeps only its version 00 fields), else null. */
export function validTraceparent(header: unknown): string | null {
  const context = parseTraceparent(header);
  return context ? formatTraceparent(context) : null;
}

/** The trace id a transaction has when it was initiated without a `traceparent`: its id's hex digits. */
export function defaultTraceIdOf(transactionId: string): string {
  const hex = transactionId.replaceAll('-', '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) && !allZero.test(hex) ? hex : fnv1a64Hex(`trace|${transactionId}`) + fnv1a64Hex(`id|${transactionId}`);
}

/** A span id of one event of a transaction: derived from its id and the stream version the event takes. */
export function spanIdOf(transactionId: string, version: number): string {
  const hex = fnv1a64Hex(`${transactionId}|${version}`);
  return allZero.test(hex) ? '0000000000000001' : hex;
}

/** The transaction's trace: its initiating `traceparent`'s trace id and flags, or its default trace, sampled. */
export function transactionTraceOf(state: { readonly transactionId: string; readonly traceparent?: string | null }): {
  traceId: string;
  flags: string;
} {
  const initiating = parseTraceparent(state.traceparent);
  return initiating
    ? { traceId: initiating.traceId, flags: initiating.flags }
    : { traceId: defaultTraceIdOf(state.transactionId), flags: '01' };
}

/**
 * The `traceparent` of a transaction at a version: the transaction's trace, with the span of the
 * event at that version as parent (what the transaction's webhooks carry, and the events a command
 * appends without a header of its own).
 */
export function traceparentAt(state: { readonly transactionId: string; readonly traceparent?: string | null }, version: number): string {
  const { traceId, flags } = transactionTraceOf(state);
  return formatTraceparent({ traceId, parentId: spanIdOf(state.transactionId, version), flags });
}

/** Two 32-bit FNV-1a hashes of the text (different offset bases) as 16 hex digits: pure and fast, not for secrets. */
function fnv1a64Hex(text: string): string {
  let high = 0x811c9dc5;
  let low = 0x050c5d1f;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    high = Math.imul(high ^ code, 0x01000193);
    low = Math.imul(low ^ code, 0x01000193);
  }
  return (high >>> 0).toString(16).padStart(8, '0') + (low >>> 0).toString(16).padStart(8, '0');
}
