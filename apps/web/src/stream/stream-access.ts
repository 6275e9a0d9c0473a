import { ApiProblem } from '../api/api-problem.ts';
import { apiRequest } from '../api/api-request.ts';

/** Whether the server lets this token read the log: what a refused WebSocket handshake does not say. */
export type StreamAccess = { kind: 'granted' } | { kind: 'refused'; status: number; detail: string } | { kind: 'unknown' };

/**
 * A browser hides why a WebSocket handshake failed (an HTTP 401 and a server that is down both
 * close with 1006), so ask GET /api/events, which needs the same viewer role as /api/stream.
 */
export async function checkStreamAccess(token: string): Promise<StreamAccess> {
  try {
    await apiRequest<unknown>('/api/events', { query: { limit: 1 }, token });
    return { kind: 'granted' };
  } catch (error) {
    if (error instanceof ApiProblem && error.needsToken)
      return { kind: 'refused', status: error.status, detail: error.detail || error.title };
    return { kind: 'unknown' };
  }
}
