import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  advanceCheckpoint,
  CheckpointMovedError,
  decodePosition,
  deleteCheckpoint,
  encodePosition,
  ensureCheckpoint,
  ensureEventPartitions,
  eventStoreMigrations,
  keepEventPartitionsAhead,
  loadCheckpoint,
  migrateToLatest,
  MigrationFailedError,
  readAllPages,
  storeCheckpoint,
  type EventStoreTables,
} from '../src/index.ts';
import { openStore, type StoreFixture } from './store-fixture.ts';

/** Checkpoints saved and resumed, the log read page by page, and what migrations and partitions refuse. */
describe('checkpoints, pages of the log, migrations on postgres', () => {
  let fixture: StoreFixture;
  let db: Kysely<EventStoreTables>;
  beforeAll(async () => {
    fixture = await openStore('postgres');
    db = fixture.database.db;
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('creates a checkpoint once, moves it only from where it is, and sets or deletes it at will', async () => {
    const name = `projection-${randomUUID()}`;
    expect(await loadCheckpoint(db, name)).toBeNull();
    const first = await fixture.store.appendToStream(`cp-${randomUUID()}`, [{ type: 'A', data: {} }]);
    const second = await fixture.store.appendToStream(`cp-${randomUUID()}`, [{ type: 'B', data: {} }]);
    const [at1, at2] = [decodePosition(first.position), decodePosition(second.position)];
    expect(encodePosition(await ensureCheckpoint(db, name, at1))).toBe(first.position);
    // Already there: the stored position wins over the one given.
    expect(encodePosition(await ensureCheckpoint(db, name, at2))).toBe(first.position);
    await advanceCheckpoint(db, name, at1, at2);
    expect(encodePosition((await loadCheckpoint(db, name))!)).toBe(second.position);
    // A consumer still at the old position was overtaken: its batch must not land.
    const moved = await advanceCheckpoint(db, name, at1, at2).catch((error: unknown) => error);
    expect(moved).toBeInstanceOf(CheckpointMovedError);
    expect(moved).toMatchObject({ code: 'checkpoint_moved', subscriptionName: name, name: 'CheckpointMovedError' });
    expect((moved as Error).message).toBe(`checkpoint ${name} was moved by another consumer`);
    await expect(advanceCheckpoint(db, `missing-${randomUUID()}`, at1, at2)).rejects.toBeInstanceOf(CheckpointMovedError);
    // A rebuild sets it back, whatever it was.
    await storeCheckpoint(db, name, decodePosition('start'));
    expect(encodePosition((await loadCheckpoint(db, name))!)).toBe(encodePosition(decodePosition('start')));
    const fresh = `fresh-${randomUUID()}`;
    await storeCheckpoint(db, fresh, at2);
    expect(encodePosition((await loadCheckpoint(db, fresh))!)).toBe(second.position);
    await deleteCheckpoint(db, name);
    expect(await loadCheckpoint(db, name)).toBeNull();
    expect(await loadCheckpoint(db, fresh)).not.toBeNull();
  });

  it('reads the log forward page by page to its visible end, from a position given as text or as a position', async () => {
    const from = await fixture.store.headPosition();
    const stream = `pages-${randomUUID()}`;
    await fixture.store.appendToStream(
      stream,
      Array.from({ length: 7 }, (_, n) => ({ type: 'Paged', data: { n } })),
    );
    const pages = [];
    for await (const page of readAllPages(db, { after: from, maxCount: 3 })) pages.push(page);
    expect(pages.map((page) => page.events.length)).toEqual([3, 3, 1]);
    expect(pages.map((page) => page.isEnd)).toEqual([false, false, true]);
    expect(pages.flatMap((page) => page.events.map((event) => (event.data as { n: number }).n))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(encodePosition(pages.at(-1)!.position)).toBe(await fixture.store.headPosition());
    const sameFromPosition = [];
    for await (const page of fixture.store.readAllPages({ after: from, maxCount: 5 })) sameFromPosition.push(page.events.length);
    expect(sameFromPosition).toEqual([5, 2]);
    const fromObject = [];
    for await (const page of readAllPages(db, { after: pages[0]!.position, maxCount: 100 })) fromObject.push(...page.events);
    expect(fromObject.map((event) => (event.data as { n: number }).n)).toEqual([3, 4, 5, 6]);
    // Without a position: from the start of the log.
    let firstOfLog: string | undefined;
    for await (const page of readAllPages(db, { maxCount: 1 })) {
      firstOfLog = page.events[0]?.position;
      break;
    }
    expect(firstOfLog).toBe((await fixture.store.readAll({ maxCount: 1 })).events[0]!.position);
  });

  it('stops at a failing migration, naming it and its cause, and applies none of that run (one transaction)', async () => {
    const table = `tt_probe_${randomUUID().replaceAll('-', '')}`;
    const migrations: Record<string, Migration> = {
      ...eventStoreMigrations,
      [`9001-${table}`]: { up: async (migrating) => void (await sql`create table ${sql.id(table)} (n int)`.execute(migrating)) },
      [`9002-${table}`]: { up: async (migrating) => void (await sql`select no_such_function()`.execute(migrating)) },
    };
    const error = await migrateToLatest(db, migrations).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MigrationFailedError);
    expect(error).toMatchObject({ code: 'migration_failed', migration: `9002-${table}`, name: 'MigrationFailedError' });
    expect((error as Error).message).toMatch(new RegExp(`^migration 9002-${table} failed: function no_such_function\\(\\) does not exist`));
    expect((error as Error).cause).toBeInstanceOf(Error);
    const { rows } = await sql<{ name: string }>`select name from tt_migrations where name like ${`%${table}`}`.execute(db);
    expect(rows).toEqual([]);
    const { rows: tables } = await sql`select 1 from pg_tables where tablename = ${table}`.execute(db);
    expect(tables).toEqual([]);
    // The one that works runs alone, once.
    const working = { ...eventStoreMigrations, [`9001-${table}`]: migrations[`9001-${table}`]! };
    expect(await migrateToLatest(db, working)).toEqual([`9001-${table}`]);
    expect(await migrateToLatest(db, working)).toEqual([]);
    expect(new MigrationFailedError(undefined, 'lock').message).toBe('migration (unknown) failed: lock');
  });

  it('refuses partition sizes that are not whole numbers in range, before touching the database', async () => {
    await expect(ensureEventPartitions(db, { spanXids: 0 })).rejects.toThrow('spanXids must be a whole number >= 1, got 0');
    await expect(ensureEventPartitions(db, { spanXids: 1.5 })).rejects.toThrow('spanXids must be a whole number >= 1, got 1.5');
    await expect(ensureEventPartitions(db, { aheadXids: -1 })).rejects.toThrow('aheadXids must be a whole number >= 0, got -1');
    expect(await ensureEventPartitions(db, { aheadXids: 0 })).toBeGreaterThanOrEqual(0);
    expect(() => keepEventPartitionsAhead(db, { checkIntervalMs: 0 })).toThrow('checkIntervalMs must be a whole number >= 1, got 0');
  });
});
