import type { Logger } from 'pino';
import { appendToStreams } from './append-to-streams.ts';
import { sql } from 'kysely';
import { appendChannel, type StoreDatabase } from './database.ts';
import { createLogWaker, type LogWaker } from './log-waker.ts';
import { encodePosition } from './position.ts';
import { readAll, readHeadPosition, readStream, type ReadAllOptions, type ReadAllResult, type ReadStreamOptions } from './read-events.ts';
import { subscribe, type Subscription, type SubscriptionOptions } from './subscribe.ts';
import type { AppendResult, ExpectedVersion, NewEvent, RecordedEvent, StreamAppend, Upcaster } from './types.ts';

export interface EventStore {
  readonly database: StoreDatabase;
  readonly waker: LogWaker;
  appendToStream(streamId: string, events: readonly NewEvent[], options?: { expectedVersion?: ExpectedVersion }): Promise<AppendResult>;
  appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<ReadAllResult>;
  /** The position of the last event a reader can see now. */
  headPosition(): Promise<string>;
  subscribe(options: Omit<SubscriptionOptions, 'upcast' | 'logger'>): Subscription;
  close(): Promise<void>;
}

export interface EventStoreOptions {
  readonly database: StoreDatabase;
  readonly upcast?: Upcaster;
  readonly logger?: Logger;
}

/**
 * After a committed append: wake this process's readers at once, and tell other processes with a
 * NOTIFY sent after commit, at most one in flight (appends during it are covered by one more).
 */
function announceAppend(database: StoreDatabase, waker: LogWaker, logger: Logger | undefined): () => void {
  let inFlight = false;
  let pending = false;
  const notify = async (): Promise<void> => {
    inFlight = true;
    pending = false;
    try {
      await sql`select pg_notify(${appendChannel}, '')`.execute(database.db);
    } catch (error) {
      logger?.debug({ err: error }, 'append NOTIFY failed; readers fall back to polling');
    } finally {
      inFlight = false;
      if (pending) void notify();
    }
  };
  return () => {
    waker.wakeLocal();
    if (database.kind === 'pglite') return;
    if (inFlight) pending = true;
    else void notify();
  };
}

export async function createEventStore(options: EventStoreOptions): Promise<EventStore> {
  const { database, upcast, logger } = options;
  const waker = await createLogWaker(database);
  const subscriptions = new Set<Subscription>();
  const stopReporting = database.onAppendCommitted(announceAppend(database, waker, logger));
  return {
    database,
    waker,
    appendToStream: (streamId, events, appendOptions) =>
      appendToStreams(database.db, [{ streamId, events, expectedVersion: appendOptions?.expectedVersion ?? 'any' }]),
    appendToStreams: (appends) => appendToStreams(database.db, appends),
    readStream: (streamId, readOptions) => readStream(database.db, streamId, readOptions, upcast),
    readAll: (readOptions) => readAll(database.db, readOptions, upcast),
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
      await waker.close();
    },
  };
}
