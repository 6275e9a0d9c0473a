import { sql } from 'kysely';
import type { Logger } from 'pino';
import {
  comparePositions,
  decodePosition,
  encodePosition,
  loadCheckpoint,
  readHeadPosition,
  startOfLog,
  type AdvisoryLock,
  type EventStore,
  type LogPosition,
  type Queryable,
  type Subscription,
} from '@tracktrove/event-store';
import { ensureGeneration, readGenerations, schemaFor, subscriptionNameFor } from './generations.ts';
import type { Projection } from './projection.ts';
import {
  progressOf,
  rebuildGenerations,
  type RebuildAllProgress,
  type RebuildProgress,
  type RebuildResult,
  type RebuildRuntime,
  type RunningProjection,
} from './rebuild.ts';
import type { ProjectionDatabase, ProjectionTables } from './tables.ts';

export type ProjectionState = 'starting' | 'live' | 'catching-up' | 'standby' | 'rebuilding' | 'stopped';

export type { RebuildAllProgress, RebuildProgress, RebuildResult } from './rebuild.ts';

export interface ProjectionStatus {
  readonly name: string;
  readonly generation: number;
  readonly status: ProjectionState;
  readonly position: string;
  /** Events committed to the log that this projection has not applied yet (counted up to lagCountLimit). */
  readonly lag: number;
  readonly progress: RebuildProgress | null;
  readonly lastError: string | null;
}

export interface ProjectionRuntime {
  /** The schema that queries of a projection read right now. */
  schemaOf(name: string): string;
  /** The checkpoint (tt_checkpoints row) of each projection's current generation, by projection name. */
  checkpointNames(): Record<string, string>;
  status(): Promise<ProjectionStatus[]>;
  /** Waits until every projection has applied the log up to position; false on timeout. */
  waitForPosition(position: string, timeoutMs: number): Promise<boolean>;
  /** Builds a fresh generation from the whole log while the current one keeps serving, then swaps. */
  rebuild(name: string, onProgress?: (progress: RebuildProgress) => void): Promise<RebuildResult>;
  /** Rebuilds every projection together, reading the log once, and swaps them all at the end. */
  rebuildAll(onProgress?: (progress: RebuildAllProgress) => void): Promise<RebuildResult[]>;
  stop(): Promise<void>;
}

export interface ProjectionRuntimeOptions {
  readonly store: EventStore;
  readonly projections: readonly Projection[];
  readonly logger?: Logger;
  readonly batchSize?: number;
  readonly rebuildBatchSize?: number;
  /** At most this many per-transaction states each read model keeps in memory during a rebuild (its own default when absent). */
  readonly rebuildCachedStates?: number;
  readonly pollIntervalMs?: number;
  /** Live projections wait this long after a wake-up to apply appends made together as one batch. */
  readonly coalesceMs?: number;
  /** How often to notice another process's swap. */
  readonly generationRefreshMs?: number;
}

const lagCountLimit = 100_000;
const maxWaitMs = 30_000;

type Running = RunningProjection;

/** A few milliseconds of lag buy batches instead of one transaction per command under load. */
export const defaultCoalesceMs = 20;

