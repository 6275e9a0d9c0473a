import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import { CompiledQuery, Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendToStreams,
  createEventStore,
  createPgliteDatabase,
  createPostgresDatabase,
  ensureEventPartitions,
  EventIdConflictError,
  eventStoreMigrations,
  listEventPartitions,
  migrateToLatest,
  readAll,
  readAllTypes,
  type EventStore,
  type EventStoreTables,
  type StoreDatabase,
} from '../src/index.ts';
import type { Backend } from './store-fixture.ts';

/** The plan PostgreSQL makes for the last query that `read` runs, with its parameters. */
async function planOf(db: Kysely<EventStoreTables>, read: (db: Kysely<EventStoreTables>) => Promise<unknown>): Promise<string> {
  const compiled: CompiledQuery[] = [];
  const capturing = db.withPlugin({
    transformQuery: (args) => {
      compiled.push(db.getExecutor().compileQuery(args.node, args.queryId));
      return args.node;
    },
    transformResult: async (args) => args.result,
  });
  await read(capturing);
  const query = compiled.at(-1)!;
  const { rows } = await db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]));
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

/** A partition every few transaction ids, so that a short test crosses many boundaries. */
const spanXids = 4;

interface Opened {
  readonly database: StoreDatabase;
  readonly db: Kysely<EventStoreTables>;
  close(): Promise<void>;
}

async function openDatabase(backend: Backend): Promise<Opened> {
  const testDatabase: TestDatabase | undefined = backend === 'postgres' ? await createTestDatabase() : undefined;
  const database = testDatabase
    ? await createPostgresDatabase({ connectionString: testDatabase.url, poolSize: 20 })
    : await createPgliteDatabase();
  return {
    database,
    db: database.db,
    async close() {
      await database.close();
      await testDatabase?.drop();
    },
  };
}

/** Replaces the (empty) default partitions by ones of spanXids ids each. */
async function useSmallPartitions(db: Kysely<EventStoreTables>): Promise<void> {
  for (const partition of await listEventPartitions(db)) await sql`drop table ${sql.id(partition.name)}`.execute(db);
  await ensureEventPartitions(db, { spanXids, aheadXids: spanXids * 2 });
}

/** How many rows of tt_events each partition holds, by partition name. */
async function rowsPerPartition(db: Kysely<EventStoreTables>): Promise<Map<string, number>> {
  const { rows } = await sql<{ name: string; count: string }>`
    select tableoid::regclass::text as name, count(*) as count from tt_events group by 1`.execute(db);
  return new Map(rows.map((row) => [row.name, Number(row.count)]));
}

const event = (n: number) => ({ type: 'Counted', data: { n }, metadata: { by: 'test' } });

