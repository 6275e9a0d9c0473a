import { z } from 'zod';
import type { TransactionView } from '@tracktrove/application';
import { TransactionViewSchema } from '../schemas/views.ts';

/**
 * A transaction as the seed's backend sent it: `amount` a JSON number, the status as
 * `currentStatus` and the channel as the seed client gave it, with TrackTrove's other fields
 * alongside (`status` among them, and TrackTrove's own channel as `trackTroveChannel`).
 */
export const SeedTransactionSchema = TransactionViewSchema.extend({
  amount: z.number(),
  currentStatus: z.string(),
  trackTroveChannel: z.string(),
});
export type SeedTransaction = z.infer<typeof SeedTransactionSchema>;

/** TrackTrove's transaction object in the seed's shape; `seedChannel`: the channel the seed client gave, where TrackTrove mapped it. */
export function seedTransactionOf(view: TransactionView, seedChannel?: string): SeedTransaction {
  return {
    ...view,
    amount: Number(view.amount),
    currentStatus: view.status,
    channel: seedChannel ?? view.channel,
    trackTroveChannel: view.channel,
  };
}
