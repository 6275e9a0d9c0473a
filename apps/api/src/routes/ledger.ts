import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { trackTroveDb, type ProjectionRuntime, type ReadQueries } from '@tracktrove/application';
import { ledgerEntryTypes } from '@tracktrove/domain';
import type { AppContext } from '../app-context.ts';
import { requireRole } from '../http/auth.ts';
import { problems } from '../http/problem.ts';
import { primaryReads, type ReadRouting } from '../http/read-routing.ts';
import { LimitSchema, PositionSchema, UuidSchema } from '../schemas/common.ts';
import { BalancesViewSchema, LedgerEntryViewSchema, pageOf } from '../schemas/views.ts';

const AccountSchema = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9:_.-]+$/, 'is not an account id');

/** The double-entry ledger: entries, balances now and as of a past position. */
export function ledgerRoutes(
  runtime: ProjectionRuntime,
  queries: ReadQueries,
  routing?: ReadRouting,
): (context: AppContext) => FastifyPluginAsync {
  return (context) => async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const db = trackTroveDb(context.store.database);
    const viewer = requireRole('viewer', context.tokens);
    const reads = routing ?? primaryReads(runtime, db);
    const caughtUp = reads.preHandler;

    app.get(
      '/api/ledger',
      {
        onRequest: viewer,
        preHandler: caughtUp,
        schema: {
          tags: ['ledger'],
          summary: 'Ledger entries in log order',
          querystring: z.object({
            transactionId: UuidSchema.optional(),
            account: AccountSchema.optional(),
            type: z.enum(ledgerEntryTypes).optional(),
            limit: LimitSchema.default(100),
            cursor: z.string().min(1).max(400).optional(),
            minPosition: PositionSchema.optional(),
          }),
          response: { 200: pageOf(LedgerEntryViewSchema) },
        },
      },
      async (request, reply) => reads.query(request, reply, (from) => queries.ledgerEntries(from, request.query)),
    );

    app.get(
      '/api/ledger/balances',
      {
        onRequest: viewer,
        preHandler: caughtUp,
        schema: {
          tags: ['ledger'],
          summary: 'Per-account balances, pending and posted apart, and totals; asOf folds the log up to a position',
          querystring: z.object({ asOf: PositionSchema.optional(), minPosition: PositionSchema.optional() }),
          response: { 200: BalancesViewSchema },
        },
      },
      async (request, reply) =>
        request.query.asOf ? queries.balancesAsOf(request.query.asOf) : reads.query(request, reply, (from) => queries.balances(from)),
    );

    app.get(
      '/api/ledger/:transactionId',
      {
        onRequest: viewer,
        preHandler: caughtUp,
        schema: {
          tags: ['ledger'],
          summary: "A transaction's entries as an array (seed route)",
          params: z.object({ transactionId: UuidSchema }),
          querystring: z.object({ minPosition: PositionSchema.optional() }),
          response: { 200: z.array(LedgerEntryViewSchema) },
        },
      },
      async (request, reply) => {
        const { transactionId } = request.params;
        const entries = await reads.query(request, reply, (from) => queries.transactionEntries(from, transactionId));
        // No entries: a transaction that moved no money yet, or no transaction at all (404).
        if (entries.length === 0 && !(await queries.transactionExists(transactionId))) {
          throw problems.notFound(`no transaction ${transactionId}`);
        }
        return entries;
      },
    );
  };
}
