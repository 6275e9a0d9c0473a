import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  trackTroveDb,
  transactionViewOf,
  type ProjectionRuntime,
  type ReadQueries,
  type TrackTrove,
  type TransactionResult,
  type TransactionView,
} from '@tracktrove/application';
import { transactionStatuses } from '@tracktrove/domain';
import type { AppContext } from '../app-context.ts';
import { requireRole } from '../http/auth.ts';
import { traceparentOf } from '../http/command-headers.ts';
import { UuidSchema } from '../schemas/common.ts';
import { parseMoney } from '../schemas/initiate.ts';
import { initiateOfSeed, SeedCompatInitiateBodySchema } from './seed-initiate.ts';
import { seedChannelsOf } from './seed-channels.ts';
import { SeedTransactionSchema, seedTransactionOf } from './seed-transaction.ts';
import { findTransaction } from '../routes/find-transaction.ts';

const IdParams = z.object({ id: UuidSchema });
/** The seed's list had no paging: the newest this many, in pages of the read model's largest. */
export const seedListMaxItems = 2_000;
const pageSize = 500;
/** Seed clients cannot ask for read-your-writes: reads wait for the log head of their moment, at most this long. */
const readWaitMs = 2_000;
const OpenDisputeBody = z.object({ reason: z.string().trim().min(1).max(1_000).optional() }).nullish();
/** The seed resolved a dispute with no outcome and moved no money: WON, which leaves the funds with the vendor. */
const ResolveDisputeBody = z.object({ outcome: z.enum(['WON', 'LOST']).default('WON') }).nullish();
const seedDisputeReason = 'opened through the seed-compatible API';
const tag = ['seed-compatible'];

/**
 * The original TrackTrove frontend's routes, answered as its backend did: lists as bare JSON arrays,
 * transactions with `currentStatus` and a numeric `amount`, the status as plain text, disputes
 * opened and resolved with no body, and initiate bodies with the seed's free-text channel and
 * percentage success rates mapped onto TrackTrove's model (docs/seed-compatibility.md).
 * `channel` is the one the seed client gave (VISA), TrackTrove's own is `trackTroveChannel` (API).
 * Served on the seed-compatible listener only; TrackTrove's own API keeps its contract.
 */
