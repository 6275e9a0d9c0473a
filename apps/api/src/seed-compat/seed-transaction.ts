import { z } from 'zod';
import type { TransactionView } from '@tracktrove/projections';
import { TransactionViewSchema } from '../schemas/views.ts';

/**
 * A transaction as the seed's backend sent it: `amount` a JSON number and the status as
 * `currentStatus`, with TrackTrove's other fields alongside (`status` among them).
 */
export const SeedTransactionSchema = TransactionViewSchema.extend({
  amount: z.number(),
  currentStatus: z.string(),
});
export type SeedTransaction = z.infer<typeof SeedTransactionSchema>;

/** TrackTrove's transaction object in the seed's shape. */
export function seedTransactionOf(view: TransactionView): SeedTransaction {
  return { ...view, amount: Number(view.amount), currentStatus: view.status };
}
