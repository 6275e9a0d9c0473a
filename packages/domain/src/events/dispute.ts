import { z } from 'zod';
import { IdSchema, ReasonSchema, TimestampSchema } from './common.ts';

/** COMPLETED | SETTLED -> DISPUTE_OPEN; the state remembers which. Funds stay where they are. */
export const DisputeOpenedSchema = z.object({
  disputeId: IdSchema,
  reason: ReasonSchema,
  openedAt: TimestampSchema,
});
export type DisputeOpened = z.infer<typeof DisputeOpenedSchema>;

export const DisputeOutcomeSchema = z.enum(['WON', 'LOST']);
export type DisputeOutcome = z.infer<typeof DisputeOutcomeSchema>;

/** DISPUTE_OPEN -> DISPUTE_RESOLVED. WON: funds stay. LOST: chargeback to the payer. */
export const DisputeResolvedSchema = z.object({
  disputeId: IdSchema,
  outcome: DisputeOutcomeSchema,
  resolvedAt: TimestampSchema,
});
export type DisputeResolved = z.infer<typeof DisputeResolvedSchema>;
