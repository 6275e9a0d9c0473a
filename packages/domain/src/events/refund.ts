import { z } from 'zod';
import { IdSchema, ReasonSchema, TimestampSchema } from './common.ts';

/** A refund of a completed or settled transaction was asked for; status unchanged, refund pending. */
export const RefundRequestedSchema = z.object({
  refundId: IdSchema,
  reason: ReasonSchema,
  requestedAt: TimestampSchema,
});
export type RefundRequested = z.infer<typeof RefundRequestedSchema>;

/** COMPLETED | SETTLED -> REFUNDED: funds go back to the payer (from escrow, or from the vendor once settled). */
export const RefundSucceededSchema = z.object({
  refundId: IdSchema,
  refundedAt: TimestampSchema,
});
export type RefundSucceeded = z.infer<typeof RefundSucceededSchema>;

/** The asynchronous refund failed; status unchanged, no refund pending any more. */
export const RefundFailedSchema = z.object({
  refundId: IdSchema,
  reason: ReasonSchema,
  failedAt: TimestampSchema,
});
export type RefundFailed = z.infer<typeof RefundFailedSchema>;
