import { encodePosition } from '@tracktrove/event-store';
import { eventIdOf, traceparentOf, type EndpointEventType } from '@tracktrove/webhooks';

export const deliveryStatuses = ['scheduled', 'retrying', 'delivered', 'failed', 'dropped'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** The faults injected into a delivery, as decided when it was first due. */
export interface InjectedFaults {
  readonly dropped: boolean;
  /** The delivery this one repeats (same event id), or null. */
  readonly duplicateOf: string | null;
  readonly delayMs: number;
  readonly reordered: boolean;
  readonly slow: boolean;
}

export const noneInjected: InjectedFaults = { dropped: false, duplicateOf: null, delayMs: 0, reordered: false, slow: false };

export interface AttemptView {
  readonly attempt: number;
  readonly at: string;
  readonly request: { readonly headers: Record<string, string>; readonly body: string };
  readonly status: number | null;
  readonly responseBody: string;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly nextAttemptAt: string | null;
}

export interface EndpointDeliveryView {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventPosition: string;
  readonly transactionId: string;
  readonly type: EndpointEventType;
  readonly status: DeliveryStatus;
  readonly injected: InjectedFaults;
  readonly traceparent: string;
  readonly attemptCount: number;
  readonly nextAttemptAt: string | null;
  readonly createdAt: string;
  readonly attempts: AttemptView[];
}

export interface DeliveryRow {
  delivery_id: string;
  endpoint_id: string;
  event_id: string;
  transaction_id: string;
  stream_version: string | number;
  tx_id: string;
  seq: string | number;
  type: EndpointEventType;
  traceparent: string | null;
  duplicate_of: string | null;
  injected: InjectedFaults | null;
  body: string | null;
  status: DeliveryStatus;
  attempts: number;
  max_attempts: number | null;
  next_attempt_at: Date | string | null;
  lease_until: Date | string | null;
  created_at: Date | string;
}

export interface AttemptRow {
  delivery_id: string;
  attempt: number;
  at: Date | string;
  request: AttemptView['request'];
  status_code: number | null;
  response_body: string;
  latency_ms: number;
  error: string | null;
  next_attempt_at: Date | string | null;
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** The delivery's traceparent: its event's, else one derived from the transaction (see traceparentOf). */
export const deliveryTraceparent = (row: DeliveryRow) =>
  traceparentOf({ traceparent: row.traceparent }, row.transaction_id, Number(row.stream_version));

export function deliveryViewOf(row: DeliveryRow, attempts: readonly AttemptRow[]): EndpointDeliveryView {
  return {
    id: row.delivery_id,
    endpointId: row.endpoint_id,
    eventId: eventIdOf(row.event_id),
    eventPosition: encodePosition({ txId: BigInt(row.tx_id), seq: BigInt(row.seq) }),
    transactionId: row.transaction_id,
    type: row.type,
    status: row.status,
    injected: row.injected ?? noneInjected,
    traceparent: deliveryTraceparent(row),
    attemptCount: row.attempts,
    nextAttemptAt: row.status === 'scheduled' || row.status === 'retrying' ? iso(row.next_attempt_at) : null,
    createdAt: iso(row.created_at)!,
    attempts: attempts.map((attempt) => ({
      attempt: attempt.attempt,
      at: iso(attempt.at)!,
      request: attempt.request,
      status: attempt.status_code,
      responseBody: attempt.response_body,
      latencyMs: attempt.latency_ms,
      error: attempt.error,
      nextAttemptAt: iso(attempt.next_attempt_at),
    })),
  };
}
