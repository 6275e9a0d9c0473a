import { z } from 'zod';
import { AmountMinorSchema, IdSchema, ReasonSchema, TimestampSchema } from './common.ts';

const AttemptSchema = z.number().int().min(1);

/** Gateway authorized: a pending transfer payer -> escrow with a TTL. INITIATED | RETRY_PENDING -> ESCROW. */
export const EscrowHoldPlacedSchema = z.object({
  holdId: IdSchema,
  amountMinor: AmountMinorSchema,
  expiresAt: TimestampSchema,
  attempt: AttemptSchema,
  placedAt: TimestampSchema,
});
export type EscrowHoldPlaced = z.infer<typeof EscrowHoldPlacedSchema>;

/** Gateway declined. INITIATED | RETRY_PENDING -> FAILED. */
export const AuthorizationDeclinedSchema = z.object({
  reason: ReasonSchema,
  code: z.string().min(1).max(100),
  attempt: AttemptSchema,
  declinedAt: TimestampSchema,
});
export type AuthorizationDeclined = z.infer<typeof AuthorizationDeclinedSchema>;

/** FAILED -> RETRY_PENDING. `attempt` is the number of the attempt that will run at `dueAt`. */
export const RetryScheduledSchema = z.object({
  attempt: z.number().int().min(2),
  dueAt: TimestampSchema,
  forced: z.boolean(),
  scheduledAt: TimestampSchema,
});
export type RetryScheduled = z.infer<typeof RetryScheduledSchema>;

/** FAILED -> PERMANENTLY_FAILED. */
export const RetriesExhaustedSchema = z.object({
  attempts: AttemptSchema,
  exhaustedAt: TimestampSchema,
});
export type RetriesExhausted = z.infer<typeof RetriesExhaustedSchema>;
