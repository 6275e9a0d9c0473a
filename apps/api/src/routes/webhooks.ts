import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TrackTrove } from '@tracktrove/application';
import type { AppContext } from '../app-context.ts';
import { requireRole } from '../http/auth.ts';
import { problems } from '../http/problem.ts';
import { traceparentOf } from '../http/command-headers.ts';
import { waitForLogPosition } from '../http/read-your-writes.ts';
import { CursorSchema, LimitSchema, PositionSchema, UuidSchema } from '../schemas/common.ts';
import { DeliveryAttemptViewSchema, DeliveryViewSchema, pageOf } from '../schemas/views.ts';

const maxWebhookBytes = 16 * 1024;

/** The gateway's callbacks (signed, verified on the raw body) and the delivery log. */
export function webhookRoutes(trackTrove: TrackTrove): (context: AppContext) => FastifyPluginAsync {
  return (context) => async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const viewer = requireRole('viewer', context.tokens);
    const operator = requireRole('operator', context.tokens);

    await app.register(async (scope) => {
      // The signature covers the exact bytes: keep the body as a string.
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: maxWebhookBytes }, (_request, body, done) =>
        done(null, body),
      );
      scope.post(
        '/api/webhooks/gateway',
        {
          schema: {
            tags: ['webhooks'],
            summary: "The gateway's callbacks, signed with TrackTrove-Signature: t=<unix s>,v1=<HMAC-SHA256 hex>",
            hide: false,
          },
        },
        async (request, reply) => {
          if (typeof request.body !== 'string')
            throw problems.validation('send the webhook as application/json', [{ path: 'body', message: 'is missing' }]);
          const header = request.headers['tracktrove-signature'];
          const result = await trackTrove.receiveWebhook({
            rawBody: request.body,
            signatureHeader: Array.isArray(header) ? header[0] : header,
            traceparent: traceparentOf(request),
          });
          return reply.status(200).send(result);
        },
      );
    });

    app.get(
      '/api/webhooks/deliveries',
      {
        onRequest: viewer,
        preHandler: waitForLogPosition(context.tail),
        schema: {
          tags: ['webhooks'],
          summary:
            'Every delivery attempt: request, response, status, dropped by injection or not, next retry; in the order deliveries were scheduled',
          querystring: z.object({
            transactionId: UuidSchema.optional(),
            limit: LimitSchema.default(100),
            cursor: CursorSchema.optional(),
            minPosition: PositionSchema.optional(),
          }),
          response: { 200: pageOf(DeliveryViewSchema) },
        },
      },
      async (request) => trackTrove.listDeliveries(request.query),
    );

    app.post(
      '/api/webhooks/deliveries/:id/redeliver',
      {
        onRequest: operator,
        schema: {
          tags: ['webhooks'],
          summary: 'Deliver a webhook again now',
          params: z.object({ id: UuidSchema }),
          response: { 200: DeliveryAttemptViewSchema },
        },
      },
      async (request) => trackTrove.redeliver(request.params.id),
    );
  };
}
