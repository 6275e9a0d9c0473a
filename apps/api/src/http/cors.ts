import type { FastifyCorsOptions } from '@fastify/cors';

/** Every method a route of the API answers; @fastify/cors grants only GET, HEAD and POST by default. */
export const corsMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The request headers clients send: auth, JSON bodies, optimistic concurrency, idempotency, tracing. */
export const corsRequestHeaders = [
  'authorization',
  'content-type',
  'if-match',
  'idempotency-key',
  'traceparent',
  'tracestate',
  'x-request-id',
] as const;

/** The response headers clients read; a browser hides every other non-safelisted one from a page of another origin. */
export const corsExposedHeaders = [
  'etag',
  'location',
  'idempotent-replayed',
  'x-request-id',
  'retry-after',
  'www-authenticate',
  'tracktrove-sandbox-now',
  'tracktrove-read-behind',
] as const;

/** How long a browser may reuse a preflight's answer. */
const preflightMaxAgeS = 3_600;

/**
 * CORS for the origins of CORS_ORIGINS: preflights from one of them are granted every method and
 * header above; any other origin gets no CORS header, so its browser keeps the answer from the
 * page. No credentials: the API authenticates with bearer tokens, never cookies.
 */
export function corsOptions(origins: readonly string[]): FastifyCorsOptions {
  const allowed = new Set(origins);
  return {
    // `false` for any other origin (or none): no CORS header at all, and a preflight finds no route.
    origin: (origin, grant) => grant(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: [...corsMethods],
    allowedHeaders: [...corsRequestHeaders],
    exposedHeaders: [...corsExposedHeaders],
    maxAge: preflightMaxAgeS,
    strictPreflight: true,
  };
}
