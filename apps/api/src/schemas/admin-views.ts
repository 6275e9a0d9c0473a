import { z } from 'zod';

/** Response shapes of the admin routes, for validation of what we send and for the OpenAPI document. */
export const ClockViewSchema = z.object({ now: z.string() });

export const ClockAdvanceViewSchema = z.object({
  from: z.string(),
  now: z.string(),
  firedTimers: z.number().int(),
  position: z.string(),
});

export const SettlementRunViewSchema = z.object({
  settlementDate: z.string(),
  batchIds: z.array(z.string()),
  settledCount: z.number().int(),
  totals: z.array(z.object({ currency: z.string(), amountMinor: z.number().int(), amount: z.string(), count: z.number().int() })),
  /** False when the run stopped at its time budget (or candidate limit) with candidates left: run again. */
  complete: z.boolean(),
});

const RebuildProgressSchema = z.object({
  eventsDone: z.number(),
  eventsTotal: z.number(),
  eventsPerSecond: z.number(),
  startedAt: z.string(),
  generation: z.number().int().optional(),
  generations: z.record(z.string(), z.number().int()).optional(),
});

export const ProjectionStatusViewSchema = z.object({
  name: z.string(),
  generation: z.number().int(),
  status: z.enum(['starting', 'live', 'catching-up', 'standby', 'rebuilding', 'stopped']),
  position: z.string(),
  /** Events committed to the log that the read model has not applied yet (counted up to a limit). */
  lag: z.number().int(),
  progress: RebuildProgressSchema.nullable(),
  lastError: z.string().nullable(),
});

export const RebuildStartedViewSchema = z.object({
  name: z.string(),
  status: z.literal('rebuilding'),
  projections: z.array(z.string()),
  statusUrl: z.string(),
});

export const VerifyReportViewSchema = z
  .object({
    ok: z.boolean(),
    /** Whether the read models had applied the log up to `upTo` when verification ran. */
    caughtUp: z.boolean(),
    upTo: z.string(),
    checkedEvents: z.number().int(),
    checkedTransactions: z.number().int(),
    differences: z.array(
      z.object({
        readModel: z.enum(['transactions', 'traces', 'ledger']),
        key: z.string(),
        field: z.string(),
        expected: z.unknown(),
        actual: z.unknown(),
      }),
    ),
    differenceCount: z.number().int(),
    violations: z.array(z.looseObject({ invariant: z.string(), message: z.string(), entryId: z.string().nullable() })),
  })
  .loose();
