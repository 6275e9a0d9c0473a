import type { TransactionEvent } from './transaction-event.ts';

/** The business time an event records (decided by the command, never read from a clock). */
export function occurredAt(event: TransactionEvent): string {
  switch (event.type) {
    case 'TransactionInitiated':
      return event.data.initiatedAt;
    case 'EscrowHoldPlaced':
      return event.data.placedAt;
    case 'AuthorizationDeclined':
      return event.data.declinedAt;
    case 'RetryScheduled':
      return event.data.scheduledAt;
    case 'RetriesExhausted':
      return event.data.exhaustedAt;
    case 'EscrowHoldPosted':
      return event.data.completedAt;
    case 'EscrowHoldVoided':
      return event.data.voidedAt;
    case 'TransactionSettled':
      return event.data.settledAt;
    case 'RefundRequested':
      return event.data.requestedAt;
    case 'RefundSucceeded':
      return event.data.refundedAt;
    case 'RefundFailed':
      return event.data.failedAt;
    case 'DisputeOpened':
      return event.data.openedAt;
    case 'DisputeResolved':
      return event.data.resolvedAt;
    case 'StatusOverridden':
      return event.data.overriddenAt;
  }
}
