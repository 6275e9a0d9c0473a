import { z } from 'zod';
import { FundsPositionSchema, TransactionStatusSchema } from '../status.ts';
import { ActorSchema, IdSchema, ReasonSchema, TimestampSchema } from './common.ts';

/**
 * Admin override: any status to any other. Records who, why, from and to,
 * and where the money was and must end (the ledger posts the compensating
 * transfers). `newHold` is set when the target is ESCROW and no hold was pending.
 */
export const StatusOverriddenSchema = z.object({
  from: TransactionStatusSchema,
  to: TransactionStatusSchema,
  reason: ReasonSchema,
  actor: ActorSchema,
  fundsBefore: FundsPositionSchema,
  fundsAfter: FundsPositionSchema,
  newHold: z.object({ holdId: IdSchema, expiresAt: TimestampSchema }).nullable(),
  overriddenAt: TimestampSchema,
  /**
   * The completion time T+1 settlement counts from, when the override captures money that was at
   * the payer or on hold (the override's time). Absent when the money was captured already (the
   * first completion's time stands), and on events recorded before this field existed.
   */
  completedAt: TimestampSchema.optional(),
});
export type StatusOverridden = z.infer<typeof StatusOverriddenSchema>;
