import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import {
  createEventStore,
  createPostgresDatabase,
  eventStoreMigrations,
  migrateToLatest,
  type EventStore,
  type StoreDatabase,
} from '@tracktrove/event-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionMigrations, startProjectionRuntime, type Projection, type ProjectionRuntime } from '../src/index.ts';

/** A toy read model: how many events each stream has, and the last type seen. */
const streamCounts: Projection = {
  name: 'stream_counts',
  async createTables({ transaction, schema }) {
    await transaction.schema
      .withSchema(schema)
      .createTable('stream_counts')
      .addColumn('stream_id', 'text', (column) => column.primaryKey())
      .addColumn('events', 'integer', (column) => column.notNull())
      .addColumn('last_type', 'text', (column) => column.notNull())
      .execute();
  },
  async apply(events, { db }) {
    const perStream = new Map<string, { events: number; lastType: string }>();
    for (const event of events) {
      const current = perStream.get(event.streamId) ?? { events: 0, lastType: '' };
      perStream.set(event.streamId, { events: current.events + 1, lastType: event.type });
    }
    const rows = [...perStream].map(([stream_id, value]) => ({ stream_id, events: value.events, last_type: value.lastType }));
    if (rows.length === 0) return;
    await db
      .insertInto('stream_counts')
      .values(rows)
      .onConflict((conflict) =>
        conflict
          .column('stream_id')
          .doUpdateSet({ events: sql`stream_counts.events + excluded.events`, last_type: sql`excluded.last_type` }),
      )
      .execute();
  },
};

describe('projection runtime on PostgreSQL', () => {
  let testDatabase: TestDatabase;
  let database: StoreDatabase;
  let store: EventStore;
  let runtime: ProjectionRuntime;

  const total = async () => {
    const { rows } = await sql<{
      total: string | null;
    }>`select sum(events) as total from ${sql.table(`${runtime.schemaOf('stream_counts')}.stream_counts`)}`.execute(database.db);
    return Number(rows[0]?.total ?? 0);
  };

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = createPostgresDatabase({ connectionString: testDatabase.url });
    await migrateToLatest(database.db, { ...eventStoreMigrations, ...projectionMigrations });
    store = await createEventStore({ database });
    runtime = await startProjectionRuntime({ store, projections: [streamCounts], pollIntervalMs: 100 });
  });
  afterAll(async () => {
    await runtime.stop();
    await store.close();
    await database.close();
    await testDatabase.drop();
  });

  it('applies new events live and reports position and lag', async () => {
    const appended = await store.appendToStream(`s-${randomUUID()}`, [
      { type: 'A', data: {} },
      { type: 'B', data: {} },
    ]);
    expect(await runtime.waitForPosition(appended.position, 5_000)).toBe(true);
    expect(await total()).toBe(2);
    const [status] = await runtime.status();
    expect(status).toMatchObject({
      name: 'stream_counts',
      generation: 1,
      status: 'live',
      position: appended.position,
      lag: 0,
      progress: null,
    });
  });

  it('answers false when asked to wait for a position it cannot reach in time', async () => {
    expect(await runtime.waitForPosition('ffffffffffffffff-ffffffffffffffff', 200)).toBe(false);
  });

  it('rebuilds from history into a fresh generation while queries keep answering, then swaps', async () => {
    for (let batch = 0; batch < 20; batch += 1) {
      await store.appendToStreams(
        Array.from({ length: 50 }, () => ({
          streamId: `r-${randomUUID()}`,
          events: Array.from({ length: 10 }, () => ({ type: 'R', data: { pad: 'x'.repeat(50) } })),
        })),
      );
    }
    const head = await store.headPosition();
    await runtime.waitForPosition(head, 30_000);
    const before = await total();
    expect(before).toBe(10_002);

    const progress: number[] = [];
    const rebuilding = runtime.rebuild('stream_counts', (update) => progress.push(update.eventsDone));
    const answers: number[] = [];
    let sawRebuilding = false;
    let done = false;
    void rebuilding.finally(() => {
      done = true;
    });
    while (!done) {
      answers.push(await total());
      sawRebuilding ||= (await runtime.status())[0]!.status === 'rebuilding';
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const result = await rebuilding;
    expect(result).toMatchObject({ name: 'stream_counts', generation: 2, eventsApplied: 10_002 });
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((answer) => answer === before)).toBe(true);
    expect(sawRebuilding).toBe(true);
    expect(progress.at(-1)).toBe(10_002);
    expect(runtime.schemaOf('stream_counts')).toBe('rm_stream_counts_g2');
    expect(await total()).toBe(before);

    // The new generation is live: later events land in it.
    const later = await store.appendToStream(`s-${randomUUID()}`, [{ type: 'C', data: {} }]);
    expect(await runtime.waitForPosition(later.position, 5_000)).toBe(true);
    expect(await total()).toBe(before + 1);
    expect((await runtime.status())[0]).toMatchObject({ generation: 2, status: 'live', lag: 0 });
  });
});

