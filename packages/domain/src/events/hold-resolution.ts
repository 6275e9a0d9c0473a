import { z } from 'zod';
import { AmountMinorSchema, IdSchema, ReasonSchema, TimestampSchema } from './common.ts';

/** The hold's pending transfer is posted. ESCROW -> COMPLETED (webhook, or expiry with onHoldExpiry=release). */
export const EscrowHoldPostedSchema = z.object({
  holdId: IdSchema,
  amountMinor: AmountMinorSchema,
  via: z.enum(['webhook', 'hold_expiry']),
  completedAt: TimestampSchema,
});
export type EscrowHoldPosted = z.infer<typeof EscrowHoldPostedSchema>;

/** The hold's pending transfer is voided. ESCROW -> REFUNDED (operator refund, or expiry with onHoldExpiry=void). */
export const EscrowHoldVoidedSchema = z.object({
  holdId: IdSchema,
  amountMinor: AmountMinorSchema,
  via: z.enum(['refund', 'hold_expiry']),
  refundId: IdSchema.nullable(),
  reason: ReasonSchema.nullable(),
  voidedAt: TimestampSchema,
});
export type EscrowHoldVoided = z.infer<typeof EscrowHoldVoidedSchema>;
