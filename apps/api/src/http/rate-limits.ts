import { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import { HttpProblem } from './problem.ts';

/** Every limit counts requests of one client address (an IPv6 address by its /64) in a window of a minute. */
export const rateLimitWindowMs = 60_000;

/**
 * The limits, from RATE_LIMIT_PER_MINUTE: each command route takes that many requests of an
 * address; all of an address's requests together, whatever the route (none, too), take twice that
 * for methods that may change something and five times that for reads (GET, HEAD, OPTIONS).
 */
export const rateLimitMultiples = { otherRequests: 2, reads: 5 } as const;

export interface RateLimits {
  readonly commandRoutePerMinute: number;
  readonly readsPerMinute: number;
  readonly otherRequestsPerMinute: number;
}

export function rateLimitsFrom(commandRoutePerMinute: number): RateLimits {
  return {
    commandRoutePerMinute,
    readsPerMinute: commandRoutePerMinute * rateLimitMultiples.reads,
    otherRequestsPerMinute: commandRoutePerMinute * rateLimitMultiples.otherRequests,
  };
}

/**
 * A request that came over the network, not one the process made itself with `inject` (the
 * simulated gateway delivers its webhooks that way): only the former are counted.
 */
export function cameFromNetwork(request: FastifyRequest): boolean {
  return request.raw.socket instanceof Socket;
}

const reads = new Set(['GET', 'HEAD', 'OPTIONS']);

export function rateLimitedProblem(max: number, retryAfterS: number, scope: string): HttpProblem {
  return new HttpProblem(
    429,
    'rate_limited',
    `rate limit of ${max} requests per minute ${scope} exceeded; try again in ${retryAfterS} s`,
    [],
    { 'retry-after': String(retryAfterS) },
  );
}

/**
 * The per-address limits: one hook before anything else looks at a request (its route, its token,
 * its body), and the routes' own limits (`config.rateLimit`: commands, stream upgrades), which
 * run after their token check.
 */
export async function installRateLimits(app: FastifyInstance, limits: RateLimits): Promise<void> {
  await app.register(fastifyRateLimit, {
    global: false,
    max: limits.commandRoutePerMinute,
    timeWindow: rateLimitWindowMs,
    allowList: (request) => !cameFromNetwork(request),
    errorResponseBuilder: (_request, detail) => rateLimitedProblem(detail.max, Math.ceil(detail.ttl / 1000), 'on this route'),
  });
  const readLimit = app.createRateLimit({ max: limits.readsPerMinute, timeWindow: rateLimitWindowMs });
  const otherLimit = app.createRateLimit({ max: limits.otherRequestsPerMinute, timeWindow: rateLimitWindowMs });
  app.addHook('onRequest', async (request, reply) => {
    if (!cameFromNetwork(request)) return;
    const result = await (reads.has(request.method) ? readLimit : otherLimit)(request);
    if (result.isAllowed || !result.isExceeded) return;
    reply.header('x-ratelimit-limit', result.max);
    throw rateLimitedProblem(
      result.max,
      result.ttlInSeconds,
      reads.has(request.method) ? 'for reads from this address' : 'for changes from this address',
    );
  });
}