export function seedCompatRoutes(
  runtime: ProjectionRuntime,
  queries: ReadQueries,
  trackTrove: TrackTrove,
): (context: AppContext) => FastifyPluginAsync {
  return (context) => async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const db = trackTroveDb(context.store.database);
    const viewer = requireRole('viewer', context.tokens);
    const operator = requireRole('operator', context.tokens);
    const rateLimit = { rateLimit: { max: context.config.rateLimitPerMinute, timeWindow: 60_000 } };

    /** Read-your-writes without minPosition: wait until the read models have what was committed when the read came in. */
    const caughtUpWithLog = async (_request: FastifyRequest, reply: FastifyReply) => {
      const head = await context.store.headPosition();
      if (!(await runtime.waitForPosition(head, readWaitMs))) reply.header('tracktrove-read-behind', 'true');
    };

    const transactionNow = (id: string): Promise<TransactionView> => findTransaction(id, queries.transaction(db, id));

    /** Transactions in the seed's shape, each with the channel its seed client gave. */
    const inSeedShape = async (views: readonly TransactionView[]) => {
      const channels = await seedChannelsOf(
        db,
        views.map((view) => view.id),
      );
      return views.map((view) => seedTransactionOf(view, channels.get(view.id)));
    };

    const answer = async (reply: FastifyReply, result: TransactionResult, status = 200) => {
      reply.header('etag', `"${result.version}"`);
      const position = result.position ?? result.appended.at(-1)?.position ?? '';
      const [transaction] = await inSeedShape([transactionViewOf(result.state, position)]);
      return reply.status(status).send(transaction);
    };
    const commandOptions = (request: FastifyRequest) => ({ correlationId: request.id, traceparent: traceparentOf(request) });

    app.get(
      '/api/transactions',
      {
        onRequest: viewer,
        preHandler: caughtUpWithLog,
        schema: {
          tags: tag,
          summary: `Every transaction as a JSON array, newest first (at most ${seedListMaxItems})`,
          querystring: z.object({ status: z.enum(transactionStatuses).optional(), vendorId: UuidSchema.optional() }),
          response: { 200: z.array(SeedTransactionSchema) },
        },
      },
      async (request) => {
        const items: TransactionView[] = [];
        let cursor: string | null = null;
        do {
          const page = await queries.transactions(db, {
            ...request.query,
            limit: Math.min(pageSize, seedListMaxItems - items.length),
            cursor,
          });
          items.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor !== null && items.length < seedListMaxItems);
        return inSeedShape(items);
      },
    );

    app.get(
      '/api/transactions/retry-pending',
      {
        onRequest: viewer,
        preHandler: caughtUpWithLog,
        schema: { tags: tag, summary: 'Transactions in RETRY_PENDING, as a JSON array', response: { 200: z.array(SeedTransactionSchema) } },
      },
      async () => inSeedShape((await queries.retryPending(db, { limit: pageSize })).items),
    );

    app.get(
      '/api/transactions/:id',
      {
        onRequest: viewer,
        preHandler: caughtUpWithLog,
        schema: { tags: tag, summary: 'A transaction', params: IdParams, response: { 200: SeedTransactionSchema } },
      },
      async (request) => (await inSeedShape([await transactionNow(request.params.id)]))[0],
    );

    app.get(
      '/api/transactions/:id/status',
      {
        onRequest: viewer,
        preHandler: caughtUpWithLog,
        schema: { tags: tag, summary: 'The status name as plain text', params: IdParams, produces: ['text/plain'] },
      },
      async (request, reply) => reply.type('text/plain; charset=utf-8').send((await transactionNow(request.params.id)).status),
    );

    app.post(
      '/api/transactions/initiate',
      {
        onRequest: operator,
        config: rateLimit,
        schema: {
          tags: tag,
          summary: "Initiate with the seed's body: any channel text (not WEB, MOBILE, API or POS: API), simulatedSuccessRate 0-1 or 0-100",
          body: SeedCompatInitiateBodySchema,
          response: { 201: SeedTransactionSchema },
        },
      },
      async (request, reply) => {
        const input = initiateOfSeed(request.body);
        const money = parseMoney(input.amount, input.currency, context.config.amountLimits);
        const result = await trackTrove.initiate(
          { ...input, amountMinor: money.amountMinor, currency: money.currency, kind: 'PAYMENT', payload: input.payload as never },
          request.actor,
          commandOptions(request),
        );
        reply.header('location', `/api/transactions/${result.state.transactionId}`);
        return answer(reply, result, 201);
      },
    );

    app.patch(
      '/api/transactions/:id/open-dispute',
      {
        onRequest: operator,
        config: rateLimit,
        schema: {
          tags: tag,
          summary: 'Open a dispute; no body needed',
          params: IdParams,
          body: OpenDisputeBody,
          response: { 200: SeedTransactionSchema },
        },
      },
      async (request, reply) =>
        answer(
          reply,
          await trackTrove.openDispute(
            request.params.id,
            request.body?.reason ?? seedDisputeReason,
            request.actor,
            commandOptions(request),
          ),
        ),
    );

    app.patch(
      '/api/transactions/:id/resolve-dispute',
      {
        onRequest: operator,
        config: rateLimit,
        schema: {
          tags: tag,
          summary: 'Resolve a dispute; no body resolves it WON (the funds stay with the vendor)',
          params: IdParams,
          body: ResolveDisputeBody,
          response: { 200: SeedTransactionSchema },
        },
      },
      async (request, reply) =>
        answer(
          reply,
          await trackTrove.resolveDispute(request.params.id, request.body?.outcome ?? 'WON', request.actor, commandOptions(request)),
        ),
    );

    app.patch(
      '/api/transactions/:id/force-retry',
      {
        onRequest: operator,
        config: rateLimit,
        schema: { tags: tag, summary: 'Force a retry', params: IdParams, response: { 200: SeedTransactionSchema } },
      },
      async (request, reply) => answer(reply, await trackTrove.retry(request.params.id, request.actor, commandOptions(request))),
    );
  };
}
