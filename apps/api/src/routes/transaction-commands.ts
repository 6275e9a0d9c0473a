import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TrackTrove, TransactionResult } from '@tracktrove/application';
import { transactionStatuses } from '@tracktrove/domain';
import { transactionViewOf } from '@tracktrove/application';
import type { AppContext } from '../app-context.ts';
import { requireRole } from '../http/auth.ts';
import { expectedVersionOf, idempotencyOf, markReplayed, traceparentOf } from '../http/command-headers.ts';
import {
  InitiateBodySchema,
  initiateInputOf,
  parseInitialPayloadJson,
  SeedInitiateBodySchema,
  type InitiateBody,
} from '../schemas/initiate.ts';
import { UuidSchema } from '../schemas/common.ts';
import { CommandResponseSchema } from '../schemas/views.ts';

const IdParams = z.object({ id: UuidSchema });
const ReasonBody = z.object({ reason: z.string().trim().min(1).max(1_000) });
const defaultReason = 'requested by an operator';
/** Refund and the seed's open-dispute: `{ reason }` is optional, and so is the body itself (a client may send none). */
const OptionalReasonBody = z.object({ reason: z.string().trim().min(1).max(1_000).optional() }).nullish();
const reasonOf = (body: unknown) => (body as { reason?: string } | null | undefined)?.reason ?? defaultReason;
const OutcomeBody = z.object({ outcome: z.enum(['WON', 'LOST']) });
const OverrideBody = z.object({ status: z.enum(transactionStatuses), reason: z.string().trim().min(1).max(1_000) });

/** Sends a command's result: the transaction, ETag with its version, the position of its last event. */
function sendResult(reply: FastifyReply, result: TransactionResult, status = 200) {
  markReplayed(reply, result.replayed);
  reply.header('etag', `"${result.version}"`);
  const position = result.position ?? result.appended.at(-1)?.position ?? '';
  return reply.status(status).send({ ...transactionViewOf(result.state, position), position });
}

