import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import {
  comparePositions, decodePosition, deleteCheckpoint, encodePosition, loadCheckpoint, readHeadPosition, startOfLog,
  type EventStore, type LogPosition, type Subscription,
} from '@tracktrove/event-store';
import { createGenerationTables, dropSchema, ensureGeneration, readGenerations, schemaFor, subscriptionNameFor, type Generation } from './generations.ts';
import type { Projection } from './projection.ts';

export type ProjectionState = 'starting' | 'live' | 'catching-up' | 'standby' | 'rebuilding' | 'stopped';

export interface RebuildProgress {
  readonly generation: number;
  readonly eventsDone: number;
  readonly eventsTotal: number;
  readonly eventsPerSecond: number;
  readonly startedAt: string;
}

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

export interface RebuildResult {
  readonly name: string;
  readonly generation: number;
  readonly eventsApplied: number;
  readonly durationMs: number;
  readonly eventsPerSecond: number;
}

export interface ProjectionRuntime {
  /** The schema that queries of a projection read right now. */
  schemaOf(name: string): string;
  status(): Promise<ProjectionStatus[]>;
  /** Waits until every projection has applied the log up to position; false on timeout. */
  waitForPosition(position: string, timeoutMs: number): Promise<boolean>;
  /** Builds a fresh generation from the whole log while the current one keeps serving, then swaps. */
  rebuild(name: string, onProgress?: (progress: RebuildProgress) => void): Promise<RebuildResult>;
  stop(): Promise<void>;
}

export interface ProjectionRuntimeOptions {
  readonly store: EventStore;
  readonly projections: readonly Projection[];
  readonly logger?: Logger;
  readonly batchSize?: number;
  readonly rebuildBatchSize?: number;
  readonly pollIntervalMs?: number;
  /** How often to notice another process's swap. */
  readonly generationRefreshMs?: number;
}

const lagCountLimit = 100_000;
const maxWaitMs = 30_000;

interface Running {
  projection: Projection;
  generation: Generation;
  subscription: Subscription;
  rebuild: RebuildProgress | null;
}

export async function startProjectionRuntime(options: ProjectionRuntimeOptions): Promise<ProjectionRuntime> {
  const { store, logger } = options;
  const db = store.database.db as unknown as Kysely<any>;
  const running = new Map<string, Running>();
  let stopped = false;

  const subscribeGeneration = (projection: Projection, generation: number, batchSize: number): Subscription =>
    store.subscribe({
      name: subscriptionNameFor(projection.name, generation),
      batchSize,
      pollIntervalMs: options.pollIntervalMs,
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

  return {
    schemaOf: (name) => entryOf(name).generation.schema,
    async status() {
      const head = await readHeadPosition(store.database.db);
      return Promise.all(
        [...running.values()].map(async (entry) => {
          const position = await appliedPosition(entry);
          const local = entry.subscription.status();
          const { rows } = comparePositions(position, head) >= 0
            ? { rows: [{ lag: '0' }] }
            : await sql<{ lag: string }>`
                select count(*) as lag from (select 1 from tt_events
                 where (tx_id, seq) > (${position.txId.toString()}::xid8, ${position.seq.toString()}::bigint)
                   and (tx_id, seq) <= (${head.txId.toString()}::xid8, ${head.seq.toString()}::bigint)
                 limit ${lagCountLimit}) behind`.execute(db);
          const state: ProjectionState = entry.rebuild ? 'rebuilding' : stopped ? 'stopped' : local.state === 'retrying' ? 'catching-up' : local.state;
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
      const entry = entryOf(name);
      if (entry.rebuild) throw new RebuildInProgressError(name);
      const startedAt = Date.now();
      const { rows: totalRows } = await sql<{ total: string }>`select count(*) as total from tt_events`.execute(db);
      const eventsTotal = Number(totalRows[0]?.total ?? 0);
      const current = entry.generation.generation;
      const next = current + 1;
      const progress = (eventsDone: number): RebuildProgress => ({
        generation: next,
        eventsDone,
        eventsTotal: Math.max(eventsTotal, eventsDone),
        eventsPerSecond: Math.round(eventsDone / Math.max((Date.now() - startedAt) / 1000, 0.001)),
        startedAt: new Date(startedAt).toISOString(),
      });
      entry.rebuild = progress(0);
      try {
        // Keep one previous generation for readers in other processes; drop anything older.
        for (let old = current - 1; old >= 1; old -= 1) await dropSchema(db, schemaFor(name, old));
        await dropSchema(db, schemaFor(name, next));
        await deleteCheckpoint(store.database.db, subscriptionNameFor(name, next));
        const schema = await createGenerationTables(db, entry.projection, next);
        await sql`update tt_projections set rebuilding_generation = ${next}, updated_at = now() where name = ${name}`.execute(db);
        const building = subscribeGeneration(entry.projection, next, options.rebuildBatchSize ?? 5_000);
        for (;;) {
          const status = building.status();
          entry.rebuild = progress(status.eventsHandled);
          onProgress?.(entry.rebuild);
          if (status.state === 'live') break;
          if (stopped) {
            await building.stop();
            throw new Error('runtime stopped during rebuild');
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const eventsApplied = building.status().eventsHandled;
        await sql`
          update tt_projections set generation = ${next}, schema_name = ${schema}, rebuilding_generation = null, updated_at = now()
           where name = ${name} and generation = ${current}`.execute(db);
        const previous = entry.subscription;
        entry.generation = { name, generation: next, schema, rebuildingGeneration: null };
        entry.subscription = building;
        await previous.stop();
        const durationMs = Date.now() - startedAt;
        logger?.info({ projection: name, generation: next, eventsApplied, durationMs }, 'projection rebuilt and swapped');
        return { name, generation: next, eventsApplied, durationMs, eventsPerSecond: Math.round(eventsApplied / Math.max(durationMs / 1000, 0.001)) };
      } catch (error) {
        await sql`update tt_projections set rebuilding_generation = null where name = ${name}`.execute(db).catch(() => undefined);
        throw error;
      } finally {
        entry.rebuild = null;
      }
    },
    async stop() {
      stopped = true;
      clearInterval(refreshTimer);
      await Promise.all([...running.values()].map((entry) => entry.subscription.stop()));
    },
  };
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
