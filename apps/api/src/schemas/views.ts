import { z } from 'zod';

/** Response shapes of api.md, for validation of what we send and for the OpenAPI document. */
export const LastErrorSchema = z.object({ code: z.string(), message: z.string(), at: z.string() }).nullable();

export const TransactionViewSchema = z.object({
  id: z.string(),
  status: z.string(),
  /** The same as `status`, under the name the seed's clients read. */
  currentStatus: z.string(),
  amount: z.string(),
  amountMinor: z.number().int(),
  currency: z.string(),
  vendorId: z.string(),
  payerId: z.string(),
  channel: z.string(),
  kind: z.string(),
  serviceContext: z.string().nullable(),
  retryCount: z.number().int(),
  version: z.number().int(),
  position: z.string(),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
  escrowExpiresAt: z.string().nullable(),
  lastError: LastErrorSchema,
});

export const TraceViewSchema = z.object({
  version: z.number().int(),
  position: z.string(),
  type: z.string(),
  step: z.string(),
  service: z.string().nullable(),
  at: z.string(),
  attempt: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  dtoBefore: z.unknown(),
  dtoAfter: z.unknown(),
  /** RFC 6902 operations turning dtoBefore into dtoAfter (a diff needs only add, remove and replace). */
  diff: z.array(
    z.discriminatedUnion('op', [
      z.object({ op: z.literal('add'), path: z.string(), value: z.unknown() }),
      z.object({ op: z.literal('remove'), path: z.string() }),
      z.object({ op: z.literal('replace'), path: z.string(), value: z.unknown() }),
    ]),
  ),
  error: z.object({ message: z.string(), stack: z.string() }).nullable(),
  actor: z.object({ role: z.string(), id: z.string() }).nullable(),
});

export const LedgerEntryViewSchema = z.object({
  id: z.string(),
  transactionId: z.string(),
  type: z.string(),
  debitAccount: z.string(),
  creditAccount: z.string(),
  amount: z.string(),
  amountMinor: z.number().int(),
  currency: z.string(),
  pending: z.boolean(),
  phase: z.string(),
  pendingId: z.string().nullable(),
  version: z.number().int(),
  position: z.string(),
  at: z.string(),
});

const BalanceAmountsSchema = z.object({
  debitsPosted: z.string(),
  creditsPosted: z.string(),
  debitsPending: z.string(),
  creditsPending: z.string(),
  debitsPostedMinor: z.number().int(),
  creditsPostedMinor: z.number().int(),
  debitsPendingMinor: z.number().int(),
  creditsPendingMinor: z.number().int(),
});

export const BalancesViewSchema = z.object({
  accounts: z.array(
    BalanceAmountsSchema.extend({ account: z.string(), currency: z.string(), balance: z.string(), balanceMinor: z.number().int() }),
  ),
  totals: z.record(z.string(), BalanceAmountsSchema),
  asOf: z.string().optional(),
});

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** What a command answers: the transaction, its new version and the position of the last event. */
export const CommandResponseSchema = TransactionViewSchema.extend({
  position: z.string(),
});

/** One attempt of a webhook delivery: what was sent and answered (bodies clipped), or why not. */
export const DeliveryAttemptViewSchema = z.object({
  attempt: z.number().int(),
  at: z.string(),
  request: z.object({ url: z.string(), headers: z.record(z.string(), z.string()), body: z.string() }).nullable(),
  response: z.object({ status: z.number().int(), body: z.string() }).nullable(),
  status: z.number().int().nullable(),
  outcome: z.enum(['delivered', 'failed', 'dropped']),
  dropped: z.boolean(),
  error: z.string().nullable(),
  nextRetryAt: z.string().nullable(),
});

export const DeliveryViewSchema = z.object({
  id: z.string(),
  webhookId: z.string(),
  transactionId: z.string(),
  type: z.string(),
  url: z.string(),
  status: z.enum(['scheduled', 'delivered', 'retrying', 'failed', 'dropped']),
  dueAt: z.string(),
  nextRetryAt: z.string().nullable(),
  /** Failure injection decided when the delivery was scheduled. */
  injection: z.object({
    dropped: z.boolean(),
    duplicateOf: z.string().nullable(),
    extraDelayMs: z.number(),
    reason: z.string().nullable(),
  }),
  attemptCount: z.number().int(),
  attempts: z.array(DeliveryAttemptViewSchema),
  createdAt: z.string(),
});

export const SettlementBatchViewSchema = z.object({
  batchId: z.string(),
  vendorId: z.string(),
  currency: z.string(),
  settlementDate: z.string(),
  transactionIds: z.array(z.string()),
  transactionCount: z.number().int(),
  totalMinor: z.number().int(),
  total: z.string(),
  position: z.string(),
  createdAt: z.string(),
});
