import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import { advanceCheckpoint, CheckpointMovedError, ensureCheckpoint } from './checkpoints.ts';
import type { AdvisoryLock, StoreDatabase } from './database.ts';
import { limits } from './limits.ts';
import type { LogWaker } from './log-waker.ts';
import { comparePositions, decodePosition, encodePosition, type LogPosition } from './position.ts';
import { readAll } from './read-events.ts';
import type { EventStoreTables } from './schema.ts';
import type { RecordedEvent, Upcaster } from './types.ts';

export type SubscriptionState = 'standby' | 'catching-up' | 'live' | 'retrying' | 'stopped';

export interface SubscriptionStatus {
  readonly name: string;
  readonly state: SubscriptionState;
  readonly position: string;
  readonly lastError: string | null;
  readonly eventsHandled: number;
}

export interface SubscriptionOptions {
  /** The consumer's name: its checkpoint and its lock. One process at a time is active per name. */
  readonly name: string;
  /** Where to start when no checkpoint is stored. */
  readonly from?: string;
  readonly batchSize?: number;
  /** Metadata keys the handler never reads: left out of the read (see ReadAllOptions). */
  readonly omitMetadataKeys?: readonly string[];
  /** How often to look for events when no notification arrives. */
  readonly pollIntervalMs?: number;
  /**
   * After a wake-up, wait this long before reading so that appends arriving together are handled
   * as one batch (fewer, larger transactions under load; at most this much more lag).
   */
  readonly coalesceMs?: number;
  /** How often a standby consumer tries to take the lock. */
  readonly lockRetryMs?: number;
  readonly maxRetryDelayMs?: number;
  /** Applies a batch; the checkpoint is stored in the same transaction, so each batch lands once. */
  handle(events: readonly RecordedEvent[], context: { transaction: Transaction<EventStoreTables> }): Promise<void>;
  readonly upcast?: Upcaster;
  readonly logger?: Logger;
}

