import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export const attemptLimits = {
  defaultTimeoutMs: 10_000,
  minTimeoutMs: 100,
  maxTimeoutMs: 30_000,
  /** Bytes of the response body read and kept; the rest is not read. */
  maxResponseBytes: 4096,
  /** Wall-clock pause between a slow request's headers and its body. */
  defaultSlowMs: 2000,
  maxSlowMs: 10_000,
} as const;

export interface AttemptRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Whole attempt, connect to the last byte read; clamped to attemptLimits. */
  readonly timeoutMs?: number;
  /** Send the headers, then the body after slowMs (an injected slow delivery). */
  readonly slowMs?: number;
  /** Connections kept alive between attempts (see createAttemptAgents); default: a connection per attempt. */
  readonly agents?: AttemptAgents;
}

export interface AttemptAgents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
  destroy(): void;
}

/** Keep-alive connections for a sender's attempts, at most maxSockets per host. */
export function createAttemptAgents(maxSockets: number): AttemptAgents {
  const http = new HttpAgent({ keepAlive: true, maxSockets });
  const https = new HttpsAgent({ keepAlive: true, maxSockets });
  return {
    http,
    https,
    destroy() {
      http.destroy();
      https.destroy();
    },
  };
}

export interface AttemptResult {
  /** The response's status; null when none came (connection error, timeout). */
  readonly status: number | null;
  /** At most attemptLimits.maxResponseBytes of the response body, as UTF-8. */
  readonly responseBody: string;
  /** Wall-clock milliseconds from the start of the attempt to its end. */
  readonly latencyMs: number;
  readonly error: string | null;
  /** A 2xx answer. A redirect is not followed: a 3xx is an answer that failed. */
  readonly delivered: boolean;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/**
 * One POST of a delivery: no redirects followed, no retries, at most timeoutMs in all, the first
 * 4 KiB of the answer kept (the connection is closed past it). Never throws: a failure is in
 * `error`, as text for the delivery log.
 */
export function sendAttempt(attempt: AttemptRequest): Promise<AttemptResult> {
  const timeoutMs = clamp(attempt.timeoutMs ?? attemptLimits.defaultTimeoutMs, attemptLimits.minTimeoutMs, attemptLimits.maxTimeoutMs);
  const slowMs = attempt.slowMs === undefined ? 0 : clamp(attempt.slowMs, 0, attemptLimits.maxSlowMs);
  const startedAt = performance.now();
  const body = Buffer.from(attempt.body, 'utf8');
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    let request: ClientRequest | null = null;
    let slowTimer: NodeJS.Timeout | undefined;
    /** `complete`: the answer was read to its end, so a kept-alive connection may serve the next attempt. */
    const finish = (status: number | null, responseBody: string, error: string | null, complete = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(slowTimer);
      if (!complete) request?.destroy();
      const delivered = error === null && status !== null && status >= 200 && status < 300;
      resolve({ status, responseBody, latencyMs: Math.round(performance.now() - startedAt), error, delivered });
    };
    const deadline = setTimeout(() => finish(null, '', `timed out after ${timeoutMs} ms`), timeoutMs);
    let url: URL;
    try {
      url = new URL(attempt.url);
    } catch {
      finish(null, '', 'not an absolute URL');
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : null;
    if (!send) {
      finish(null, '', 'the URL must be http or https');
      return;
    }
    const onResponse = (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      const done = (complete: boolean) => finish(response.statusCode ?? null, Buffer.concat(chunks).toString('utf8'), null, complete);
      response.on('data', (chunk: Buffer) => {
        const room = attemptLimits.maxResponseBytes - bytes;
        if (room > 0) chunks.push(chunk.subarray(0, room));
        bytes += chunk.length;
        if (bytes >= attemptLimits.maxResponseBytes) done(false);
      });
      response.on('end', () => done(true));
      response.on('error', (error) => finish(response.statusCode ?? null, Buffer.concat(chunks).toString('utf8'), error.message));
    };
    const agent = attempt.agents ? (url.protocol === 'https:' ? attempt.agents.https : attempt.agents.http) : undefined;
    request = send(url, { method: 'POST', agent, headers: { ...attempt.headers, 'Content-Length': String(body.length) } }, onResponse);
    request.on('error', (error: NodeJS.ErrnoException) => finish(null, '', describe(error)));
    if (slowMs > 0) {
      request.flushHeaders();
      slowTimer = setTimeout(() => request?.end(body), slowMs);
    } else {
      request.end(body);
    }
  });
}

function describe(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return 'connection refused';
  if (error.code === 'ECONNRESET' || error.message === 'socket hang up') return 'the connection was closed before an answer';
  return error.code ? `${error.code}: ${error.message}` : error.message;
}
