import type { FastifyReply } from 'fastify';

/** The stable machine codes of api.md, and the ones TrackTrove adds. */
export type ProblemCode =
  | 'validation_failed'
  | 'not_found'
  | 'invalid_transition'
  | 'version_mismatch'
  | 'idempotency_key_reused'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'unavailable'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'conflict'
  | 'internal_error';

export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
  readonly errors: readonly FieldProblem[];
  /** The detail again, for clients that show an error body's `message` (the seed's dashboard does). */
  readonly message: string;
}

const titles: Record<ProblemCode, string> = {
  validation_failed: 'Invalid request',
  not_found: 'Not found',
  invalid_transition: 'Invalid transition',
  version_mismatch: 'Version mismatch',
  idempotency_key_reused: 'Idempotency key reused',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  rate_limited: 'Too many requests',
  unavailable: 'Service unavailable',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  internal_error: 'Internal error',
};

/** A typed error that maps to one problem+json response. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: ProblemCode,
    detail: string,
    readonly errors: readonly FieldProblem[] = [],
    readonly headers: Readonly<Record<string, string>> = {},
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  toProblem(): Problem & Record<string, unknown> {
    return {
      type: `https://tracktrove.dev/problems/${this.code.replaceAll('_', '-')}`,
      title: titles[this.code],
      status: this.status,
      detail: this.message,
      code: this.code,
      errors: this.errors,
      message: this.message,
      ...this.extensions,
    };
  }
}

export const problems = {
  validation: (detail: string, errors: readonly FieldProblem[] = []) => new HttpProblem(400, 'validation_failed', detail, errors),
  /** Bad input in one place: the detail and the single error both name it. */
  field: (path: string, message: string) => new HttpProblem(400, 'validation_failed', `${path}: ${message}`, [{ path, message }]),
  notFound: (detail: string) => new HttpProblem(404, 'not_found', detail),
  unauthorized: (detail = 'a valid bearer token is required') =>
    new HttpProblem(401, 'unauthorized', detail, [], { 'www-authenticate': 'Bearer' }),
  forbidden: (detail: string) => new HttpProblem(403, 'forbidden', detail),
  unavailable: (detail = 'the event store is unreachable; try again shortly', retryAfterS = 2) =>
    new HttpProblem(503, 'unavailable', detail, [], { 'retry-after': String(retryAfterS) }),
};

export function sendProblem(reply: FastifyReply, problem: HttpProblem): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value);
  return reply.status(problem.status).type('application/problem+json').send(problem.toProblem());
}
