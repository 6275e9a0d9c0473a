import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashRequest, idempotencyLimits, type IdempotencyRequest } from '@tracktrove/commands';
import { validTraceparent } from '@tracktrove/domain';
import { problems } from './problem.ts';

/**
 * If-Match: `"<version>"` (an unquoted number is accepted too). Absent, or `*` (RFC 9110: any
 * current version; an unknown transaction is a 404 anyway): undefined.
 */
export function expectedVersionOf(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value?.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(value ?? '');
  if (!match)
    throw problems.validation('If-Match must be a version like "3"', [
      { path: 'headers.if-match', message: 'must be a quoted version number' },
    ]);
  return Number(match[1]);
}

/** Idempotency-Key (1 to 255 visible ASCII characters, whatever the route), scoped by the route, with a hash of what the request asks. */
export function idempotencyOf(request: FastifyRequest, routeKey: string): IdempotencyRequest | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  const { maxKeyLength } = idempotencyLimits;
  if (!key || key.length > maxKeyLength || !/^[\x21-\x7e]+$/.test(key)) {
    throw problems.validation(`Idempotency-Key must have 1 to ${maxKeyLength} visible ASCII characters`, [
      { path: 'headers.idempotency-key', message: `must have 1 to ${maxKeyLength} visible ASCII characters` },
    ]);
  }
  return {
    key: `${routeKey}|${key}`,
    requestHash: hashRequest({
      route: routeKey,
      params: request.params ?? null,
      body: request.body ?? null,
      ifMatch: request.headers['if-match'] ?? null,
    }),
  };
}

/**
 * The request's W3C `traceparent` (https://www.w3.org/TR/trace-context/) when it is valid, else
 * null: an invalid or repeated header is ignored, never refused (the spec's rule for receivers).
 */
export function traceparentOf(request: FastifyRequest): string | null {
  return validTraceparent(request.headers.traceparent);
}

export function markReplayed(reply: FastifyReply, replayed: boolean): void {
  if (replayed) reply.header('idempotent-replayed', 'true');
}
