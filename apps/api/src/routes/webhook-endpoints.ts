import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TrackTrove } from '@tracktrove/application';
import type { AppContext } from '../app-context.ts';
import { requireRole } from '../http/auth.ts';
import { CursorSchema, LimitSchema, UuidSchema } from '../schemas/common.ts';
import {
  CreateEndpointBody,
  DeliveryBodySchema,
  EndpointDeliverySchema,
  EndpointSchema,
  IsoTimeSchema,
  RedeliverFailedBody,
  SecretSchema,
  UpdateEndpointBody,
} from '../schemas/webhook-endpoints.ts';

const tags = ['webhook endpoints'];
const IdParams = z.object({ id: UuidSchema });

const deliveryDescription = `Every transaction event of the endpoint's types is POSTed to its URL with
\`Content-Type: application/json\`, \`TrackTrove-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" with the endpoint's secret>\`,
\`traceparent\`, \`TrackTrove-Delivery-Id\`, \`TrackTrove-Event-Id\` and \`User-Agent: TrackTrove-Webhooks/1\`. A 2xx answer
delivers it; anything else, a timeout or a connection error is retried with backoff on the sandbox clock (8 attempts).
The body (docs/webhooks.md):

\`\`\`json
${JSON.stringify(z.toJSONSchema(DeliveryBodySchema, { io: 'output', unrepresentable: 'any' }), null, 2)}
\`\`\``;

/** A developer's webhook endpoints and their delivery log: operators read, admins change. */
export function webhookEndpointRoutes(trackTrove: TrackTrove): (context: AppContext) => FastifyPluginAsync {
  return (context) => async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const operator = requireRole('operator', context.tokens);
    const admin = requireRole('admin', context.tokens);
    const { webhookEndpoints, endpointDeliveries } = trackTrove;

    app.get(
      '/api/webhook-endpoints',
      {
        onRequest: operator,
        schema: { tags, summary: 'Webhook endpoints (at most 100)', response: { 200: z.object({ items: z.array(EndpointSchema) }) } },
      },
      async () => ({ items: await webhookEndpoints.list() }),
    );

    app.post(
      '/api/webhook-endpoints',
      {
        onRequest: admin,
        schema: {
          tags,
          summary: 'Register an endpoint; the answer carries its signing secret, shown this once',
          description: deliveryDescription,
          body: CreateEndpointBody,
          response: { 201: EndpointSchema.extend(SecretSchema.shape) },
        },
      },
      async (request, reply) => reply.status(201).send(await webhookEndpoints.create(request.body, request.actor)),
    );

    app.get(
      '/api/webhook-endpoints/:id',
      { onRequest: operator, schema: { tags, summary: 'One endpoint', params: IdParams, response: { 200: EndpointSchema } } },
      async (request) => webhookEndpoints.get(request.params.id),
    );

    app.patch(
      '/api/webhook-endpoints/:id',
      {
        onRequest: admin,
        schema: {
          tags,
          summary: 'Change an endpoint (url, description, eventTypes, failures, enabled)',
          params: IdParams,
          body: UpdateEndpointBody,
          response: { 200: EndpointSchema },
        },
      },
      async (request) => webhookEndpoints.update(request.params.id, request.body, request.actor),
    );

    app.delete(
      '/api/webhook-endpoints/:id',
      {
        onRequest: admin,
        schema: { tags, summary: 'Delete an endpoint; its deliveries stay readable', params: IdParams, response: { 204: z.null() } },
      },
      async (request, reply) => {
        await webhookEndpoints.delete(request.params.id, request.actor);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/webhook-endpoints/:id/rotate-secret',
      {
        onRequest: admin,
        schema: { tags, summary: 'A new signing secret, shown this once', params: IdParams, response: { 200: SecretSchema } },
      },
      async (request) => webhookEndpoints.rotateSecret(request.params.id, request.actor),
    );

    app.post(
      '/api/webhook-endpoints/:id/redeliver-failed',
      {
        onRequest: admin,
        schema: {
          tags,
          summary: 'One more attempt of each failed delivery of the endpoint created since a time (at most 10,000)',
          params: IdParams,
          body: RedeliverFailedBody,
          response: { 200: z.object({ count: z.number().int() }) },
        },
      },
      async (request) => ({ count: await webhookEndpoints.redeliverFailed(request.params.id, request.body.since) }),
    );

    app.get(
      '/api/endpoint-deliveries',
      {
        onRequest: operator,
        schema: {
          tags,
          summary: 'Deliveries to the endpoints, newest first, each with its attempts',
          querystring: z.object({
            endpointId: UuidSchema.optional(),
            transactionId: UuidSchema.optional(),
            status: EndpointDeliverySchema.shape.status.optional(),
            since: IsoTimeSchema.optional(),
            until: IsoTimeSchema.optional(),
            cursor: CursorSchema.optional(),
            limit: LimitSchema.default(50),
          }),
          response: { 200: z.object({ items: z.array(EndpointDeliverySchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => endpointDeliveries.list(request.query),
    );

    app.get(
      '/api/endpoint-deliveries/:id',
      {
        onRequest: operator,
        schema: { tags, summary: 'One delivery with its attempts', params: IdParams, response: { 200: EndpointDeliverySchema } },
      },
      async (request) => endpointDeliveries.get(request.params.id),
    );

    app.post(
      '/api/endpoint-deliveries/:id/redeliver',
      {
        onRequest: admin,
        schema: {
          tags,
          summary: 'One more attempt of a delivery, now (it runs after the answer)',
          params: IdParams,
          response: { 202: EndpointDeliverySchema },
        },
      },
      async (request, reply) => reply.status(202).send(await endpointDeliveries.redeliver(request.params.id)),
    );
  };
}
