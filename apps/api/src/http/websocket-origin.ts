import type { FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.ts';

/**
 * Whether a WebSocket handshake may go on, by its Origin: a browser sends the page's origin with
 * every handshake, and CORS does not cover WebSockets, so without this any site a user visits could
 * open the stream with the user's access. Allowed: no Origin (not a browser), the server's own
 * origin (the trace viewer it serves), and the origins of CORS_ORIGINS.
 */
export function upgradeOriginAllowed(request: FastifyRequest, corsOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (corsOrigins.includes(origin)) return true;
  try {
    // The page came from this server: same host and port (the scheme may differ behind a TLS proxy).
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/** An onRequest hook: refuses with 403 a WebSocket handshake from an origin not allowed. */
export function checkUpgradeOrigin(corsOrigins: readonly string[]) {
  return async (request: FastifyRequest) => {
    if (request.headers.upgrade?.toLowerCase() !== 'websocket') return;
    if (!upgradeOriginAllowed(request, corsOrigins)) {
      throw new HttpProblem(
        403,
        'forbidden',
        `WebSocket connections from the origin ${String(request.headers.origin).slice(0, 200)} are not allowed; add it to CORS_ORIGINS`,
      );
    }
  };
}
