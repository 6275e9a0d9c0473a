import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import {
  comparePositions, decodePosition, deleteCheckpoint, encodePosition, loadCheckpoint, readHeadPosition, startOfLog, storeCheckpoint,
  type AdvisoryLock, type EventStore, type LogPosition, type Subscription,
} from '@tracktrove/event-store';
import {
  createGenerationIndexes, createGenerationTables, dropSchema, ensureGeneration, metadataKeysOmittedByAll, readGenerations, schemaFor, subscriptionNameFor,
  type Generation,
} from './generations.ts';
import { noWrites, type BulkBuilder, type BulkWrite, type Projection } from './projection.ts';
import { openWriteConnection } from './write-connection.ts';

export type ProjectionState = 'starting' | 'live' | 'catching-up' | 'standby' | 'rebuilding' | 'stopped';

export interface RebuildProgress {
  readonly generation: number;
  readonly eventsDone: number;
  readonly eventsTotal: number;
  readonly eventsPerSecond: number;
  readonly startedAt: string;
}

/** The progress of a rebuild of several projections: one pass over the log builds each one's next generation. */
export interface RebuildAllProgress extends Omit<RebuildProgress, 'generation'> {
  /** The generation being built, by projection name. */
  readonly generations: Readonly<Record<string, number>>;
}