describe.each<Backend>(['postgres', 'pglite'])('tt_events partitioned by tx_id on %s', (backend) => {
  let opened: Opened;
  let store: EventStore;
  /** Event ids in the order they were appended (one append at a time: the log order). */
  const appendedIds: string[] = [];
  const streams = [`a-${randomUUID()}`, `b-${randomUUID()}`, `c-${randomUUID()}`];

  beforeAll(async () => {
    opened = await openDatabase(backend);
    await migrateToLatest(opened.db);
    await useSmallPartitions(opened.db);
    store = await createEventStore({ database: opened.database, partitions: { spanXids, aheadXids: spanXids * 2 } });
    for (let n = 0; n < 30; n += 1) {
      await ensureEventPartitions(opened.db, { spanXids, aheadXids: spanXids * 2 });
      const result =
        n % 5 === 4
          ? await appendToStreams(opened.db, [
              { streamId: streams[0]!, events: [event(n)] },
              { streamId: streams[1]!, events: [event(n), event(n)] },
            ])
          : await store.appendToStream(streams[n % 3]!, [event(n)]);
      appendedIds.push(...result.events.map((appended) => appended.eventId));
    }
  });
  afterAll(async () => {
    await store?.close();
    await opened?.close();
  });

  it('is a partitioned table whose rows land in several partitions, each holding its tx_id range', async () => {
    const { rows } = await sql<{ kind: string }>`select relkind::text as kind from pg_class where oid = 'tt_events'::regclass`.execute(
      opened.db,
    );
    expect(rows[0]!.kind).toBe('p');
    const counts = await rowsPerPartition(opened.db);
    expect(counts.size).toBeGreaterThanOrEqual(5);
    expect([...counts.values()].reduce((sum, count) => sum + count, 0)).toBe(appendedIds.length);
    const partitions = await listEventPartitions(opened.db);
    // The first partition holds every id from 0 (all rows written before partitioning); the others span spanXids each.
    for (const [index, partition] of partitions.entries()) {
      if (index > 0) expect(BigInt(partition.toTxId) - BigInt(partition.fromTxId)).toBe(BigInt(spanXids));
      const { rows: outside } = await sql<{ count: string }>`
        select count(*) as count from ${sql.id(partition.name)}
         where tx_id < ${partition.fromTxId}::xid8 or tx_id >= ${partition.toTxId}::xid8`.execute(opened.db);
      expect(Number(outside[0]!.count)).toBe(0);
    }
    for (const [before, after] of partitions.slice(1).map((partition, index) => [partitions[index]!, partition] as const))
      expect(after.fromTxId).toBe(before.toTxId);
  });

  it('reads the whole log across partitions in append order, and from any position exactly what follows it', async () => {
    const all = await store.readAll({ maxCount: 1_000 });
    expect(all.events.map((read) => read.eventId)).toEqual(appendedIds);
    for (const cut of [1, 7, 13, 22, appendedIds.length - 1]) {
      const rest = await store.readAll({ after: all.events[cut - 1]!.position, maxCount: 1_000 });
      expect(rest.events.map((read) => read.eventId)).toEqual(appendedIds.slice(cut));
    }
    let after = 'start';
    const paged: string[] = [];
    for (let page = await store.readAll({ maxCount: 4 }); ; page = await store.readAll({ after, maxCount: 4 })) {
      paged.push(...page.events.map((read) => read.eventId));
      after = page.events.at(-1)?.position ?? after;
      if (page.isEnd) break;
    }
    expect(paged).toEqual(appendedIds);
  });

  it('reads a stream spread over several partitions in version order, forward and backward', async () => {
    const forward = await store.readStream(streams[1]!);
    expect(forward.map((read) => read.version)).toEqual(forward.map((_, index) => index + 1));
    const { rows } = await sql<{ partitions: string }>`
      select count(distinct tableoid) as partitions from tt_events where stream_id = ${streams[1]!}`.execute(opened.db);
    expect(Number(rows[0]!.partitions)).toBeGreaterThan(2);
    const backward = await store.readStream(streams[1]!, { direction: 'backward', maxCount: 3 });
    expect(backward.map((read) => read.version)).toEqual([forward.length, forward.length - 1, forward.length - 2]);
  });

  it('refuses an event id stored in an older partition, and answers a retried append with its first positions', async () => {
    const first = (await store.readAll({ maxCount: 1 })).events[0]!;
    const newest = (await listEventPartitions(opened.db)).at(-1)!;
    const { rows } = await sql<{ name: string }>`
      select tableoid::regclass::text as name from tt_events where event_id = ${first.eventId}::uuid`.execute(opened.db);
    expect(rows[0]!.name).not.toBe(newest.name);
    await expect(
      store.appendToStream(`other-${randomUUID()}`, [{ eventId: first.eventId, type: 'Other', data: {} }]),
    ).rejects.toBeInstanceOf(EventIdConflictError);
    const again = await store.appendToStream(first.streamId, [
      { eventId: first.eventId, type: 'Counted', data: first.data, metadata: { by: 'test' } },
    ]);
    expect(again.replayed).toBe(true);
    expect(again.events[0]!.position).toBe(first.position);
    expect((await store.readAll({ maxCount: 1_000 })).events).toHaveLength(appendedIds.length);
  });

  it('refuses a second row for a stream version stored in an older partition, even written past the store', async () => {
    const first = (await store.readStream(streams[0]!))[0]!;
    const insert = sql`
      insert into tt_events (stream_id, stream_version, event_id, type, schema_version, data, metadata)
      values (${first.streamId}, ${first.version}, ${randomUUID()}::uuid, 'Duplicate', 1, '{}'::jsonb, '{}'::jsonb)`;
    await expect(insert.execute(opened.db)).rejects.toThrow(/tt_events_stream_version_key/);
    expect((await store.readStream(streams[0]!)).map((read) => read.type)).not.toContain('Duplicate');
  });

  it('reads the log from a recent position without scanning the partitions before it', async () => {
    const last = (await store.readAll({ maxCount: 1_000 })).events.at(-1)!;
    const partitions = await listEventPartitions(opened.db);
    const holding = partitions.find((partition) => BigInt(partition.toTxId) > last.logPosition.txId)!;
    for (const read of [
      (db: Kysely<EventStoreTables>) => readAll(db, { after: last.position }),
      (db: Kysely<EventStoreTables>) => readAllTypes(db, { after: last.position }),
    ]) {
      const plan = await planOf(opened.db, read);
      expect(plan).toContain(holding.name);
      for (const older of partitions.filter((partition) => BigInt(partition.toTxId) <= BigInt(holding.fromTxId)))
        expect(plan).not.toContain(older.name);
    }
  });
});

