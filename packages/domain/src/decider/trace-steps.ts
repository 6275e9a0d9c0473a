import { buildMetadata, type EventMetadata, type MetadataInput, type ServiceName, type StepError } from '../events/metadata.ts';
import type { TransactionEvent, TransactionEventType } from '../events/transaction-event.ts';
import { traceparentAt } from '../trace-context.ts';
import { dtoOf } from './dto.ts';
import { evolve } from './evolve.ts';
import type { TransactionState } from './state.ts';

/** The simulated service that usually handles each event's step. */
export const serviceOf: Record<TransactionEventType, ServiceName> = {
  TransactionInitiated: 'api',
  EscrowHoldPlaced: 'gateway',
  AuthorizationDeclined: 'gateway',
  RetryScheduled: 'gateway',
  RetriesExhausted: 'gateway',
  EscrowHoldPosted: 'escrow',
  EscrowHoldVoided: 'escrow',
  TransactionSettled: 'settlement',
  RefundRequested: 'refunds',
  RefundSucceeded: 'refunds',
  RefundFailed: 'refunds',
  DisputeOpened: 'disputes',
  DisputeResolved: 'disputes',
  StatusOverridden: 'admin',
};

export type TracedEvent = { event: TransactionEvent; metadata: EventMetadata; state: TransactionState };

/**
 * The error of a step that failed (a declined authorization, a failed refund), as the trace's
 * `error`: the simulated service's failure with a stack naming the step, so the seed's error-stack
 * route has one to show. Null for steps that succeeded. Deterministic: built from the event alone.
 */
export function stepErrorOf(event: TransactionEvent): StepError | null {
  switch (event.type) {
    case 'AuthorizationDeclined': {
      const { code, reason, attempt } = event.data;
      const message = `authorization declined (${code}): ${reason}`;
      return { message, stack: `GatewayDeclinedError: ${message}\n    at gateway.authorize (attempt ${attempt})` };
    }
    case 'RefundFailed': {
      const { refundId, reason } = event.data;
      const message = `refund ${refundId} failed: ${reason}`;
      return { message, stack: `RefundFailedError: ${message}\n    at refunds.complete (refund ${refundId})` };
    }
    default:
      return null;
  }
}

/**
 * Pairs each decided event with its metadata: dtoBefore/dtoAfter from the
 * state around it, step = event type and service from `serviceOf` unless given, and the error of
 * a failed step (stepErrorOf) unless one is given, and the `traceparent` given (the request's) or
 * else the transaction's trace with the event's own span (trace-context.ts).
 * Returns the state after each event too, so callers fold only once.
 */
export function traceSteps(
  state: TransactionState,
  events: readonly TransactionEvent[],
  base: Omit<MetadataInput, 'dtoBefore' | 'dtoAfter' | 'step' | 'service'> & { step?: string; service?: ServiceName },
): TracedEvent[] {
  const traced: TracedEvent[] = [];
  let current = state;
  // One event's DTO after is the next one's DTO before: each state's DTO is built once.
  let dtoBefore = dtoOf(current);
  for (const event of events) {
    const next = evolve(current, event);
    const dtoAfter = dtoOf(next);
    const metadata = buildMetadata({
      ...base,
      step: base.step ?? event.type,
      service: base.service ?? serviceOf[event.type],
      dtoBefore,
      dtoAfter,
      error: base.error ?? stepErrorOf(event),
      traceparent: base.traceparent ?? traceparentAt(next, next.version),
    });
    traced.push({ event, metadata, state: next });
    current = next;
    dtoBefore = dtoAfter;
  }
  return traced;
}