describe('projection runtimes of several processes starting together on a fresh database', () => {
  // Creating the tables takes a while, as it may on a busy server: the second process looks for
  // the schema while the first is still creating it.
  const slowToCreate: Projection = {
    ...streamCounts,
    async createTables(context) {
      await sql`select pg_sleep(0.3)`.execute(context.transaction);
      await streamCounts.createTables(context);
    },
  };

  it('both start, on the same generation, and apply each event once', async () => {
    const testDatabase = await createTestDatabase();
    const databases = [0, 1].map(() => createPostgresDatabase({ connectionString: testDatabase.url }));
    try {
      await migrateToLatest(databases[0]!.db, { ...eventStoreMigrations, ...projectionMigrations });
      const stores = await Promise.all(databases.map((database) => createEventStore({ database })));
      const runtimes = await Promise.all(
        stores.map((store) => startProjectionRuntime({ store, projections: [slowToCreate], pollIntervalMs: 100 })),
      );
      expect(runtimes.map((runtime) => runtime.schemaOf('stream_counts'))).toEqual(['rm_stream_counts_g1', 'rm_stream_counts_g1']);
      const appended = await stores[0]!.appendToStream(`s-${randomUUID()}`, [
        { type: 'A', data: {} },
        { type: 'B', data: {} },
      ]);
      expect(await runtimes[1]!.waitForPosition(appended.position, 5_000)).toBe(true);
      const { rows } = await sql<{ events: number }>`select events from rm_stream_counts_g1.stream_counts`.execute(databases[0]!.db);
      expect(rows).toEqual([{ events: 2 }]);
      await Promise.all(runtimes.map((runtime) => runtime.stop()));
      await Promise.all(stores.map((store) => store.close()));
    } finally {
      await Promise.all(databases.map((database) => database.close()));
      await testDatabase.drop();
    }
  });
});

describe('rebuilds of projection runtimes in several processes', () => {
  // Slow to apply in a rebuild, so that the first rebuild is still running when the second asks.
  const slowToRebuild: Projection = {
    ...streamCounts,
    async apply(events, context) {
      await sql`select pg_sleep(0.05)`.execute(context.transaction);
      await streamCounts.apply(events, context);
    },
  };

  it('refuses a second rebuild of a projection another process is rebuilding, and allows it once that one is done', async () => {
    const testDatabase = await createTestDatabase();
    const databases = [0, 1].map(() => createPostgresDatabase({ connectionString: testDatabase.url }));
    try {
      await migrateToLatest(databases[0]!.db, { ...eventStoreMigrations, ...projectionMigrations });
      const stores = await Promise.all(databases.map((database) => createEventStore({ database })));
      const runtimes = await Promise.all(
        stores.map((store) => startProjectionRuntime({ store, projections: [slowToRebuild], pollIntervalMs: 100, rebuildBatchSize: 50 })),
      );
      for (let batch = 0; batch < 4; batch += 1) {
        await stores[0]!.appendToStreams(
          Array.from({ length: 50 }, () => ({ streamId: `p-${randomUUID()}`, events: [{ type: 'P', data: {} }] })),
        );
      }
      let rebuildingAt: (() => void) | undefined;
      const started = new Promise<void>((resolve) => {
        rebuildingAt = resolve;
      });
      const first = runtimes[0]!.rebuild('stream_counts', () => rebuildingAt?.());
      await started;
      await expect(runtimes[1]!.rebuild('stream_counts')).rejects.toMatchObject({
        code: 'rebuild_in_progress',
        projection: 'stream_counts',
      });
      await expect(runtimes[0]!.rebuild('stream_counts')).rejects.toMatchObject({ code: 'rebuild_in_progress' });
      expect(await first).toMatchObject({ generation: 2, eventsApplied: 200 });
      expect(await runtimes[1]!.rebuild('stream_counts')).toMatchObject({ generation: 3, eventsApplied: 200 });
      await Promise.all(runtimes.map((runtime) => runtime.stop()));
      await Promise.all(stores.map((store) => store.close()));
    } finally {
      await Promise.all(databases.map((database) => database.close()));
      await testDatabase.drop();
    }
  });
});