describe.each<Backend>(['postgres', 'pglite'])('converting an unpartitioned tt_events on %s', (backend) => {
  let opened: Opened;
  beforeAll(async () => {
    opened = await openDatabase(backend);
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('moves every row with its position, and the log, streams and uniqueness go on from there', async () => {
    // The log before partitioning, with today's append function (the several-stream append below uses it).
    await migrateToLatest(opened.db, {
      '0001-event-store': eventStoreMigrations['0001-event-store']!,
      '0640-append-json': eventStoreMigrations['0640-append-json']!,
    });
    const streamIds = [`x-${randomUUID()}`, `y-${randomUUID()}`];
    for (let n = 0; n < 6; n += 1) await appendToStreams(opened.db, [{ streamId: streamIds[n % 2]!, events: [event(n), event(n)] }]);
    await appendToStreams(opened.db, [
      { streamId: streamIds[0]!, events: [event(6)], expectedVersion: 6 },
      { streamId: streamIds[1]!, events: [event(6)], expectedVersion: 6 },
    ]);
    const { rows: before } = await sql<Record<string, unknown>>`
      select seq, tx_id::text as tx_id, stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at
        from tt_events order by tx_id, seq`.execute(opened.db);
    expect(before).toHaveLength(14);
    const { rows: kind } = await sql<{
      kind: string;
    }>`select relkind::text as kind from pg_class where oid = 'tt_events'::regclass`.execute(opened.db);
    expect(kind[0]!.kind).toBe('r');

    expect(await migrateToLatest(opened.db)).toEqual(['0002-partitioned-events']);

    const { rows: after } = await sql<Record<string, unknown>>`
      select seq, tx_id::text as tx_id, stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at
        from tt_events order by tx_id, seq`.execute(opened.db);
    expect(after).toEqual(before);
    const { rows: partitioned } = await sql<{
      kind: string;
    }>`select relkind::text as kind from pg_class where oid = 'tt_events'::regclass`.execute(opened.db);
    expect(partitioned[0]!.kind).toBe('p');
    const { rows: keys } = await sql<{ count: string }>`select count(*) as count from tt_event_keys`.execute(opened.db);
    expect(Number(keys[0]!.count)).toBe(14);
    const { rows: leftover } = await sql<{
      name: string;
    }>`select relname::text as name from pg_class where relname like 'tt_events_unpartitioned%'`.execute(opened.db);
    expect(leftover).toEqual([]);

    const store = await createEventStore({ database: opened.database });
    try {
      const next = await store.appendToStream(streamIds[0]!, [event(7)], { expectedVersion: 7 });
      expect(next.events[0]!.version).toBe(8);
      const log = await store.readAll({ maxCount: 100 });
      expect(log.events.map((read) => read.eventId)).toEqual([...before.map((row) => row.event_id), next.events[0]!.eventId]);
      expect(Number(after.at(-1)!.seq)).toBeLessThan(
        Number((await store.readAll({ after: log.events[13]!.position })).events[0]!.logPosition.seq),
      );
      await expect(
        store.appendToStream(`z-${randomUUID()}`, [{ eventId: String(before[0]!.event_id), type: 'Other', data: {} }]),
      ).rejects.toBeInstanceOf(EventIdConflictError);
      expect((await store.readStream(streamIds[1]!)).map((read) => read.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    } finally {
      await store.close();
    }
  });

  it('migrates down to an unpartitioned table with every row and position, and up again', async () => {
    const positions = async () => (await readAll(opened.db, { maxCount: 1_000 })).events.map((read) => [read.position, read.eventId]);
    const before = await positions();
    expect(before.length).toBeGreaterThan(0);
    const migrator = new Migrator({
      db: opened.db,
      provider: { getMigrations: async () => eventStoreMigrations },
      migrationTableName: 'tt_migrations',
      migrationLockTableName: 'tt_migrations_lock',
      allowUnorderedMigrations: true,
    });
    const down = await migrator.migrateTo('0001-event-store');
    expect(down.error).toBeUndefined();
    expect(down.results?.map((result) => result.migrationName).sort()).toEqual(['0002-partitioned-events', '0640-append-json']);
    const { rows } = await sql<{ kind: string }>`select relkind::text as kind from pg_class where oid = 'tt_events'::regclass`.execute(
      opened.db,
    );
    expect(rows[0]!.kind).toBe('r');
    expect(await positions()).toEqual(before);
    expect(await migrateToLatest(opened.db)).toEqual(['0002-partitioned-events', '0640-append-json']);
    expect(await positions()).toEqual(before);
    const next = await appendToStreams(opened.db, [{ streamId: `after-${randomUUID()}`, events: [event(1)] }]);
    expect(next.position > String(before.at(-1)![0])).toBe(true);
  });
});

describe('partitions kept ahead of need on postgres', () => {
  let opened: Opened;
  beforeAll(async () => {
    opened = await openDatabase('postgres');
    await migrateToLatest(opened.db);
    await useSmallPartitions(opened.db);
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('creates each partition once when several processes ensure them at once', async () => {
    const before = await listEventPartitions(opened.db);
    const created = await Promise.all(Array.from({ length: 6 }, () => ensureEventPartitions(opened.db, { spanXids, aheadXids: 40 })));
    const partitions = await listEventPartitions(opened.db);
    expect(created.reduce((sum, count) => sum + count, 0)).toBe(partitions.length - before.length);
    expect(partitions.length - before.length).toBeGreaterThanOrEqual(8);
    for (const [index, partition] of partitions.slice(1).entries()) expect(partition.fromTxId).toBe(partitions[index]!.toTxId);
  });

  /** Takes n transaction ids without writing anything else (each autocommit statement takes one). */
  const burnTransactionIds = async (n: number) => {
    for (let burnt = 0; burnt < n; burnt += 1) await sql`select pg_current_xact_id()`.execute(opened.db);
  };
  const nextTransactionId = async () => {
    const { rows } = await sql<{ next: string }>`select pg_snapshot_xmax(pg_current_snapshot())::text as next`.execute(opened.db);
    return BigInt(rows[0]!.next);
  };

  it('a store keeps partitions ahead of the transaction ids as they advance', async () => {
    const store = await createEventStore({ database: opened.database, partitions: { spanXids, aheadXids: 40, checkIntervalMs: 20 } });
    try {
      const partitionsBefore = (await listEventPartitions(opened.db)).length;
      await burnTransactionIds(100);
      const wanted = (await nextTransactionId()) + 40n;
      const deadline = Date.now() + 5_000;
      let partitions = await listEventPartitions(opened.db);
      while (BigInt(partitions.at(-1)!.toTxId) <= wanted && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        partitions = await listEventPartitions(opened.db);
      }
      expect(BigInt(partitions.at(-1)!.toTxId)).toBeGreaterThan(wanted);
      expect(partitions.length - partitionsBefore).toBeGreaterThanOrEqual(100 / spanXids);
    } finally {
      await store.close();
    }
  });

  it('an append whose transaction id has no partition yet creates the missing ones and goes through, once', async () => {
    const covered = BigInt((await listEventPartitions(opened.db)).at(-1)!.toTxId);
    await burnTransactionIds(Number(covered - (await nextTransactionId())) + 2);
    expect(await nextTransactionId()).toBeGreaterThan(covered);
    const streamId = `late-${randomUUID()}`;
    // A stream and a new one beside it, in one statement: the refusal is not taken for an existing stream.
    const beside = `late-beside-${randomUUID()}`;
    const appended = await appendToStreams(opened.db, [
      { streamId, events: [event(1), event(2)], expectedVersion: 'no_stream' },
      { streamId: beside, events: [event(3)], expectedVersion: 'no_stream' },
    ]);
    expect(appended.events.map((read) => [read.streamId, read.version])).toEqual([
      [streamId, 1],
      [streamId, 2],
      [beside, 1],
    ]);
    expect(BigInt((await listEventPartitions(opened.db)).at(-1)!.toTxId)).toBeGreaterThan(covered);
    const { rows } = await sql<{ count: string }>`select count(*) as count from tt_events where stream_id = ${streamId}`.execute(opened.db);
    expect(Number(rows[0]!.count)).toBe(2);
  });
});

describe('the never-skip guarantee across partition boundaries on postgres', () => {
  let opened: Opened;
  let store: EventStore;
  beforeAll(async () => {
    opened = await openDatabase('postgres');
    await migrateToLatest(opened.db);
    for (const partition of await listEventPartitions(opened.db)) await sql`drop table ${sql.id(partition.name)}`.execute(opened.db);
    // Ahead of everything the test's transactions take: an append inside a transaction cannot
    // create a missing partition.
    await ensureEventPartitions(opened.db, { spanXids: 16, aheadXids: 500 });
    store = await createEventStore({ database: opened.database, partitions: { spanXids: 16, aheadXids: 500 } });
  });
  afterAll(async () => {
    await store?.close();
    await opened?.close();
  });

  it('polling readers see every event once, in final log order, while writers commit out of order over many partitions', async () => {
    const writers = 12;
    const appendsPerWriter = 10;
    let writing = true;
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const writer = async (writerIndex: number) => {
      for (let n = 0; n < appendsPerWriter; n += 1) {
        await opened.db.transaction().execute(async (transaction) => {
          await sleep(Math.random() * 5);
          await appendToStreams(transaction, [{ streamId: `w-${writerIndex}`, events: [event(n), event(n)] }]);
          await sleep(Math.random() * 20);
        });
      }
    };
    const reader = async (): Promise<string[]> => {
      const seen: string[] = [];
      let after = 'start';
      for (;;) {
        const done = !writing;
        const page = await store.readAll({ after, maxCount: 7 });
        seen.push(...page.events.map((read) => read.eventId));
        after = page.events.at(-1)?.position ?? after;
        if (done && page.isEnd) return seen;
        if (page.events.length === 0) await sleep(Math.random() * 3);
      }
    };
    const readers = [reader(), reader()];
    await Promise.all(Array.from({ length: writers }, (_, index) => writer(index)));
    writing = false;
    const seenByReaders = await Promise.all(readers);
    const finalLog = (await store.readAll({ maxCount: 1_000 })).events.map((read) => read.eventId);
    expect(finalLog).toHaveLength(writers * appendsPerWriter * 2);
    expect(new Set(finalLog).size).toBe(finalLog.length);
    for (const seen of seenByReaders) expect(seen).toEqual(finalLog);
    expect((await rowsPerPartition(opened.db)).size).toBeGreaterThanOrEqual(5);
    for (let writerIndex = 0; writerIndex < writers; writerIndex += 1) {
      const versions = (await store.readStream(`w-${writerIndex}`)).map((read) => read.version);
      expect(versions).toEqual(Array.from({ length: appendsPerWriter * 2 }, (_, index) => index + 1));
    }
  });
});
