import { randomUUID } from 'node:crypto';
import { commandMigrations, toTransactionEvent, transactionStreamId } from '@tracktrove/commands';
import { checkLedgerInvariants, evolve, initialState, postingsFor, type LedgerEntry, type TransactionState } from '@tracktrove/domain';
import {
  createEventStore,
  createPostgresDatabase,
  eventStoreMigrations,
  migrateToLatest,
  readStream,
  type EventStore,
  type EventStoreTables,
  type Queryable,
  type StoreDatabase,
} from '@tracktrove/event-store';
import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import { createTrackTrove, type InitiateInput, type TrackTrove, type TrackTroveOptions } from '../src/index.ts';

export const operator = { role: 'operator', id: 'tester' } as const;
export const admin = { role: 'admin', id: 'root' } as const;
export const secret = 'test-secret';

export interface Fixture {
  readonly url: string;
  readonly database: StoreDatabase;
  readonly store: EventStore;
  readonly app: TrackTrove;
  /** Another facade on the same database: a second process. */
  peer(overrides?: Partial<TrackTroveOptions>): Promise<TrackTrove>;
  close(): Promise<void>;
}

export async function openFixture(overrides: Partial<TrackTroveOptions> = {}, existing?: TestDatabase): Promise<Fixture> {
  const testDatabase = existing ?? (await createTestDatabase());
  const closers: Array<() => Promise<void>> = [];
  const make = async (extra: Partial<TrackTroveOptions>) => {
    const database = createPostgresDatabase({ connectionString: testDatabase.url, poolSize: 20 });
    const store = await createEventStore({ database });
    const app = createTrackTrove({
      database,
      store,
      webhookSecret: secret,
      defaults: {
        escrowTtlMs: 30_000,
        maxRetries: 3,
        retryBaseDelayMs: 1000,
        retryMaxDelayMs: 60_000,
        amountLimits: { minMinor: 100, maxMinor: 50_000 },
      },
      ...overrides,
      ...extra,
    });
    closers.push(async () => {
      await app.stop();
      await store.close();
      await database.close();
    });
    return { database, store, app };
  };
  const first = await make({});
  await migrateToLatest(first.database.db, { ...eventStoreMigrations, ...commandMigrations, ...first.app.migrations });
  await first.app.start();
  return {
    url: testDatabase.url,
    ...first,
    async peer(extra = {}) {
      const peer = await make(extra);
      await peer.app.start();
      return peer.app;
    },
    async close() {
      for (const close of closers.reverse()) await close();
      if (!existing) await testDatabase.drop();
    },
  };
}

export function input(overrides: Partial<InitiateInput> = {}): InitiateInput {
  return {
    vendorId: randomUUID(),
    amountMinor: 1250,
    currency: 'INR',
    channel: 'WEB',
    kind: 'TIP',
    payload: { note: 'thanks' },
    ...overrides,
    simulation: { successRate: 1, seed: 42, webhook: { delayMs: 86_400_000 }, ...overrides.simulation },
  };
}

/** The stream's event types, its final state, and the ledger checked over its postings. */
export async function inspect<DB extends EventStoreTables>(
  database: StoreDatabase | Queryable<DB>,
  transactionId: string,
): Promise<{ types: string[]; state: TransactionState; entries: LedgerEntry[]; violations: ReturnType<typeof checkLedgerInvariants> }> {
  const streamId = transactionStreamId(transactionId);
  const events = 'isTransaction' in database ? await readStream(database, streamId) : await readStream(database.db, streamId);
  let state = initialState();
  const entries: LedgerEntry[] = [];
  for (const recorded of events) {
    const event = toTransactionEvent(recorded);
    const after = evolve(state, event);
    entries.push(...postingsFor(state, event, after));
    state = after;
  }
  return { types: events.map((event) => event.type), state, entries, violations: checkLedgerInvariants(entries) };
}

export async function waitFor<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
