import type { preHandlerAsyncHookHandler } from 'fastify';
import { isPosition } from '@tracktrove/event-store';
import type { ProjectionRuntime } from '@tracktrove/projections';
import { problems } from './problem.ts';

export const minPositionWaitMs = 5_000;

/**
 * `?minPosition=<position>`: wait, at most 5 s, until the read models have applied the log up to
 * that position, so a read after a command sees the command. When the wait runs out the read
 * answers anyway, with `TrackTrove-Read-Behind: true`.
 */
export function waitForMinPosition(runtime: ProjectionRuntime): preHandlerAsyncHookHandler {
  return async (request, reply) => {
    const minPosition = (request.query as Record<string, unknown> | undefined)?.minPosition;
    if (minPosition === undefined) return;
    if (typeof minPosition !== 'string' || !isPosition(minPosition)) {
      throw problems.validation('minPosition must be a position returned by the API', [{ path: 'query.minPosition', message: 'is not a position' }]);
    }
    const caughtUp = await runtime.waitForPosition(minPosition, minPositionWaitMs);
    if (!caughtUp) reply.header('tracktrove-read-behind', 'true');
  };
}
