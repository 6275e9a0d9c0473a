import { z, ZodError } from 'zod';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidCursorError } from '@tracktrove/event-store';
import { HttpProblem, problems, sendProblem, type FieldProblem, type ProblemCode } from './problem.ts';
import { isConnectivityError, type Availability } from './availability.ts';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function fieldPath(context: string | undefined, instancePath: string | undefined, params: Record<string, unknown> | undefined): string {
  const path = (instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const missing = params && typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
  const parts = [path, missing].filter((part): part is string => Boolean(part));
  const joined = parts.join('.');
  if (context && context !== 'body') return joined ? `${context === 'querystring' ? 'query' : context}.${joined}` : context;
  return joined || (context ?? 'body');
}

/** Errors of other packages carry a stable `code`; this is how each maps to HTTP. */
const byCode: Record<string, { status: number; code: ProblemCode }> = {
  validation_failed: { status: 400, code: 'validation_failed' },
  invalid_position: { status: 400, code: 'validation_failed' },
  invalid_append: { status: 400, code: 'validation_failed' },
  invalid_transition: { status: 409, code: 'invalid_transition' },
  version_mismatch: { status: 412, code: 'version_mismatch' },
  idempotency_key_reused: { status: 422, code: 'idempotency_key_reused' },
  forbidden: { status: 403, code: 'forbidden' },
  not_found: { status: 404, code: 'not_found' },
  wrong_expected_version: { status: 409, code: 'conflict' },
  concurrency_conflict: { status: 409, code: 'conflict' },
  rebuild_in_progress: { status: 409, code: 'conflict' },
  endpoint_limit_reached: { status: 409, code: 'conflict' },
};

/**
 * PostgreSQL's answers (SQLSTATE) that mean the database cannot do the work now, through no fault
 * of the request: out of disk, memory or connections (class 53), an I/O failure (58), a statement
 * cancelled by its timeout (57014), a lock not had in time (55P03), a read-only server (25006:
 * a standby after a failover). The transaction did not commit: a 503, not a 500. Null otherwise.
 */
function databaseUnavailable(code: unknown): string | null {
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return null;
  if (code.startsWith('53'))
    return code === '53100'
      ? 'out of disk space'
      : code === '53200'
        ? 'out of memory'
        : code === '53300'
          ? 'too many connections'
          : 'out of resources';
  if (code.startsWith('58')) return 'a storage failure';
  if (code === '57014') return 'a statement timed out';
  if (code === '55P03') return 'a lock was not available in time';
  if (code === '25006') return 'the database is read-only';
  return null;
}

export function toProblem(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (!(error instanceof Error)) return undefined;
  const fastifyError = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) {
    const errors: FieldProblem[] = fastifyError.validation.map((issue) => ({
      path: fieldPath(fastifyError.validationContext, issue.instancePath, issue.params),
      message: issue.message ?? 'is invalid',
    }));
    return problems.validation(errors.map((item) => `${item.path}: ${item.message}`).join('; ') || 'invalid request', errors);
  }
  // Cursors only ever arrive as `?cursor=`: name the query parameter, as for other bad input.
  if (error instanceof InvalidCursorError)
    return problems.validation(error.message, [{ path: 'query.cursor', message: 'is not a cursor from a previous page' }]);
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpProblem(413, 'payload_too_large', 'the request body is larger than the limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpProblem(415, 'unsupported_media_type', 'send application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problems.validation('Content-Length does not match the body', [{ path: 'body', message: 'wrong length' }]);
    default:
      break;
  }
  // Overloaded or waiting on a dependency that will recover: nothing was done, try again.
  if (fastifyError.code === 'unavailable') return problems.unavailable(error.message, 1);
  const refusal = databaseUnavailable(fastifyError.code);
  if (refusal) return problems.unavailable(`the database cannot take this request now (${refusal}); try again`, 5);
  const mapped = typeof fastifyError.code === 'string' ? byCode[fastifyError.code] : undefined;
  if (mapped) {
    const fieldErrors = (error as { errors?: FieldProblem[] }).errors;
    const extensions: Record<string, unknown> = {};
    for (const key of ['from', 'to', 'command', 'expectedVersion', 'actualVersion', 'streamId'] as const) {
      const value = (error as unknown as Record<string, unknown>)[key];
      if (value !== undefined) extensions[key] = value;
    }
    return new HttpProblem(mapped.status, mapped.code, error.message, Array.isArray(fieldErrors) ? fieldErrors : [], {}, extensions);
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return problems.validation(`the body is not valid JSON: ${error.message}`, [{ path: 'body', message: 'is not valid JSON' }]);
  }
  if (fastifyError.statusCode === 429) return new HttpProblem(429, 'rate_limited', error.message);
  if (fastifyError.statusCode === 404) return problems.notFound(error.message);
  if (fastifyError.statusCode === 405) return new HttpProblem(405, 'method_not_allowed', error.message);
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new HttpProblem(fastifyError.statusCode, 'validation_failed', error.message);
  }
  return undefined;
}

/** One place where every error becomes problem+json. A 5xx only for a real outage or a bug. */
export function installErrorHandler(app: FastifyInstance, availability: Availability): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error);
    if (problem) return sendProblem(reply, problem);
    if (isConnectivityError(error)) {
      availability.reportFailure(error);
      return sendProblem(reply, problems.unavailable());
    }
    if (error instanceof ZodError) {
      // A failed assertion over a zod schema: the failing paths and where it was thrown (the raw
      // message of a union can run to pages, so it is left out).
      const issues = error.issues.flatMap((issue) => leafIssues(issue)).slice(0, 20);
      const at = (error.stack ?? '')
        .split('\n')
        .filter((line) => line.trimStart().startsWith('at '))
        .slice(0, 15)
        .map((line) => line.trim());
      request.log.error({ zodIssues: issues, at }, 'unhandled zod error');
    } else {
      request.log.error({ err: error }, 'unhandled error');
    }
    return sendProblem(reply, new HttpProblem(500, 'internal_error', 'an unexpected error happened; it has been logged'));
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, notFoundProblem(request)));
}

/** The 404 of a request no route takes. */
export function notFoundProblem(request: FastifyRequest): HttpProblem {
  return problems.notFound(`no route ${request.method} ${request.url.split('?')[0]}`);
}

/** The innermost issues of a zod error (unions nest theirs), each as "path: message". */
function leafIssues(issue: z.core.$ZodIssue, prefix: PropertyKey[] = []): string[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0)
    return issue.errors.flatMap((branch) => branch.flatMap((inner) => leafIssues(inner, path)));
  return [`${path.map(String).join('.') || '(root)'}: ${issue.message}`];
}
