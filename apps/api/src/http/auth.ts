import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { problems, sendProblem } from './problem.ts';

export type Role = 'viewer' | 'operator' | 'admin';

export interface Actor {
  readonly role: Role;
  readonly id: string;
}

export interface Tokens {
  readonly admin: string;
  readonly operator: string | undefined;
  readonly viewer: string | undefined;
}

const rank: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? '';
  }
  // Only a WebSocket handshake, which a browser cannot give a header, may carry the token in the
  // URL: anywhere else it would end up in proxies' logs and browser history.
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') return undefined;
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === 'string' ? query.token : undefined;
}

function roleOf(token: string, tokens: Tokens): Role | undefined {
  if (sameSecret(token, tokens.admin)) return 'admin';
  if (tokens.operator && sameSecret(token, tokens.operator)) return 'operator';
  if (tokens.viewer && sameSecret(token, tokens.viewer)) return 'viewer';
  return undefined;
}

/**
 * Bearer-token roles, admin > operator > viewer. Admin routes always need the admin token;
 * commands need operator when TRACKTROVE_OPERATOR_TOKEN is set, reads need viewer when
 * TRACKTROVE_VIEWER_TOKEN is set; otherwise they are open (the sandbox default).
 */
export function requireRole(needed: Role, tokens: Tokens): onRequestHookHandler {
  const open = needed === 'viewer' ? !tokens.viewer : needed === 'operator' ? !tokens.operator : false;
  return function authorize(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) {
    const token = presentedToken(request);
    const role = token ? roleOf(token, tokens) : undefined;
    if (role) {
      request.actor = { role, id: `${role}-token` };
      if (rank[role] < rank[needed])
        return void sendProblem(reply, problems.forbidden(`this needs the ${needed} role; the token has ${role}`));
      return done();
    }
    if (open) {
      request.actor = { role: needed === 'viewer' ? 'viewer' : 'operator', id: 'anonymous' };
      return done();
    }
    return void sendProblem(
      reply,
      problems.unauthorized(token ? 'the bearer token is not known' : `a bearer token with the ${needed} role is required`),
    );
  };
}
