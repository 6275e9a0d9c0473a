import { z } from 'zod';
import { JsonValueSchema } from '../json.ts';
import { CurrencySchema } from '../money/currency.ts';
import { AmountMinorSchema, ChannelSchema, IdSchema, TimestampSchema, TraceparentSchema, TransactionKindSchema } from './common.ts';

const RateSchema = z.number().min(0).max(1);
const dayMs = 86_400_000;

/** Failure injection chosen at initiation and recorded so replays never re-decide it. */
export const SimulationSettingsSchema = z.object({
  successRate: RateSchema,
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  escrowTtlMs: z
    .number()
    .int()
    .min(1)
    .max(7 * dayMs),
  onHoldExpiry: z.enum(['release', 'void']),
  webhook: z.object({
    dropRate: RateSchema,
    duplicateRate: RateSchema,
    delayMs: z.number().int().min(0).max(dayMs),
  }),
  dropExpiryNotification: z.boolean(),
  refundFailureRate: RateSchema,
});
export type SimulationSettings = z.infer<typeof SimulationSettingsSchema>;

export const defaultSimulation: SimulationSettings = {
  successRate: 1,
  seed: 0,
  escrowTtlMs: 30_000,
  onHoldExpiry: 'release',
  webhook: { dropRate: 0, duplicateRate: 0, delayMs: 1000 },
  dropExpiryNotification: false,
  refundFailureRate: 0,
};

export const maxRetriesLimit = 10;
export const RetryPolicySchema = z.object({ maxRetries: z.number().int().min(0).max(maxRetriesLimit) });
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;
/** Default: 3 retries after the first attempt. */
export const defaultRetryPolicy: RetryPolicy = { maxRetries: 3 };

/** Version 1 (historic): no kind, no simulation settings, no retry policy. */
export const TransactionInitiatedV1Schema = z.object({
  transactionId: z.uuid(),
  vendorId: IdSchema,
  payerId: IdSchema,
  amountMinor: AmountMinorSchema,
  currency: CurrencySchema,
  channel: ChannelSchema,
  payload: JsonValueSchema,
  serviceContext: z.string().max(1000).nullable(),
  initiatedAt: TimestampSchema,
});
export type TransactionInitiatedV1 = z.infer<typeof TransactionInitiatedV1Schema>;

/** Version 2 (current). */
export const TransactionInitiatedSchema = TransactionInitiatedV1Schema.extend({
  kind: TransactionKindSchema,
  /** The settings in force at initiation: the transaction's own, with the global overrides of that moment. */
  simulation: SimulationSettingsSchema,
  /**
   * The transaction's own settings, recorded when global overrides made `simulation` differ from
   * them: later decisions (retries, new holds' webhooks, refunds) apply the global overrides in
   * force at their own moment to these. Absent: the same as `simulation` (and in events from
   * before it was recorded).
   */
  requestedSimulation: SimulationSettingsSchema.optional(),
  retryPolicy: RetryPolicySchema,
  /**
   * The W3C `traceparent` the transaction was initiated with: its trace is that trace. Absent (an
   * initiate without one, and events from before it was recorded): the trace id is the
   * transaction id's hex digits (trace-context.ts).
   */
  traceparent: TraceparentSchema.optional(),
});
export type TransactionInitiated = z.infer<typeof TransactionInitiatedSchema>;
