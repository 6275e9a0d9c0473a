import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { transactionStatuses } from '@tracktrove/domain';
import { trackTroveDb, type ProjectionRuntime, type ReadQueries, type ReadSource, type TransactionView } from '@tracktrove/application';
import type { AppContext } from '../app-context.ts';
import { requireRole } from '../http/auth.ts';
import { problems } from '../http/problem.ts';
import { primaryReads, type ReadRouting } from '../http/read-routing.ts';
import { CursorSchema, EventViewSchema, LimitSchema, PositionSchema, UuidSchema } from '../schemas/common.ts';
import { pageOf, TraceViewSchema, TransactionViewSchema } from '../schemas/views.ts';
import { toEventView } from '../stream/event-json.ts';
import { findTransaction } from './find-transaction.ts';

const IdParams = z.object({ id: UuidSchema });
const MinPosition = { minPosition: PositionSchema.optional() };

type Read = <T>(work: (from: ReadSource) => Promise<T>) => Promise<T>;

const retryStepTypes = new Set(['AuthorizationDeclined', 'RetryScheduled', 'RetriesExhausted', 'EscrowHoldPlaced']);

/** Queries of the transaction read models (and of the log, for history). */
export function transactionReadRoutes(
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
    /** Runs a read-model query where this request's reads go (a replica or the primary). */
    const on =
      (request: FastifyRequest, reply: FastifyReply): Read =>
      (work) =>
        reads.query(request, reply, work);

    /** The read model's row, or a fold of the stream when the read model has not seen it yet; 404 when neither has it. */
    const transactionNow = (id: string, read: Read): Promise<TransactionView> =>
      findTransaction(
        id,
        read((from) => queries.transaction(from, id)),
      );

    app.get(
      '/api/transactions',
      {
        onRequest: viewer,
        preHandler: caughtUp,
        schema: {
          tags: ['transactions'],
          summary: 'List transactions, newest first',
          querystring: z.object({
            status: z.enum(transactionStatuses).optional(),
            vendorId: UuidSchema.optional(),
            limit: LimitSchema.default(50),
            cursor: CursorSchema.optional(),
            ...MinPosition,
          }),
          response: { 200: pageOf(TransactionViewSchema) },
        },
      },
      async (request, reply) => on(request, reply)((from) => queries.transactions(from, request.query)),
    );

    app.get(
      '/api/transactions/retry-pending',
      {
        onRequest: viewer,
        preHandler: caughtUp,
        schema: {
          tags: ['transactions'],
          summary: 'Transactions in RETRY_PENDING (seed route)',
          querystring: z.object({ limit: LimitSchema.default(500), ...MinPosition }),
          response: { 200: z.array(TransactionViewSchema) },
        },
      },
      async (request, reply) => (await on(request, reply)((from) => queries.retryPending(from, { limit: request.query.limit }))).items,
    );

    app.get(
      '/api/transactions/:id',
      {
        onRequest: viewer,
        preHandler: caughtUp,
        schema: {
          tags: ['transactions'],
          summary: 'A transaction now, or as of a version',
          params: IdParams,
          querystring: z.object({ atVersion: z.coerce.number().int().min(1).max(1_000_000).optional(), ...MinPosition }),
          response: { 200: TransactionViewSchema },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        if (request.query.atVersion !== undefined) {
          const view = await queries.transactionAtVersion(id, request.query.atVersion);
          if (!view) throw problems.notFound(`transaction ${id} has no version ${request.query.atVersion}`);
          return view;
        }
        const view = await transactionNow(id, on(request, reply));
        reply.header('etag', `"${view.version}"`);
        return view;
      },
    );

    app.get(
      '/api/transactions/:id/events',
      {
        onRequest: viewer,
        preHandler: caughtUp,
        schema: {
          tags: ['transactions'],
          summary: "The transaction's events in stream order, a page at a time (the cursor is the last version sent)",
          params: IdParams,
          querystring: z.object({ limit: LimitSchema.default(500), cursor: CursorSchema.optional(), ...MinPosition }),
          response: { 200: pageOf(EventViewSchema) },
        },
      },
      async (request) => {
        const page = await queries.transactionEvents(request.params.id, request.query);
        if (!page) throw problems.notFound(`no transaction ${request.params.id}`);
        return { items: page.items.map(toEventView), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/api/transactions/:id/traces',
      {
        onRequest: viewer,
        preHandler: caughtUp,
        schema: {
          tags: ['transactions'],
          summary: 'DTO before and after each step, with RFC 6902 diffs',
          params: IdParams,
          querystring: z.object(MinPosition),
          response: { 200: pageOf(TraceViewSchema) },
        },
      },
      async (request, reply) => {
        const read = on(request, reply);
        const traces = await read((from) => queries.traces(from, request.params.id));
        if (traces.length === 0) await transactionNow(request.params.id, read);
        return { items: traces, nextCursor: null };
      },
    );

    app.get(
      '/api/transactions/:id/retries',
      {
        onRequest: viewer,
        preHandler: caughtUp,
        schema: {
          tags: ['transactions'],
          summary: 'Retry history: traces of authorization and retry steps (seed route)',
          params: IdParams,
          querystring: z.object(MinPosition),
          response: { 200: z.array(TraceViewSchema) },
        },
      },
      async (request, reply) => {
        const read = on(request, reply);
        const traces = await read((from) => queries.traces(from, request.params.id));
        if (traces.length === 0) await transactionNow(request.params.id, read);
        return traces.filter((trace) => retryStepTypes.has(trace.type));
      },
    );

    app.get(
      '/api/transactions/:id/status',
      {
        onRequest: viewer,
        preHandler: caughtUp,
        schema: {
          tags: ['transactions'],
          summary: 'The status as plain text (seed route)',
          params: IdParams,
          querystring: z.object(MinPosition),
          produces: ['text/plain'],
        },
      },
      async (request, reply) =>
        reply.type('text/plain; charset=utf-8').send((await transactionNow(request.params.id, on(request, reply))).status),
    );

    app.get(
      '/api/transactions/:id/error-stack',
      {
        onRequest: viewer,
        preHandler: caughtUp,
        schema: {
          tags: ['transactions'],
          summary: 'The last error stack as plain text, 404 if none (seed route)',
          params: IdParams,
          querystring: z.object(MinPosition),
          produces: ['text/plain'],
        },
      },
      async (request, reply) => {
        const read = on(request, reply);
        const traces = await read((from) => queries.traces(from, request.params.id));
        if (traces.length === 0) await transactionNow(request.params.id, read);
        const failed = traces.filter((trace) => trace.error !== null).at(-1);
        if (!failed?.error) throw problems.notFound(`transaction ${request.params.id} has no error`);
        return reply.type('text/plain; charset=utf-8').send(failed.error.stack || failed.error.message);
      },
    );
  };
}
