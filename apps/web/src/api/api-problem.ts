/** An HTTP failure in the shape of application/problem+json, or the network failing. */

export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: FieldError[];
}

export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly fieldErrors: FieldError[];
  readonly retryAfterSeconds: number | null;

  constructor(status: number, problem: ProblemDetails, retryAfterSeconds: number | null = null) {
    const title = problem.title ?? defaultTitleFor(status);
    super(problem.detail ? `${title}: ${problem.detail}` : title);
    this.name = 'ApiProblem';
    this.status = status;
    this.code = problem.code ?? codeFor(status);
    this.title = title;
    this.detail = problem.detail ?? '';
    this.fieldErrors = Array.isArray(problem.errors) ? problem.errors : [];
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The server could not be reached at all (status 0). */
  get isUnreachable(): boolean {
    return this.status === 0;
  }

  get needsToken(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export function unreachableProblem(cause: unknown): ApiProblem {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ApiProblem(0, { title: 'API unreachable', detail, code: 'unreachable' });
}

/** What a person should do about a failure, in one sentence. */
export function adviceFor(problem: ApiProblem): string {
  switch (problem.status) {
    case 0:
      return 'The server did not answer. Is the API running?';
    case 400:
      return 'The request was rejected; check the fields below.';
    case 401:
      return 'A token is needed: set one in Settings.';
    case 403:
      return 'This token’s role is too low: use an operator or admin token in Settings.';
    case 404:
      return 'Nothing with that id exists.';
    case 409:
      return 'That transition is not allowed from the current status.';
    case 412:
      return 'Someone changed this transaction first; reload and try again.';
    case 413:
      return 'The request body is too large.';
    case 422:
      return 'This idempotency key was already used with a different body.';
    case 429:
      return problem.retryAfterSeconds
        ? `Rate limited; try again in ${problem.retryAfterSeconds} s.`
        : 'Rate limited; slow down and try again.';
    case 503:
      return problem.retryAfterSeconds
        ? `The store is unavailable; retry in ${problem.retryAfterSeconds} s.`
        : 'The store is unavailable; retry shortly.';
    default:
      return problem.status >= 500 ? 'The server failed; see its logs.' : '';
  }
}

function defaultTitleFor(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not found',
    409: 'Invalid transition',
    412: 'Version mismatch',
    413: 'Payload too large',
    422: 'Idempotency key reused',
    429: 'Rate limited',
    503: 'Service unavailable',
  };
  return titles[status] ?? `HTTP ${status}`;
}

function codeFor(status: number): string {
  const codes: Record<number, string> = {
    400: 'validation_failed',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    409: 'invalid_transition',
    412: 'version_mismatch',
    422: 'idempotency_key_reused',
    429: 'rate_limited',
    503: 'unavailable',
  };
  return codes[status] ?? 'http_error';
}
