/** The transaction events an endpoint can subscribe to, as its deliveries name them. */
export const endpointEventTypes = [
  'transaction.initiated',
  'transaction.escrow_held',
  'transaction.completed',
  'transaction.failed',
  'transaction.retry_scheduled',
  'transaction.permanently_failed',
  'transaction.refunded',
  'transaction.refund_failed',
  'transaction.settled',
  'transaction.dispute_opened',
  'transaction.dispute_resolved',
  'transaction.overridden',
] as const;

export type EndpointEventType = (typeof endpointEventTypes)[number];

/**
 * The stored transaction event each delivery type comes from. `RefundRequested` (a refund asked
 * for, its outcome still pending) makes none: the outcome does (refunded or refund_failed).
 */
export const endpointEventTypeOfStored = {
  TransactionInitiated: 'transaction.initiated',
  EscrowHoldPlaced: 'transaction.escrow_held',
  EscrowHoldPosted: 'transaction.completed',
  AuthorizationDeclined: 'transaction.failed',
  RetryScheduled: 'transaction.retry_scheduled',
  RetriesExhausted: 'transaction.permanently_failed',
  EscrowHoldVoided: 'transaction.refunded',
  RefundSucceeded: 'transaction.refunded',
  RefundFailed: 'transaction.refund_failed',
  TransactionSettled: 'transaction.settled',
  DisputeOpened: 'transaction.dispute_opened',
  DisputeResolved: 'transaction.dispute_resolved',
  StatusOverridden: 'transaction.overridden',
} as const satisfies Record<string, EndpointEventType>;

/** The delivery type of a stored event type, or null when it makes no delivery. */
export function endpointEventTypeOf(storedType: string): EndpointEventType | null {
  return Object.hasOwn(endpointEventTypeOfStored, storedType)
    ? endpointEventTypeOfStored[storedType as keyof typeof endpointEventTypeOfStored]
    : null;
}

/** An endpoint's selection: an empty list means every type. */
export function endpointWants(eventTypes: readonly EndpointEventType[], type: EndpointEventType): boolean {
  return eventTypes.length === 0 || eventTypes.includes(type);
}
