import type { FastifyInstance } from 'fastify';
import fastifyHelmet from '@fastify/helmet';

/**
 * Security headers on every response (helmet): a Content-Security-Policy that lets the trace viewer
 * load its own scripts, styles and data: images and open its WebSocket to this server and nothing
 * else; no framing (X-Frame-Options, frame-ancestors); nosniff; no referrer. Two of helmet's
 * defaults are left out: the server cannot know whether a TLS proxy is in front of it, and over
 * plain HTTP `upgrade-insecure-requests` would send the viewer's requests to an https port that is
 * not there, while HSTS belongs to whoever terminates TLS.
 */
export const contentSecurityPolicy = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  scriptSrcAttr: ["'none'"],
} as const;

export async function installSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy },
    strictTransportSecurity: false,
    frameguard: { action: 'deny' },
  });
}

/** Swagger UI's own policy (set by @fastify/swagger-ui), less `upgrade-insecure-requests` for the reason above. */
export function swaggerUiPolicy(header: string): string {
  return header.replace(/\s*upgrade-insecure-requests;?/g, '');
}
