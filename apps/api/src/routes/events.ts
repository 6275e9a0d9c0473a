import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { transactionStreamId } from '@tracktrove/domain';
import { decodePosition } from '@tracktrove/event-store';
import type { AppContext } from '../app-context.ts';
import { requireRole } from '../http/auth.ts';
import { waitForLogPosition } from '../http/read-your-writes.ts';
import { rateLimitWindowMs } from '../http/rate-limits.ts';
import { EventViewSchema, FromSchema, isLogPosition, PositionSchema, LimitSchema, TypesSchema, UuidSchema } from '../schemas/common.ts';
import { runSeedFeed } from '../stream/seed-feed.ts';
import { createStreamClients } from '../stream/stream-clients.ts';
import { defaultStreamLimits, runStreamSession } from '../stream/stream-session.ts';
import { toEventView } from '../stream/event-json.ts';

const EventsQuery = z.object({
  from: FromSchema.default('start'),
  limit: LimitSchema.default(100),
  types: TypesSchema.optional(),
  streamId: z.string().min(1).max(200).optional(),
  minPosition: PositionSchema.optional(),
});

const StreamQuery = z.object({
  from: z
    .union([z.literal('start'), z.literal('end'), z.string().refine(isLogPosition, { message: 'must be start, end or a position' })])
    .default('end'),
  transactionId: UuidSchema.optional(),
  types: TypesSchema.optional(),
  token: z.string().max(500).optional(),
});

/** The global log: paged reads and the live WebSocket stream. */
export function eventRoutes(context: AppContext): FastifyPluginAsync {
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const viewer = requireRole('viewer', context.tokens);
    const streamClients = createStreamClients({
      maxClients: context.config.maxStreamClients,
      maxClientsPerAddress: context.config.maxStreamClientsPerAddress,
    });
    const roomForClient = async (request: FastifyRequest) => streamClients.admit(request);
    // Upgrades per address and route, counted after the token check (every request counts before it too).
    const upgradeLimit = { rateLimit: { max: context.config.streamUpgradesPerMinute, timeWindow: rateLimitWindowMs } };

    app.get(
      '/api/events',
      {
        onRequest: viewer,
        preHandler: waitForLogPosition(context.tail),
        schema: {
          tags: ['events'],
          summary: 'Read the global log forward from a position',
          querystring: EventsQuery,
          response: { 200: z.object({ items: z.array(EventViewSchema), nextFrom: z.string().nullable() }) },
        },
      },
      async (request) => {
        const { from, limit, types, streamId } = request.query;
        const page = await context.store.readAll({ after: from, maxCount: limit, types, streamId });
        return { items: page.events.map(toEventView), nextFrom: page.isEnd ? null : (page.events.at(-1)?.position ?? null) };
      },
    );

    app.get(
      '/api/stream',
      {
        onRequest: viewer,
        preHandler: roomForClient,
        config: upgradeLimit,
        websocket: true,
        schema: { tags: ['events'], summary: 'WebSocket: catch-up from a position, then live events', querystring: StreamQuery },
      },
      (socket, request) => {
        const query = request.query as z.infer<typeof StreamQuery>;
        context.metrics.webSocketClients.inc({ endpoint: 'stream' });
        runStreamSession(socket, {
          store: context.store,
          tail: context.tail,
          from: query.from === 'end' ? 'end' : decodePosition(query.from),
          filter: {
            streamId: query.transactionId ? transactionStreamId(query.transactionId) : undefined,
            types: query.types && query.types.length > 0 ? new Set(query.types) : undefined,
          },
          limits: {
            ...defaultStreamLimits,
            maxBufferedBytes: context.config.streamMaxBufferedBytes,
            heartbeatMs: context.config.streamHeartbeatMs,
          },
          onClose: () => context.metrics.webSocketClients.dec({ endpoint: 'stream' }),
        });
      },
    );

    app.get(
      '/ws',
      {
        onRequest: viewer,
        preHandler: roomForClient,
        config: upgradeLimit,
        websocket: true,
        schema: {
          tags: ['events'],
          summary: "WebSocket: the seed's feed, a text frame { message } per state change",
          querystring: z.object({ token: z.string().max(500).optional() }),
        },
      },
      (socket) => {
        context.metrics.webSocketClients.inc({ endpoint: 'ws' });
        runSeedFeed(socket, context.tail, () => context.metrics.webSocketClients.dec({ endpoint: 'ws' }));
      },
    );
  };
}