export interface Subscription {
  status(): SubscriptionStatus;
  /** Resolves once the subscription has handled every event up to position, false on timeout. */
  waitFor(position: string, timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

const defaults = { batchSize: 500, pollIntervalMs: 500, lockRetryMs: 1_000, maxRetryDelayMs: 5_000 } as const;

type PageRead = ReturnType<typeof readAll>;

/**
 * The reads of the log in flight, per database: subscriptions that ask for the same page at the
 * same time (the read models of a process, woken by the same append and at the same position)
 * share one query and its events (which parse their data once, on first use, and are never
 * changed). A subscription joins a read only if it began after every notification the
 * subscription has seen, so the shared page is one its own read could have answered: it never
 * misses an append it was told of (it would wait for the next poll), it only saves the query.
 */
const readsInFlight = new WeakMap<StoreDatabase, Map<string, { read: PageRead; notifications: number }>>();

export function sharedRead(
  database: StoreDatabase,
  seenNotifications: number,
  options: Parameters<typeof readAll>[1] & { after: LogPosition },
  upcast: Upcaster | undefined,
): PageRead {
  let reads = readsInFlight.get(database);
  if (!reads) {
    reads = new Map();
    readsInFlight.set(database, reads);
  }
  const key = `${encodePosition(options.after)}|${options.maxCount}|${(options.omitMetadataKeys ?? []).join(',')}|${upcast === undefined ? 0 : upcasterId(upcast)}`;
  const existing = reads.get(key);
  if (existing && existing.notifications >= seenNotifications) return existing.read;
  const entry = { read: readAll(database.db, options, upcast), notifications: seenNotifications };
  reads.set(key, entry);
  const forget = () => {
    if (reads.get(key) === entry) reads.delete(key);
  };
  entry.read.then(forget, forget);
  return entry.read;
}

const upcasterIds = new WeakMap<Upcaster, number>();
let upcastersSeen = 0;
function upcasterId(upcast: Upcaster): number {
  let id = upcasterIds.get(upcast);
  if (id === undefined) {
    upcastersSeen += 1;
    id = upcastersSeen;
    upcasterIds.set(upcast, id);
  }
  return id;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * A checkpointed consumer of the global log: catch-up from its checkpoint, then live, woken by
 * LISTEN/NOTIFY with polling as the fallback. Errors are retried with capped backoff.
 */
export function subscribe(database: StoreDatabase, waker: LogWaker, options: SubscriptionOptions): Subscription {
  const batchSize = Math.min(options.batchSize ?? defaults.batchSize, limits.maxReadCount);
  const pollIntervalMs = options.pollIntervalMs ?? defaults.pollIntervalMs;
  const controller = new AbortController();
  const { signal } = controller;
  let state: SubscriptionState = 'standby';
  let position: LogPosition = decodePosition(options.from ?? 'start');
  let lastError: string | null = null;
  let eventsHandled = 0;
  const progressWaiters = new Set<() => void>();

  const setPosition = (next: LogPosition) => {
    position = next;
    for (const wake of [...progressWaiters]) wake();
  };

  async function acquireLock(): Promise<AdvisoryLock | null> {
    while (!signal.aborted) {
      try {
        const lock = await database.tryAdvisoryLock(`subscription:${options.name}`);
        if (lock) return lock;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      state = 'standby';
      await sleep(options.lockRetryMs ?? defaults.lockRetryMs, signal);
    }
    return null;
  }

  async function consume(lockLost: () => boolean): Promise<void> {
    let retryDelayMs = 50;
    setPosition(await ensureCheckpoint(database.db, options.name, decodePosition(options.from ?? 'start')));
    state = 'catching-up';
    let lastWake: 'notified' | 'timeout' | 'aborted' = 'timeout';
    let recheckMs = 0;
    while (!signal.aborted && !lockLost()) {
      try {
        const seenNotifications = waker.notifications();
        const page = await sharedRead(
          database,
          seenNotifications,
          { after: position, maxCount: batchSize, omitMetadataKeys: options.omitMetadataKeys },
          options.upcast,
        );
        if (page.events.length > 0) {
          await database.db.transaction().execute(async (transaction) => {
            await advanceCheckpoint(transaction, options.name, position, page.position);
            await options.handle(page.events, { transaction });
          });
          eventsHandled += page.events.length;
          setPosition(page.position);
        }
        lastError = null;
        retryDelayMs = 50;
        if (!page.isEnd) continue;
        state = 'live';
        // A notification that finds nothing means a transaction still in progress holds the
        // visibility horizon back: look again soon, backing off to the polling interval.
        if (page.events.length > 0) recheckMs = 0;
        else if (lastWake === 'notified') recheckMs = 5;
        else if (recheckMs > 0) recheckMs = recheckMs * 2 > pollIntervalMs ? 0 : recheckMs * 2;
        lastWake = await waker.wait(recheckMs > 0 ? recheckMs : pollIntervalMs, signal, seenNotifications);
        if (lastWake === 'notified' && (options.coalesceMs ?? 0) > 0) await sleep(options.coalesceMs!, signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof CheckpointMovedError) throw error;
        state = 'retrying';
        lastError = error instanceof Error ? error.message : String(error);
        options.logger?.warn({ err: error, subscription: options.name }, 'subscription batch failed; retrying');
        await sleep(retryDelayMs, signal);
        retryDelayMs = Math.min(retryDelayMs * 2, options.maxRetryDelayMs ?? defaults.maxRetryDelayMs);
      }
    }
  }

  const running = (async () => {
    while (!signal.aborted) {
      const lock = await acquireLock();
      if (!lock) return;
      let lost = false;
      void lock.lost.then(() => {
        lost = true;
      });
      try {
        await consume(() => lost);
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        options.logger?.warn({ err: error, subscription: options.name }, 'subscription failed; restarting');
        await sleep(options.maxRetryDelayMs ?? defaults.maxRetryDelayMs, signal);
      } finally {
        await lock.release();
      }
    }
  })();

  return {
    status: () => ({
      name: options.name,
      state: signal.aborted ? 'stopped' : state,
      position: encodePosition(position),
      lastError,
      eventsHandled,
    }),
    async waitFor(target, timeoutMs) {
      const wanted = decodePosition(target);
      const deadline = Date.now() + timeoutMs;
      while (comparePositions(position, wanted) < 0) {
        const remainingMs = deadline - Date.now();
        if (remainingMs <= 0 || signal.aborted) return false;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(finish, remainingMs);
          function finish() {
            clearTimeout(timer);
            progressWaiters.delete(finish);
            resolve();
          }
          progressWaiters.add(finish);
        });
      }
      return true;
    },
    async stop() {
      controller.abort();
      await running;
      state = 'stopped';
    },
  };
}