export async function startProjectionRuntime(options: ProjectionRuntimeOptions): Promise<ProjectionRuntime> {
  const { store, logger } = options;
  const db = store.database.db.withTables<ProjectionTables>();
  const running = new Map<string, Running>();
  let stopped = false;

  const subscribeGeneration = (projection: Projection, generation: number, batchSize: number): Subscription =>
    store.subscribe({
      name: subscriptionNameFor(projection.name, generation),
      batchSize,
      omitMetadataKeys: projection.omitsMetadataKeys,
      pollIntervalMs: options.pollIntervalMs,
      coalesceMs: options.coalesceMs ?? defaultCoalesceMs,
      async handle(events, { transaction }) {
        const schema = schemaFor(projection.name, generation);
        await projection.apply(events, { schema, db: transaction.withSchema(schema), transaction });
      },
    });

  for (const projection of options.projections) {
    const generation = await ensureGeneration(db, projection);
    running.set(projection.name, {
      projection,
      generation,
      subscription: subscribeGeneration(projection, generation.generation, options.batchSize ?? 500),
      rebuild: null,
    });
  }

  // Another process may swap a generation: follow it.
  const refresh = async () => {
    const generations = await readGenerations(db);
    for (const entry of running.values()) {
      const current = generations.get(entry.projection.name);
      if (!current || current.generation === entry.generation.generation || entry.rebuild) continue;
      logger?.info({ projection: entry.projection.name, generation: current.generation }, 'following swapped projection generation');
      const previous = entry.subscription;
      entry.generation = current;
      entry.subscription = subscribeGeneration(entry.projection, current.generation, options.batchSize ?? 500);
      await previous.stop();
    }
  };
  const refreshTimer = setInterval(() => {
    if (!stopped) refresh().catch((error) => logger?.warn({ err: error }, 'projection generation refresh failed'));
  }, options.generationRefreshMs ?? 1_000);
  refreshTimer.unref();

  const entryOf = (name: string): Running => {
    const entry = running.get(name);
    if (!entry) throw new UnknownProjectionError(name);
    return entry;
  };

  /** The position the current generation has applied, in this process or another. */
  const appliedPosition = async (entry: Running): Promise<LogPosition> => {
    const local = entry.subscription.status();
    if (local.state === 'live' || local.state === 'catching-up') return decodePosition(local.position);
    return (await loadCheckpoint(store.database.db, subscriptionNameFor(entry.projection.name, entry.generation.generation))) ?? startOfLog;
  };

  /**
   * Builds the next generation of each entry from the whole log while the current ones keep
   * serving, then swaps them together. The backlog is read once, in big batches (the next one read
   * while this one is applied), each batch applied to every new generation in one transaction, by
   * the projections' bulk builders where they have one; the checkpoints are stored with the final
   * flush, and secondary indexes created after the backlog is in. Then each new generation's own subscription takes over, catches up the events
   * appended meanwhile and, once all are live, the swap makes them current.
   */
  const rebuildRuntime: RebuildRuntime = {
    store,
    db,
    logger,
    rebuildBatchSize: options.rebuildBatchSize,
    rebuildCachedStates: options.rebuildCachedStates,
    subscribeGeneration,
    isStopped: () => stopped,
  };

  /**
   * Builds the next generation of each entry from the whole log while the current ones keep
   * serving, then swaps them together (rebuild.ts). One rebuild of a projection at a time across
   * processes (several API processes, the CLI): a lock per projection, held on a connection of its
   * own until the rebuild ends, and let go by PostgreSQL should this process die, so no crash
   * leaves a projection marked busy for good.
   */
  const rebuildLocked = async (entries: Running[], onProgress?: (progress: RebuildAllProgress) => void): Promise<RebuildResult[]> => {
    const busy = entries.find((entry) => entry.rebuild);
    if (busy) throw new RebuildInProgressError(busy.projection.name);
    const locks: AdvisoryLock[] = [];
    try {
      for (const entry of entries) {
        const lock = await store.database.tryAdvisoryLock(`projection-rebuild:${entry.projection.name}`);
        if (!lock) throw new RebuildInProgressError(entry.projection.name);
        locks.push(lock);
      }
      // Another process may have swapped in a generation since this one last looked: build the next.
      await refresh();
      return await rebuildGenerations(rebuildRuntime, entries, onProgress);
    } finally {
      await Promise.all(locks.map((lock) => lock.release()));
    }
  };

  return {
    schemaOf: (name) => entryOf(name).generation.schema,
    status: () => statusOf(db, [...running.values()], appliedPosition, stopped),
    checkpointNames() {
      return Object.fromEntries(
        [...running.values()].map((entry) => [
          entry.projection.name,
          subscriptionNameFor(entry.projection.name, entry.generation.generation),
        ]),
      );
    },
    async waitForPosition(position, timeoutMs) {
      const wanted = decodePosition(position);
      const deadline = Date.now() + Math.min(timeoutMs, maxWaitMs);
      for (const entry of running.values()) {
        for (;;) {
          if (comparePositions(await appliedPosition(entry), wanted) >= 0) break;
          const remainingMs = deadline - Date.now();
          if (remainingMs <= 0) return false;
          const local = entry.subscription.status();
          if (local.state === 'live' || local.state === 'catching-up') {
            await entry.subscription.waitFor(position, remainingMs);
          } else {
            await new Promise((resolve) => setTimeout(resolve, Math.min(25, remainingMs)));
          }
        }
      }
      return true;
    },
    async rebuild(name, onProgress) {
      const [result] = await rebuildLocked([entryOf(name)], onProgress && ((progress) => onProgress(progressOf(progress, name))));
      return result!;
    },
    rebuildAll(onProgress) {
      return rebuildLocked([...running.values()], onProgress);
    },
    async stop() {
      stopped = true;
      clearInterval(refreshTimer);
      await Promise.all([...running.values()].map((entry) => entry.subscription.stop()));
    },
  };
}

/** Each projection's generation, state, applied position, lag behind the log's head and rebuild progress. */
async function statusOf<DB extends ProjectionDatabase>(
  db: Queryable<DB>,
  entries: readonly Running[],
  appliedPosition: (entry: Running) => Promise<LogPosition>,
  stopped: boolean,
): Promise<ProjectionStatus[]> {
  const head = await readHeadPosition(db);
  return Promise.all(
    entries.map(async (entry) => {
      const position = await appliedPosition(entry);
      const local = entry.subscription.status();
      const { rows } =
        comparePositions(position, head) >= 0
          ? { rows: [{ lag: '0' }] }
          : await sql<{ lag: string }>`
            select count(*) as lag from (select 1 from tt_events
             where (tx_id, seq) > (${position.txId.toString()}::xid8, ${position.seq.toString()}::bigint)
               and (tx_id, seq) <= (${head.txId.toString()}::xid8, ${head.seq.toString()}::bigint)
             limit ${lagCountLimit}) behind`.execute(db);
      const state: ProjectionState = entry.rebuild
        ? 'rebuilding'
        : stopped
          ? 'stopped'
          : local.state === 'retrying'
            ? 'catching-up'
            : local.state;
      return {
        name: entry.projection.name,
        generation: entry.generation.generation,
        status: state,
        position: encodePosition(position),
        lag: Number(rows[0]?.lag ?? 0),
        progress: entry.rebuild,
        lastError: local.lastError,
      };
    }),
  );
}

export class UnknownProjectionError extends Error {
  readonly code = 'not_found';
  constructor(readonly projection: string) {
    super(`no projection named ${projection}`);
    this.name = 'UnknownProjectionError';
  }
}

export class RebuildInProgressError extends Error {
  readonly code = 'rebuild_in_progress';
  constructor(readonly projection: string) {
    super(`projection ${projection} is already being rebuilt`);
    this.name = 'RebuildInProgressError';
  }
}
