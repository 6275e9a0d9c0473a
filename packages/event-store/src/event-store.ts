import type { Logger } from 'pino';
import { appendToStreams } from './append-ensuring-partitions.ts';
import { sql } from 'kysely';
import { appendChannel, type StoreDatabase } from './database.ts';
import { keepEventPartitionsAhead, type EventPartitionOptions } from './event-partitions.ts';
import { createLogWaker, type LogWaker } from './log-waker.ts';
import { encodePosition } from './position.ts';
import { readAllPages } from './read-all-pages.ts';
import {
  readAll,
  readAllTypes,
  readHeadPosition,
  readStream,
  type ReadAllOptions,
  type ReadAllResult,
  type ReadAllTypesResult,
  type ReadStreamOptions,
} from './read-events.ts';
import { subscribe, type Subscription, type SubscriptionOptions } from './subscribe.ts';
import type { AppendResult, ExpectedVersion, NewEvent, RecordedEvent, StreamAppend, Upcaster } from './types.ts';

export interface EventStore {
  readonly database: StoreDatabase;
  readonly waker: LogWaker;
  appendToStream(streamId: string, events: readonly NewEvent[], options?: { expectedVersion?: ExpectedVersion }): Promise<AppendResult>;
  appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<ReadAllResult>;
  /** readAll's page with only each event's stored type: for followers that count, not read. */
  readAllTypes(options?: Pick<ReadAllOptions, 'after' | 'maxCount'>): Promise<ReadAllTypesResult>;
  /** The log forward to its visible end, page by page, the next page fetched while the caller handles one. */
  readAllPages(options?: ReadAllOptions): AsyncGenerator<ReadAllResult>;
  /** The position of the last event a reader can see now. */
  headPosition(): Promise<string>;
  subscribe(options: Omit<SubscriptionOptions, 'upcast' | 'logger'>): Subscription;
  close(): Promise<void>;
}

export interface EventStoreOptions {
  readonly database: StoreDatabase;
  readonly upcast?: Upcaster;
  readonly logger?: Logger;
  /** Partitions of tt_events, created ahead of need from now on (defaults: eventPartitionDefaults). */
  readonly partitions?: EventPartitionOptions & { readonly checkIntervalMs?: number };
}

/** The shortest gap between two NOTIFYs of one process: other processes wake at most this late. */
export const notifyIntervalMs = 5;

/**
 * After a committed append: wake this process's readers at once, and tell other processes with a
 * NOTIFY sent after commit. NOTIFYs are coalesced, one at most every notifyIntervalMs, so a busy
 * writer does not turn every append into a second, notifying transaction.
 */
function announceAppend(database: StoreDatabase, waker: LogWaker, logger: Logger | undefined): () => void {
  let scheduled = false;
  let lastSentAt = 0;
  const notify = async (): Promise<void> => {
    // Appends committed from here on need a NOTIFY of their own: this one may be sent before them.
    scheduled = false;
    lastSentAt = Date.now();
    try {
      await sql`select pg_notify(${appendChannel}, ${waker.notifyPayload})`.execute(database.db);
    } catch (error) {
      logger?.debug({ err: error }, 'append NOTIFY failed; readers fall back to polling');
    }
  };
  return () => {
    waker.wakeLocal();
    if (database.kind === 'pglite' || scheduled) return;
    scheduled = true;
    const waitMs = Math.max(0, lastSentAt + notifyIntervalMs - Date.now());
    if (waitMs === 0) void notify();
    else setTimeout(() => void notify(), waitMs).unref();
  };
}

export async function createEventStore(options: EventStoreOptions): Promise<EventStore> {
  const { database, upcast, logger } = options;
  const waker = await createLogWaker(database);
  const subscriptions = new Set<Subscription>();
  const stopReporting = database.onAppendCommitted(announceAppend(database, waker, logger));
  const stopPartitioning = keepEventPartitionsAhead(database.db, { ...options.partitions, logger });
  return {
    database,
    waker,
    appendToStream: (streamId, events, appendOptions) =>
      appendToStreams(database.db, [{ streamId, events, expectedVersion: appendOptions?.expectedVersion ?? 'any' }]),
    appendToStreams: (appends) => appendToStreams(database.db, appends),
    readStream: (streamId, readOptions) => readStream(database.db, streamId, readOptions, upcast),
    readAll: (readOptions) => readAll(database.db, readOptions, upcast),
    readAllTypes: (readOptions) => readAllTypes(database.db, readOptions),
    readAllPages: (readOptions) => readAllPages(database.db, readOptions ?? {}, upcast),
    headPosition: async () => encodePosition(await readHeadPosition(database.db)),
    subscribe(subscriptionOptions) {
      const subscription = subscribe(database, waker, { ...subscriptionOptions, upcast, logger });
      subscriptions.add(subscription);
      return {
        status: () => subscription.status(),
        waitFor: (position, timeoutMs) => subscription.waitFor(position, timeoutMs),
        async stop() {
          subscriptions.delete(subscription);
          await subscription.stop();
        },
      };
    },
    async close() {
      await Promise.all([...subscriptions].map((subscription) => subscription.stop()));
      subscriptions.clear();
      stopReporting();
      await stopPartitioning();
      await waker.close();
    },
  };
}
