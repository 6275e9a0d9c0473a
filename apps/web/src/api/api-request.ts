import { ApiProblem, unreachableProblem, type ProblemDetails } from './api-problem.ts';
import { recordSandboxNow, sandboxNowHeader } from './sandbox-clock.ts';
import { readToken } from './token-storage.ts';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, string | number | boolean | null | undefined>;
  body?: unknown;
  idempotencyKey?: string;
  ifMatchVersion?: number;
  signal?: AbortSignal;
  /** The bearer token to send instead of the stored one ('' sends none). */
  token?: string;
}

const requestTimeoutMs = 15_000;
const reachabilityListeners = new Set<(reachable: boolean) => void>();

/** Tells the app shell whether the last request reached the server. */
export function onReachabilityChange(listener: (reachable: boolean) => void): () => void {
  reachabilityListeners.add(listener);
  return () => reachabilityListeners.delete(listener);
}

function reportReachable(reachable: boolean): void {
  for (const listener of reachabilityListeners) listener(reachable);
}

export function buildUrl(path: string, query: RequestOptions['query'] = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(name, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** Sends one request to the API and returns its JSON body, or throws an ApiProblem. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  const token = options.token ?? readToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  if (options.ifMatchVersion !== undefined) headers['If-Match'] = `"${options.ifMatchVersion}"`;

  const timeout = AbortSignal.timeout(requestTimeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;

  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal,
    });
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    reportReachable(false);
    throw unreachableProblem(cause);
  }

  recordSandboxNow(response.headers.get(sandboxNowHeader));
  const text = await response.text();
  const contentType = response.headers.get('Content-Type') ?? '';
  const looksLikeJson = contentType.includes('json');
  const htmlFallback = contentType.includes('text/html');
  // A proxy with no backend answers 502/504; a static server answers index.html.
  reportReachable(!(response.status === 502 || response.status === 504 || htmlFallback));

  if ((response.status === 502 || response.status === 504) && !looksLikeJson) {
    throw new ApiProblem(0, { title: 'API unreachable', detail: `the proxy answered ${response.status}`, code: 'unreachable' });
  }
  if (!response.ok) {
    throw new ApiProblem(response.status, parseProblem(text, looksLikeJson), retryAfterOf(response));
  }
  if (htmlFallback) {
    throw new ApiProblem(0, { title: 'API unreachable', detail: `${path} answered with a web page, not JSON` });
  }
  if (!text) return undefined as T;
  return (looksLikeJson ? JSON.parse(text) : text) as T;
}

function parseProblem(text: string, looksLikeJson: boolean): ProblemDetails {
  if (looksLikeJson) {
    try {
      return JSON.parse(text) as ProblemDetails;
    } catch {
      // fall through to plain text
    }
  }
  return { detail: text.slice(0, 300) || undefined };
}

function retryAfterOf(response: Response): number | null {
  const header = response.headers.get('Retry-After');
  if (!header) return null;
  const seconds = Number(header);
  return Number.isFinite(seconds) ? seconds : null;
}
