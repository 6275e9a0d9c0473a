import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { decodePosition } from '@tracktrove/event-store';
import type { ProjectionRuntime, ReadSource } from '@tracktrove/application';
import type { ReadReplica } from '../read-replicas.ts';
import { HttpProblem } from './problem.ts';
import { minPositionOf, minPositionWaitMs, waitForMinPosition } from './read-your-writes.ts';

/** Part of minPositionWaitMs a read waits for a replica before it falls back to the primary. */
export const replicaWaitMs = 2_500;
const replicaPollIntervalMs = 20;

/** Why a read that could go to a replica went to the primary (`TrackTrove-Read-Fallback`). */
export type ReadFallback = 'replica_behind' | 'replica_down' | 'replica_error';

/**
 * Where the queries of read models go. With replicas: to one that is up and has the current
 * generation of every read model (round robin); with `?minPosition=`, to one that has applied that
 * position, waiting for it at most replicaWaitMs; otherwise to the primary, with the wait left of
 * minPositionWaitMs and `TrackTrove-Read-Fallback` saying why. `TrackTrove-Read-From` names where
 * the read-model query ran. Only read-model queries use this: commands, verify, rebuilds, the log and anything
 * that decides read the primary.
 */
export interface ReadRouting {
  readonly preHandler: preHandlerAsyncHookHandler;
  /** Runs a read-model query where the preHandler sent this request; a replica failing mid-query hands it to the primary. */
  query<T>(request: FastifyRequest, reply: FastifyReply, work: (db: ReadSource) => Promise<T>): Promise<T>;
}

export function primaryReads(runtime: ProjectionRuntime, primary: ReadSource): ReadRouting {
  return { preHandler: waitForMinPosition(runtime), query: (_request, _reply, work) => work(primary) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function replicaReads(runtime: ProjectionRuntime, primary: ReadSource, replicas: readonly ReadReplica[]): ReadRouting {
  if (replicas.length === 0) return primaryReads(runtime, primary);
  const chosen = new WeakMap<FastifyRequest, ReadReplica>();
  let next = 0;
  const checkpointsOf = () => Object.values(runtime.checkpointNames());
  const isUp = (replica: ReadReplica) => replica.state()?.inRecovery === true;
  /** Replicas that are up and hold every read model's current generation, starting with the next in turn. */
  const candidates = (): ReadReplica[] => {
    const names = checkpointsOf();
    const start = next++ % replicas.length;
    return [...replicas.slice(start), ...replicas.slice(0, start)].filter((replica) => {
      const state = replica.state();
      return state !== null && state.inRecovery && names.every((name) => state.checkpoints.has(name));
    });
  };
  const toPrimary = async (reply: FastifyReply, fallback: ReadFallback, minPosition: string | undefined, waitMs: number) => {
    reply.header('tracktrove-read-from', 'primary').header('tracktrove-read-fallback', fallback);
    if (minPosition !== undefined && !(await runtime.waitForPosition(minPosition, Math.max(0, waitMs))))
      reply.header('tracktrove-read-behind', 'true');
  };

  return {
    async preHandler(request, reply) {
      const minPosition = minPositionOf(request);
      const startedAt = Date.now();
      const up = candidates();
      // None usable: all down (or promoted), or up without a generation a rebuild just swapped in.
      if (up.length === 0) return toPrimary(reply, replicas.some(isUp) ? 'replica_behind' : 'replica_down', minPosition, minPositionWaitMs);
      if (minPosition === undefined) {
        chosen.set(request, up[0]!);
        return;
      }
      const wanted = decodePosition(minPosition);
      const names = checkpointsOf();
      for (;;) {
        const ready = up.find((replica) => replica.hasApplied(names, wanted));
        if (ready) {
          chosen.set(request, ready);
          return;
        }
        if (Date.now() - startedAt >= replicaWaitMs) break;
        await sleep(replicaPollIntervalMs);
        await Promise.all(up.map((replica) => replica.refresh()));
      }
      return toPrimary(reply, 'replica_behind', minPosition, minPositionWaitMs - (Date.now() - startedAt));
    },
    async query(request, reply, work) {
      const replica = chosen.get(request);
      if (!replica) return work(primary);
      // Named when a query runs there: a route that then reads only the log (on the primary) names no replica.
      reply.header('tracktrove-read-from', replica.name);
      try {
        return await work(replica.db);
      } catch (error) {
        if (error instanceof HttpProblem) throw error;
        // A replica that went away, or lacks what the primary has (a generation swapped since it was
        // chosen): the primary answers. A request that needed minPosition was behind it there
        // already, so the primary holds it too.
        replica.reportFailure(error);
        reply.header('tracktrove-read-from', 'primary').header('tracktrove-read-fallback', 'replica_error');
        return work(primary);
      }
    },
  };
}