function progressOf(progress: RebuildAllProgress, name: string): RebuildProgress {
  const { generations, ...rest } = progress;
  return { ...rest, generation: generations[name]! };
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

interface Running {
  projection: Projection;
  generation: Generation;
  subscription: Subscription;
  rebuild: RebuildProgress | null;
}

/** A few milliseconds of lag buy batches instead of one transaction per command under load. */
export const defaultCoalesceMs = 20;

export async function startProjectionRuntime(options: ProjectionRuntimeOptions): Promise<ProjectionRuntime> {
  const { store, logger } = options;
  const db = store.database.db as unknown as Kysely<any>;
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
  const rebuildGenerations = async (entries: Running[], onProgress?: (progress: RebuildAllProgress) => void): Promise<RebuildResult[]> => {
    const busy = entries.find((entry) => entry.rebuild);
    if (busy) throw new RebuildInProgressError(busy.projection.name);
    // One rebuild of a projection at a time across processes (several API processes, the CLI): a
    // lock per projection, held on a connection of its own until the rebuild ends, and let go by
    // PostgreSQL should this process die, so no crash leaves a projection marked busy for good.
    const locks: AdvisoryLock[] = [];
    try {
      for (const entry of entries) {
        const lock = await store.database.tryAdvisoryLock(`projection-rebuild:${entry.projection.name}`);
        if (!lock) throw new RebuildInProgressError(entry.projection.name);
        locks.push(lock);
      }
      // Another process may have swapped in a generation since this one last looked: build the next.
      await refresh();
      return await rebuildLocked(entries, onProgress);
    } finally {
      await Promise.all(locks.map((lock) => lock.release()));
    }
  };

  /** The rebuild itself, once rebuildGenerations holds the locks of every entry. */
  const rebuildLocked = async (entries: Running[], onProgress?: (progress: RebuildAllProgress) => void): Promise<RebuildResult[]> => {
    const startedAt = Date.now();
    const { rows: totalRows } = await sql<{ total: string }>`select count(*) as total from tt_events`.execute(db);
    const eventsTotal = Number(totalRows[0]?.total ?? 0);
    const builds = entries.map((entry) => {
      const name = entry.projection.name;
      const current = entry.generation.generation;
      const next = current + 1;
      return { entry, name, current, next, schema: schemaFor(name, next), subscriptionName: subscriptionNameFor(name, next) };
    });
    const generations = Object.fromEntries(builds.map((build) => [build.name, build.next]));
    const progress = (eventsDone: number): RebuildAllProgress => ({
      generations,
      eventsDone,
      eventsTotal: Math.max(eventsTotal, eventsDone),
      eventsPerSecond: Math.round(eventsDone / Math.max((Date.now() - startedAt) / 1000, 0.001)),
      startedAt: new Date(startedAt).toISOString(),
    });
    const report = (eventsDone: number) => {
      const update = progress(eventsDone);
      for (const build of builds) build.entry.rebuild = progressOf(update, build.name);
      onProgress?.(update);
    };
    // Opened before the rebuild is marked in progress: a connection that fails leaves no mark behind.
    const writer = await openWriteConnection(store.database);
    report(0);
    const building: Subscription[] = [];
    let writing: Promise<void> = Promise.resolve();
    try {
      for (const { entry, name, current, next, subscriptionName } of builds) {
        // Keep one previous generation for readers in other processes; drop anything older.
        for (let old = current - 1; old >= 1; old -= 1) await dropSchema(db, schemaFor(name, old));
        await dropSchema(db, schemaFor(name, next));
        await deleteCheckpoint(store.database.db, subscriptionName);
        await createGenerationTables(db, entry.projection, next, false);
        await sql`update tt_projections set rebuilding_generation = ${next}, updated_at = now() where name = ${name}`.execute(db);
      }

      // The backlog, read once for every new generation. Bulk builders may hold state back between
      // batches, so the checkpoints are stored only with their final writes: a rebuild that dies
      // leaves no checkpoint to resume from and starts again from scratch.
      const omitMetadataKeys = metadataKeysOmittedByAll(builds.map((build) => build.entry.projection));
      // 2,500 events a batch: half the garbage per batch of 5,000 (peak RSS 346 -> 326 MB at 316,721 events) for ~3% more CPU.
      const batchSize = options.rebuildBatchSize ?? 2_500;
      const read = (after: LogPosition) => store.readAll({ after, maxCount: batchSize, omitMetadataKeys });
      const builderOptions = { copy: writer.copyFrom !== undefined, cachedStates: options.rebuildCachedStates };
      const contextOf = (schema: string, transaction: Transaction<any>) => ({ schema, db: transaction.withSchema(schema), transaction, copyFrom: writer.copyFrom });
      const builders = builds.map(({ entry }) => entry.projection.bulkBuilder?.(builderOptions) ?? applyAsBuilder(entry.projection));
      const readers = builds.map(({ schema }) => ({ schema, db }));
      // Each batch's writes run in one transaction on the write connection while the next batch is
      // read and folded: at most one batch's writes are in flight (the builders rely on it).
      const writeBatch = (writes: readonly BulkWrite[]) =>
        writer.db.transaction().execute(async (transaction) => {
          // A rebuild that dies is started again from scratch: its commits need not wait for the disk.
          await sql`set local synchronous_commit = off`.execute(transaction);
          for (const [index, { schema }] of builds.entries()) {
            await writes[index]!(contextOf(schema, transaction));
          }
        });
      let position = startOfLog;
      let eventsDone = 0;
      let page = await read(position);
      while (page.events.length > 0) {
        if (stopped) throw new Error('runtime stopped during rebuild');
        const nextPage = page.isEnd ? null : read(page.position);
        nextPage?.catch(() => undefined); // awaited below; a failure surfaces there
        const batch = page;
        const writes: BulkWrite[] = [];
        for (const [index, builder] of builders.entries()) writes.push(await builder.prepare(batch.events, readers[index]!));
        await writing;
        writing = writeBatch(writes);
        writing.catch(() => undefined); // awaited before the next batch's writes; a failure surfaces there
        position = batch.position;
        eventsDone += batch.events.length;
        report(eventsDone);
        if (!nextPage) break;
        page = await nextPage;
      }
      await writing;
      await writer.db.transaction().execute(async (transaction) => {
        for (const [index, { schema, subscriptionName }] of builds.entries()) {
          await builders[index]!.finish()(contextOf(schema, transaction));
          await storeCheckpoint(transaction, subscriptionName, position);
        }
      });
      // One connection each: PostgreSQL builds them on both cores while this process waits.
      await Promise.all(builds.map(({ entry, next }) => createGenerationIndexes(db, entry.projection, next)));

      // Each new generation's subscription catches up what was appended meanwhile.
      for (const { entry, next } of builds) building.push(subscribeGeneration(entry.projection, next, batchSize));
      for (;;) {
        const statuses = building.map((subscription) => subscription.status());
        report(eventsDone + Math.min(...statuses.map((status) => status.eventsHandled)));
        if (statuses.every((status) => status.state === 'live')) break;
        if (stopped) throw new Error('runtime stopped during rebuild');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const caughtUp = building.map((subscription) => subscription.status().eventsHandled);

      await db.transaction().execute(async (transaction) => {
        for (const { name, current, next, schema } of builds) {
          await sql`
            update tt_projections set generation = ${next}, schema_name = ${schema}, rebuilding_generation = null, updated_at = now()
             where name = ${name} and generation = ${current}`.execute(transaction);
        }
      });
      const durationMs = Date.now() - startedAt;
      const results = await Promise.all(builds.map(async ({ entry, name, next, schema }, index) => {
        const previous = entry.subscription;
        entry.generation = { name, generation: next, schema, rebuildingGeneration: null };
        entry.subscription = building[index]!;
        await previous.stop();
        const eventsApplied = eventsDone + caughtUp[index]!;
        logger?.info({ projection: name, generation: next, eventsApplied, durationMs }, 'projection rebuilt and swapped');
        return { name, generation: next, eventsApplied, durationMs, eventsPerSecond: Math.round(eventsApplied / Math.max(durationMs / 1000, 0.001)) };
      }));
      building.length = 0;
      return results;
    } catch (error) {
      await Promise.all(building.map((subscription) => subscription.stop()));
      for (const { name } of builds) {
        await sql`update tt_projections set rebuilding_generation = null where name = ${name}`.execute(db).catch(() => undefined);
      }
      throw error;
    } finally {
      for (const { entry } of builds) entry.rebuild = null;
      await writing.catch(() => undefined);
      await writer.end();
    }
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
    checkpointNames() {
      return Object.fromEntries([...running.values()].map((entry) => [entry.projection.name, subscriptionNameFor(entry.projection.name, entry.generation.generation)]));
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
      const [result] = await rebuildGenerations([entryOf(name)], onProgress && ((progress) => onProgress(progressOf(progress, name))));
      return result!;
    },
    rebuildAll(onProgress) {
      return rebuildGenerations([...running.values()], onProgress);
    },
    async stop() {
      stopped = true;
      clearInterval(refreshTimer);
      await Promise.all([...running.values()].map((entry) => entry.subscription.stop()));
    },
  };
}

/** A projection without a bulk builder rebuilds through apply(), run in order with the batch's writes. */
function applyAsBuilder(projection: Projection): BulkBuilder {
  return {
    prepare: async (events) => (context) => projection.apply(events, context),
    finish: () => noWrites,
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
