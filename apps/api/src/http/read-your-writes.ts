import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { comparePositions, decodePosition } from '@tracktrove/event-store';
import type { ProjectionRuntime } from '@tracktrove/application';
import { isLogPosition } from '../schemas/common.ts';
import type { LogTail } from '../stream/log-tail.ts';
import { problems } from './problem.ts';

export const minPositionWaitMs = 5_000;
const logPollIntervalMs = 10;

/** `?minPosition=`, checked; undefined when absent. */
export function minPositionOf(request: FastifyRequest): string | undefined {
  const minPosition = (request.query as Record<string, unknown> | undefined)?.minPosition;
  if (minPosition === undefined) return undefined;
  if (typeof minPosition !== 'string' || !isLogPosition(minPosition)) {
    throw problems.validation('minPosition must be a position returned by the API', [
      { path: 'query.minPosition', message: 'is not a position' },
    ]);
  }
  return minPosition;
}

/**
 * `?minPosition=<position>`: wait, at most 5 s, until the read models have applied the log up to
 * that position, so a read after a command sees the command. When the wait runs out the read
 * answers anyway, with `TrackTrove-Read-Behind: true`.
 */
export function waitForMinPosition(runtime: ProjectionRuntime): preHandlerAsyncHookHandler {
  return async (request, reply) => {
    const minPosition = minPositionOf(request);
    if (minPosition === undefined) return;
    const caughtUp = await runtime.waitForPosition(minPosition, minPositionWaitMs);
    if (!caughtUp) reply.header('tracktrove-read-behind', 'true');
  };
}

/**
 * The same for reads of the log itself and of what commits with it (`/api/events`, deliveries):
 * readers see an event once no older transaction is still running, so wait, at most 5 s, until
 * this process's log tail has passed the position.
 */
export function waitForLogPosition(tail: LogTail): preHandlerAsyncHookHandler {
  return async (request, reply) => {
    const minPosition = minPositionOf(request);
    if (minPosition === undefined) return;
    const wanted = decodePosition(minPosition);
    const deadline = Date.now() + minPositionWaitMs;
    while (comparePositions(tail.position(), wanted) < 0) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        reply.header('tracktrove-read-behind', 'true');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(logPollIntervalMs, remainingMs)));
    }
  };
}
