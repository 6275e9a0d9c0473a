import { SetupError } from '../setup-error.ts';

/** A request to the server that takes longer than this fails (verify and clock advances have their own). */
export const defaultRequestTimeoutMs = 30_000;
/** Times a request refused with 429 (the server's rate limit) is tried again, after its Retry-After. */
const maxRateLimitRetries = 20;
/** Retry-After is followed up to this long; a longer one is waited for this long. */
const maxRetryAfterMs = 10_000;

/** An answer of the server other than 2xx: its status and the problem's detail. */
export class ServerRequestError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly path: string,
  ) {
    super(detail);
    this.name = 'ServerRequestError';
  }
}

export interface ServerApi {
  /** The server's base URL, without a trailing slash. */
  readonly url: string;
  request<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    options?: { body?: unknown; timeoutMs?: number; headers?: Record<string, string> },
  ): Promise<T>;
}

/**
 * The HTTP API of a running TrackTrove server. A server that does not answer, or answers like
 * something else, and a token it refuses are SetupErrors (exit 2) saying what to do; other refusals
 * are ServerRequestErrors with the problem's detail.
 */
export function createServerApi(url: string, token: string | undefined, source: string): ServerApi {
  const base = url.replace(/\/+$/, '');
  const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  async function request<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    options: { body?: unknown; timeoutMs?: number; headers?: Record<string, string> } = {},
  ): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers: { ...authorization, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(options.timeoutMs ?? defaultRequestTimeoutMs),
        });
      } catch (error) {
        throw new SetupError(`cannot reach the server at ${base} (${reasonOf(error)}): is it running? (${source})`);
      }
      const text = await response.text();
      if (response.status === 429 && attempt < maxRateLimitRetries) {
        const retryAfterS = Number(response.headers.get('retry-after'));
        await new Promise((done) =>
          setTimeout(done, Number.isFinite(retryAfterS) && retryAfterS > 0 ? Math.min(retryAfterS * 1_000, maxRetryAfterMs) : 1_000),
        );
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        throw new SetupError(
          token
            ? `the server at ${base} refused the admin token (${response.status}): pass its admin token with --token or TRACKTROVE_ADMIN_TOKEN`
            : `the server at ${base} needs its admin token (${response.status}): pass it with --token or TRACKTROVE_ADMIN_TOKEN (the server logs a generated one when it starts)`,
        );
      }
      let body: unknown;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        throw new SetupError(
          `${base} does not answer as a TrackTrove server (${method} ${path}: ${response.status}, not JSON): check ${source}`,
        );
      }
      if (!response.ok) {
        const problem = body as { detail?: unknown; title?: unknown } | null;
        const detail =
          typeof problem?.detail === 'string'
            ? problem.detail
            : typeof problem?.title === 'string'
              ? problem.title
              : `HTTP ${response.status}`;
        if (response.status === 404 && (problem === null || typeof problem.detail !== 'string')) {
          throw new SetupError(`${base} does not answer as a TrackTrove server (${method} ${path}: 404): check ${source}`);
        }
        throw new ServerRequestError(response.status, `the server answered ${response.status} to ${method} ${path}: ${detail}`, path);
      }
      return body as T;
    }
  }
  return { url: base, request };
}

/** Checks that a TrackTrove server answers at the URL (GET /health), before anything is asked of it. */
export async function checkServer(api: ServerApi, source: string): Promise<void> {
  const health = await api.request<{ status?: unknown } | null>('GET', '/health', { timeoutMs: 10_000 });
  if (health?.status !== 'ok') throw new SetupError(`${api.url} does not answer as a TrackTrove server (GET /health): check ${source}`);
}

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'no answer in time';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string' && cause.message !== '') return cause.message;
  return error.message;
}
