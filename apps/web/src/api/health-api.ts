import { apiRequest } from './api-request.ts';

/** Liveness of the server behind /health; used for the "API unreachable" banner. */
export function checkHealth(signal?: AbortSignal): Promise<unknown> {
  return apiRequest('/health', { signal });
}
