import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TrackTrove } from '@tracktrove/application';
import { FailureSettingsSchema } from '@tracktrove/simulator';
import type { AppContext } from '../app-context.ts';
import { requireRole } from '../http/auth.ts';
import { waitForLogPosition } from '../http/read-your-writes.ts';
import { CursorSchema, LimitSchema, MinPositionQuery, UuidSchema } from '../schemas/common.ts';
import { ClockAdvanceViewSchema, ClockViewSchema, SettlementRunViewSchema } from '../schemas/admin-views.ts';
import { pageOf, SettlementBatchViewSchema } from '../schemas/views.ts';
import { longRunning, longRunningLimits } from '../http/timeouts.ts';

const maxAdvanceMs = 366 * 24 * 3_600_000;
/** Transactions one candidate sync takes (verify lists at most 1,000 violations). */
const maxCandidateSync = 1_000;
const AdvanceBody = z.union([
  z.object({ ms: z.number().int().min(1).max(maxAdvanceMs) }).strict(),
  z.object({ to: z.string().datetime({ offset: true }) }).strict(),
]);

/** Admin: the sandbox clock, T+1 settlement, global failure injection. */
export function adminRoutes(trackTrove: TrackTrove): (context: AppContext) => FastifyPluginAsync {
  return (context) => async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const admin = requireRole('admin', context.tokens);

    // The clock and the failure settings are rows of their own, written before their commands
    // answer: minPosition has nothing to wait for there, but is checked like on every read.
    app.get(
      '/api/admin/clock',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'The sandbox clock',
          querystring: z.object(MinPositionQuery),
          response: { 200: ClockViewSchema },
        },
      },
      async () => ({ now: (await trackTrove.clock.now()).toISOString() }),
    );

    app.post(
      '/api/admin/clock/advance',
      {
        onRequest: [admin, longRunning(longRunningLimits.clockAdvanceMs)],
        schema: {
          tags: ['admin'],
          summary: 'Advance the sandbox clock by ms or to a time; timers that become due fire',
          body: AdvanceBody,
          response: { 200: ClockAdvanceViewSchema },
        },
      },
      async (request) => {
        const result = await trackTrove.clock.advance(request.body, request.actor, request.id);
        return { ...result, now: (await trackTrove.clock.now()).toISOString() };
      },
    );

    app.post(
      '/api/admin/settlement/run',
      {
        onRequest: [admin, longRunning(longRunningLimits.settlementRunMs)],
        schema: {
          tags: ['admin'],
          summary: 'Run T+1 settlement now',
          body: z.object({ settlementDate: z.string().date().optional() }).nullish(),
          response: { 200: SettlementRunViewSchema },
        },
      },
      async (request) =>
        trackTrove.runSettlement({ settlementDate: request.body?.settlementDate, actor: request.actor, correlationId: request.id }),
    );

    app.post(
      '/api/admin/settlement/candidates/sync',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: "Put transactions' settlement candidates right from their states (what verify reports as settlement_candidates)",
          body: z.object({ transactionIds: z.array(UuidSchema).min(1).max(maxCandidateSync) }).strict(),
          response: {
            200: z.object({
              items: z.array(z.object({ transactionId: z.string(), awaitsSettlement: z.boolean() })),
              unknown: z.array(z.string()),
            }),
          },
        },
      },
      async (request) => trackTrove.syncSettlementCandidates([...new Set(request.body.transactionIds)]),
    );

    app.get(
      '/api/admin/settlement/batches',
      {
        onRequest: admin,
        // Batches are written with their events: wait until the log is visible up to minPosition.
        preHandler: waitForLogPosition(context.tail),
        schema: {
          tags: ['admin'],
          summary: 'Settlement batches, latest settlement date first, then latest written first',
          querystring: z.object({
            limit: LimitSchema.default(100),
            vendorId: UuidSchema.optional(),
            settlementDate: z.string().date().optional(),
            cursor: CursorSchema.optional(),
            ...MinPositionQuery,
          }),
          response: { 200: pageOf(SettlementBatchViewSchema) },
        },
      },
      async (request) => trackTrove.listSettlementBatches(request.query),
    );

    app.get(
      '/api/admin/failures',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'Global failure injection settings',
          querystring: z.object(MinPositionQuery),
          response: { 200: FailureSettingsSchema },
        },
      },
      async () => trackTrove.failures.get(),
    );

    app.put(
      '/api/admin/failures',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'Replace the global failure injection settings (omitted fields go back to off)',
          description:
            "A value that is set wins over each transaction's own simulation settings for every decision made from now on, for transactions in flight too (retries, the webhooks of new holds, refund outcomes); what was already decided stays as recorded.",
          body: FailureSettingsSchema,
          response: { 200: FailureSettingsSchema },
        },
      },
      async (request) => trackTrove.failures.put(request.body),
    );
  };
}
