import { z } from 'zod';
import { IdSchema, TimestampSchema } from './common.ts';

/** T+1 settlement moved the funds escrow -> vendor. COMPLETED -> SETTLED. */
export const TransactionSettledSchema = z.object({
  batchId: IdSchema,
  settlementDate: z.iso.date(),
  settledAt: TimestampSchema,
});
export type TransactionSettled = z.infer<typeof TransactionSettledSchema>;