/** Commands on transactions: thin handlers that parse, call one facade function and map the result. */
export function transactionCommandRoutes(trackTrove: TrackTrove): (context: AppContext) => FastifyPluginAsync {
  return (context) => async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const operator = requireRole('operator', context.tokens);
    const admin = requireRole('admin', context.tokens);
    const rateLimit = { rateLimit: { max: context.config.rateLimitPerMinute, timeWindow: 60_000 } };
    const options = (request: FastifyRequest, routeKey: string) => ({
      correlationId: request.id,
      expectedVersion: expectedVersionOf(request),
      idempotency: idempotencyOf(request, routeKey),
      traceparent: traceparentOf(request),
    });

    const initiate = async (request: FastifyRequest, reply: FastifyReply, body: InitiateBody, routeKey: string) => {
      const result = await trackTrove.initiate(initiateInputOf(body, context.config.amountLimits), request.actor, {
        correlationId: request.id,
        idempotency: idempotencyOf(request, routeKey),
        traceparent: traceparentOf(request),
      });
      reply.header('location', `/api/transactions/${result.state.transactionId}`);
      return sendResult(reply, result, 201);
    };

    app.post(
      '/api/transactions',
      {
        onRequest: operator,
        config: rateLimit,
        schema: {
          tags: ['transactions'],
          summary: 'Initiate a transaction',
          body: InitiateBodySchema,
          response: { 201: CommandResponseSchema },
        },
      },
      (request, reply) => initiate(request, reply, request.body, 'POST /api/transactions'),
    );

    app.post(
      '/api/transactions/initiate',
      {
        onRequest: operator,
        config: rateLimit,
        schema: {
          tags: ['transactions'],
          summary: "Initiate with the seed's request shape",
          body: SeedInitiateBodySchema,
          response: { 201: CommandResponseSchema },
        },
      },
      (request, reply) => {
        const seed = request.body;
        const payload = seed.initialPayloadJson === undefined ? {} : parseInitialPayloadJson(seed.initialPayloadJson);
        return initiate(
          request,
          reply,
          {
            vendorId: seed.vendorId,
            amount: seed.amount,
            currency: seed.currency,
            channel: seed.channel,
            kind: 'PAYMENT',
            payload,
            serviceContext: seed.serviceContext,
            simulation: seed.simulatedSuccessRate !== undefined ? { successRate: seed.simulatedSuccessRate } : undefined,
          },
          'POST /api/transactions/initiate',
        );
      },
    );

    for (const [method, url, summary] of [
      ['POST', '/api/transactions/:id/retry', 'Force a retry'],
      ['PATCH', '/api/transactions/:id/force-retry', 'Force a retry (seed route)'],
    ] as const) {
      app.route({
        method,
        url,
        onRequest: operator,
        config: rateLimit,
        schema: { tags: ['transactions'], summary, params: IdParams, response: { 200: CommandResponseSchema } },
        handler: async (request, reply) =>
          sendResult(reply, await trackTrove.retry(request.params.id, request.actor, options(request, 'retry'))),
      });
    }

    app.post(
      '/api/transactions/:id/refund',
      {
        onRequest: operator,
        config: rateLimit,
        schema: {
          tags: ['transactions'],
          summary: 'Void the hold, or refund a completed or settled transaction',
          params: IdParams,
          body: OptionalReasonBody,
          response: { 200: CommandResponseSchema },
        },
      },
      async (request, reply) =>
        sendResult(reply, await trackTrove.refund(request.params.id, reasonOf(request.body), request.actor, options(request, 'refund'))),
    );

    for (const [method, url, summary, body] of [
      ['POST', '/api/transactions/:id/disputes', 'Open a dispute', ReasonBody],
      ['PATCH', '/api/transactions/:id/open-dispute', 'Open a dispute (seed route)', OptionalReasonBody],
    ] as const) {
      app.route({
        method,
        url,
        onRequest: operator,
        config: rateLimit,
        schema: { tags: ['transactions'], summary, params: IdParams, body, response: { 200: CommandResponseSchema } },
        handler: async (request, reply) =>
          sendResult(
            reply,
            await trackTrove.openDispute(request.params.id, reasonOf(request.body), request.actor, options(request, 'open-dispute')),
          ),
      });
    }

    for (const [method, url, summary] of [
      ['POST', '/api/transactions/:id/disputes/resolve', 'Resolve a dispute: WON keeps the funds, LOST charges back'],
      ['PATCH', '/api/transactions/:id/resolve-dispute', 'Resolve a dispute (seed route)'],
    ] as const) {
      app.route({
        method,
        url,
        onRequest: operator,
        config: rateLimit,
        schema: { tags: ['transactions'], summary, params: IdParams, body: OutcomeBody, response: { 200: CommandResponseSchema } },
        handler: async (request, reply) =>
          sendResult(
            reply,
            await trackTrove.resolveDispute(request.params.id, request.body.outcome, request.actor, options(request, 'resolve-dispute')),
          ),
      });
    }

    app.post(
      '/api/transactions/:id/confirm',
      {
        onRequest: operator,
        config: rateLimit,
        schema: {
          tags: ['transactions'],
          summary: "Deliver the gateway's confirmation now, through the webhook path",
          params: IdParams,
          response: { 200: CommandResponseSchema },
        },
      },
      async (request, reply) => sendResult(reply, await trackTrove.confirm(request.params.id, request.actor, options(request, 'confirm'))),
    );

    app.post(
      '/api/admin/transactions/:id/override',
      {
        onRequest: admin,
        config: rateLimit,
        schema: {
          tags: ['admin'],
          summary: 'Manual status override, recorded with actor and reason; the ledger stays balanced',
          params: IdParams,
          body: OverrideBody,
          response: { 200: CommandResponseSchema },
        },
      },
      async (request, reply) =>
        sendResult(
          reply,
          await trackTrove.override(
            request.params.id,
            request.body.status,
            request.body.reason,
            request.actor,
            options(request, 'override'),
          ),
        ),
    );
  };
}
