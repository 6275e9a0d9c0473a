import { z } from 'zod';
import { AuthorizationDeclinedSchema, EscrowHoldPlacedSchema, RetriesExhaustedSchema, RetryScheduledSchema } from './authorization.ts';
import { DisputeOpenedSchema, DisputeResolvedSchema } from './dispute.ts';
import { EscrowHoldPostedSchema, EscrowHoldVoidedSchema } from './hold-resolution.ts';
import { RefundFailedSchema, RefundRequestedSchema, RefundSucceededSchema } from './refund.ts';
import { TransactionSettledSchema } from './settlement.ts';
import { StatusOverriddenSchema } from './status-overridden.ts';
import { TransactionInitiatedSchema } from './transaction-initiated.ts';

/** Current data schema of every event type: the single source for validation and types. */
export const eventDataSchemas = {
  TransactionInitiated: TransactionInitiatedSchema,
  EscrowHoldPlaced: EscrowHoldPlacedSchema,
  AuthorizationDeclined: AuthorizationDeclinedSchema,
  RetryScheduled: RetryScheduledSchema,
  RetriesExhausted: RetriesExhaustedSchema,
  EscrowHoldPosted: EscrowHoldPostedSchema,
  EscrowHoldVoided: EscrowHoldVoidedSchema,
  TransactionSettled: TransactionSettledSchema,
  RefundRequested: RefundRequestedSchema,
  RefundSucceeded: RefundSucceededSchema,
  RefundFailed: RefundFailedSchema,
  DisputeOpened: DisputeOpenedSchema,
  DisputeResolved: DisputeResolvedSchema,
  StatusOverridden: StatusOverriddenSchema,
} as const;

export type TransactionEventType = keyof typeof eventDataSchemas;

export const transactionEventTypes = Object.keys(eventDataSchemas) as TransactionEventType[];

/** Current schema version of each event type. Bump it together with an upcaster. */
export const eventSchemaVersions: Record<TransactionEventType, number> = {
  TransactionInitiated: 2,
  EscrowHoldPlaced: 1,
  AuthorizationDeclined: 1,
  RetryScheduled: 1,
  RetriesExhausted: 1,
  EscrowHoldPosted: 1,
  EscrowHoldVoided: 1,
  TransactionSettled: 1,
  RefundRequested: 1,
  RefundSucceeded: 1,
  RefundFailed: 1,
  DisputeOpened: 1,
  DisputeResolved: 1,
  StatusOverridden: 1,
};

const variant = <T extends TransactionEventType>(type: T) => z.object({ type: z.literal(type), data: eventDataSchemas[type] });

/** One discriminated union on `type`. */
export const TransactionEventSchema = z.discriminatedUnion('type', [
  variant('TransactionInitiated'),
  variant('EscrowHoldPlaced'),
  variant('AuthorizationDeclined'),
  variant('RetryScheduled'),
  variant('RetriesExhausted'),
  variant('EscrowHoldPosted'),
  variant('EscrowHoldVoided'),
  variant('TransactionSettled'),
  variant('RefundRequested'),
  variant('RefundSucceeded'),
  variant('RefundFailed'),
  variant('DisputeOpened'),
  variant('DisputeResolved'),
  variant('StatusOverridden'),
]);

export type TransactionEvent = z.infer<typeof TransactionEventSchema>;

export type EventOfType<T extends TransactionEventType> = Extract<TransactionEvent, { type: T }>;

export type EventData<T extends TransactionEventType> = EventOfType<T>['data'];

export function isTransactionEventType(type: unknown): type is TransactionEventType {
  return typeof type === 'string' && Object.hasOwn(eventDataSchemas, type);
}
