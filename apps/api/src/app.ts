import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import fastifyCors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from './app-context.ts';
import { requireRole } from './http/auth.ts';
import { corsOptions } from './http/cors.ts';
import { installErrorHandler, notFoundProblem, toProblem } from './http/error-handler.ts';
import { tooDeepJson } from './http/json-depth.ts';
import { redactedUrl } from './http/log-redaction.ts';
import { problems, sendProblem } from './http/problem.ts';
import { installRateLimits, rateLimitsFrom } from './http/rate-limits.ts';
import { installSecurityHeaders, swaggerUiPolicy } from './http/security-headers.ts';
import { refusedContent } from './http/storable-text.ts';
import { checkUpgradeOrigin } from './http/websocket-origin.ts';
import { ProblemSchema } from './schemas/common.ts';
import { requestTimeoutMs } from './http/timeouts.ts';
import { eventRoutes } from './routes/events.ts';
import { operationsRoutes } from './routes/operations.ts';

/** The response header with the sandbox clock's now (ISO 8601), for clients that show sandbox times against it. */
export const sandboxNowHeader = 'tracktrove-sandbox-now';

export interface BuildAppOptions {
  /** Extra route plugins (transactions, ledger, admin, ...), registered after the core ones. */
  readonly routes?: ReadonlyArray<(context: AppContext) => import('fastify').FastifyPluginAsync>;
  /** Serve the trace viewer at `/` (default true). */
  readonly serveWebUi?: boolean;
}

/** A request as logged: its URL with the value of any query parameter named for a token left out, however its name is spelled. */
function requestLogView(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactedUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** The Fastify application: plugins, schemas, error mapping and routes. Listening is the caller's. */
export async function buildApp(context: AppContext, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: context.logger.child({}, { serializers: { req: requestLogView } }) as FastifyBaseLogger,
    bodyLimit: context.config.bodyLimitBytes,
    requestTimeout: requestTimeoutMs,
    connectionTimeout: requestTimeoutMs,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : crypto.randomUUID();
    },
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // What the router refuses before any route runs (a malformed percent-encoding, a path segment
    // over maxParamLength) is bad input too, in the same problem+json shape.
    frameworkErrors: (error, _request, reply) => {
      const urlProblem = error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      sendProblem(
        reply,
        urlProblem
          ? problems.validation(error.message, [{ path: 'url', message: 'is not a valid URL for this API' }])
          : (toProblem(error) ?? problems.validation(error.message)),
      );
    },
  });
  // An empty body sent as application/json (a client's default header on a POST without data) is
  // no body: routes whose body is optional take it, the others answer 400 naming the body. What
  // the API refuses in any body (text PostgreSQL cannot store, prototype keys) is refused here,
  // before it can fail a shared append. A body that nests too deep is refused before it is parsed.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    const tooDeep = tooDeepJson(String(body));
    if (tooDeep) return done(problems.field(tooDeep.path || 'body', tooDeep.message));
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(body));
    } catch {
      return done(problems.validation('the body is not valid JSON', [{ path: 'body', message: 'is not valid JSON' }]));
    }
    // No body at all reaches a route as null; a JSON null sent as the body is not an absent one.
    if (parsed === null)
      return done(
        problems.validation('the body must be a JSON object, not null', [{ path: 'body', message: 'must be a JSON object, not null' }]),
      );
    const refused = refusedContent(parsed, undefined);
    if (refused) return done(problems.field(refused.path || 'body', refused.message));
    done(null, parsed);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app, context.availability);
  // First, so that every response carries them, a refusal by any later hook too.
  await installSecurityHeaders(app);
  // Before any hook that may refuse a request: its own hook marks a handshake, so that the socket of
  // one refused (429, 403, 404) is closed with the answer.
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });

  // First of the request hooks, so that every answer to an allowed origin carries its grant, the
  // refusals of the hooks below included.
  await app.register(fastifyCors, corsOptions(context.config.corsOrigins));
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Clients show times of the sandbox (an escrow hold's countdown) against the sandbox clock.
    if (context.sandboxNow) reply.header(sandboxNowHeader, context.sandboxNow().toISOString());
    const path = request.url.split('?')[0] ?? '';
    const refusedQuery = refusedContent(request.query, 'query');
    if (refusedQuery) throw problems.field(refusedQuery.path, refusedQuery.message);
    if (!context.availability.available && path.startsWith('/api/')) {
      throw problems.unavailable(`the event store is unreachable (${context.availability.lastError ?? 'no answer'}); try again shortly`);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    context.metrics.requestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1_000,
    );
  });

  await installRateLimits(app, rateLimitsFrom(context.config.rateLimitPerMinute));
  app.addHook('onRequest', checkUpgradeOrigin(context.config.corsOrigins));
  // A request no route takes is answered before its body is read: nothing is parsed for it.
  app.addHook('onRequest', async (request) => {
    if (request.is404) throw notFoundProblem(request);
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'TrackTrove API', description: 'Fire, watch, replay and debug micro-transaction money flows.', version: '0.1.0' },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
        schemas: { Problem: z.toJSONSchema(ProblemSchema) as Record<string, unknown> },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  const docsAndMetricsRole = context.config.docsAndMetricsRole;
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: swaggerUiPolicy,
    uiHooks: docsAndMetricsRole ? { onRequest: requireRole(docsAndMetricsRole, context.tokens) } : undefined,
  });

  await app.register(operationsRoutes(context));
  await app.register(eventRoutes(context));
  for (const routes of options.routes ?? []) await app.register(routes(context));

  if (options.serveWebUi === false) return app;
  const webDist = context.config.webDistDir ?? resolve(import.meta.dirname, '../../web/dist');
  if (existsSync(resolve(webDist, 'index.html'))) {
    // Source maps are not served, even from a build that has them: they would hand out the viewer's source.
    await app.register(fastifyStatic, {
      root: webDist,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      allowedPath: (path) => !path.endsWith('.map'),
    });
  } else {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><title>TrackTrove</title><p>The trace viewer is not built: run <code>pnpm --filter @tracktrove/web build</code>. The API is at <a href="/docs">/docs</a>.</p>',
        ),
    );
  }
  return app;
}

export { sendProblem };
