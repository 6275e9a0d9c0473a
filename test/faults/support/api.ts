import { randomUUID } from 'node:crypto';
import { adminToken } from './server-process.ts';

export type Json = Record<string, any>;

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Json;
  readonly text: string;
  readonly elapsedMs: number;
}

export interface CallOptions {
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
  readonly admin?: boolean;
}

/** An HTTP client for one server: JSON in, JSON (or text) out, every call bounded in time. */
export interface Api {
  readonly baseUrl: string;
  call(method: string, path: string, body?: unknown, options?: CallOptions): Promise<ApiResponse>;
}

export function apiOf(baseUrl: string): Api {
  return {
    baseUrl,
    async call(method, path, body, options = {}) {
      const startedAt = performance.now();
      const headers: Record<string, string> = {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.admin ? { authorization: `Bearer ${adminToken}` } : {}),
        ...options.headers,
      };
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const text = await response.text();
      let json: Json = {};
      try {
        json = JSON.parse(text) as Json;
      } catch {
        json = { text };
      }
      return { status: response.status, headers: response.headers, json, text, elapsedMs: performance.now() - startedAt };
    },
  };
}

/** An initiate body; holds last an hour and the confirmation webhook waits a day unless overridden. */
export function initiateBody(overrides: Json = {}): Json {
  const { simulation, ...rest } = overrides;
  return {
    vendorId: randomUUID(),
    amount: '12.50',
    channel: 'API',
    kind: 'TIP',
    payload: { note: 'faults' },
    ...rest,
    simulation: { escrowTtlMs: 3_600_000, webhook: { delayMs: 86_400_000 }, ...simulation },
  };
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Repeats `probe` until it returns a value other than undefined, or fails after timeoutMs. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}
