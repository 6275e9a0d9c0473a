import type { FastifyReply, FastifyRequest } from 'fastify';

/** How long a connection may stay silent while a request is handled (Fastify's connectionTimeout). */
export const requestTimeoutMs = 30_000;

/**
 * Admin operations whose work grows with the data (verify folds the whole log; at 100,000
 * transactions it takes over a minute) get a longer silence budget on their connection; every
 * other route keeps requestTimeoutMs. Used as the route's onRequest hook.
 */
export function longRunning(timeoutMs: number) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // Injected requests (tests) have no real socket.
    const socket = request.raw.socket as { setTimeout?: (ms: number) => unknown } | undefined;
    if (typeof socket?.setTimeout !== 'function') return;
    socket.setTimeout(timeoutMs);
    // A kept-alive connection goes back to the ordinary budget for its next request.
    reply.raw.once('finish', () => socket.setTimeout?.(requestTimeoutMs));
  };
}

export const longRunningLimits = { verifyMs: 10 * 60_000, clockAdvanceMs: 2 * 60_000, settlementRunMs: 2 * 60_000 } as const;
