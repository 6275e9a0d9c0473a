import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ledgerEntryTypes, transactionStreamId } from '@tracktrove/domain';
import { balancesAsOf, getBalances, getTransactionEntries, listLedgerEntries, type ProjectionRuntime } from '@tracktrove/projections';
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
export function ledgerRoutes(runtime: ProjectionRuntime, routing?: ReadRouting): (context: AppContext) => FastifyPluginAsync {
  return (context) => async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const db = context.store.database.db;
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
      async (request, reply) => reads.query(request, reply, (from) => listLedgerEntries(from, runtime.schemaOf('ledger'), request.query)),
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
        request.query.asOf
          ? balancesAsOf(context.store, request.query.asOf)
          : reads.query(request, reply, (from) => getBalances(from, runtime.schemaOf('ledger'))),
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
        const entries = await reads.query(request, reply, (from) => getTransactionEntries(from, runtime.schemaOf('ledger'), transactionId));
        // No entries: a transaction that moved no money yet, or no transaction at all (404).
        if (
          entries.length === 0 &&
          (await context.store.readStream(transactionStreamId(transactionId), { direction: 'backward', maxCount: 1 })).length === 0
        ) {
          throw problems.notFound(`no transaction ${transactionId}`);
        }
        return entries;
      },
    );
  };
}
