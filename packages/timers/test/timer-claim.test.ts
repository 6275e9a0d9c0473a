import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import { createPostgresDatabase, migrateToLatest, type EventStoreTables, type StoreDatabase } from '@tracktrove/event-store';
import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimTimers, listTimers, readTimer, scheduleTimer, timerMigrations, type TimerTables } from '../src/index.ts';

/**
 * The claim is what makes a timer fire once: it takes a pending, due timer and marks it fired, and
 * counts each time it took one. The domain refuses a duplicate event, so a timer fired twice would
 * not show in the log; the claim count shows it.
 */
describe('the timer claim', () => {
  let testDatabase: TestDatabase;
  let database: StoreDatabase;
  /** The connection with the tables this suite migrates. */
  let db: Kysely<EventStoreTables & TimerTables>;
  const now = new Date('2025-03-01T10:00:00.000Z');
  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = createPostgresDatabase({ connectionString: testDatabase.url });
    db = database.db.withTables<TimerTables>();
    await migrateToLatest(database.db, timerMigrations);
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  const schedule = async (dueAt: Date) =>
    (await scheduleTimer(db, { kind: 'hold_expiry', ref: randomUUID(), transactionId: randomUUID(), dueAt }))!;

  it('takes a due pending timer once: a second claim of the same timer takes nothing', async () => {
    const timer = await schedule(new Date(now.getTime() - 1));
    expect(timer).toMatchObject({ state: 'pending', claims: 0, firedBy: null });
    const first = await claimTimers(db, [timer.id], now, 'sweeper');
    expect(first.map((claimed) => [claimed.id, claimed.state, claimed.claims, claimed.firedBy])).toEqual([
      [timer.id, 'fired', 1, 'sweeper'],
    ]);
    expect(await claimTimers(db, [timer.id], now, 'redis_poll')).toEqual([]);
    expect(await readTimer(db, timer.id)).toMatchObject({ state: 'fired', claims: 1, firedBy: 'sweeper' });
  });

  it('answers the timers it took earliest due first, and nothing for no ids', async () => {
    const dueTimes = [5, 1, 3, 2, 4].map((seconds) => new Date(now.getTime() - 10_000 + seconds * 1000));
    const timers = await Promise.all(dueTimes.map((dueAt) => schedule(dueAt)));
    const claimed = await claimTimers(
      db,
      timers.map((timer) => timer.id),
      now,
      'sweeper',
    );
    expect(claimed.map((timer) => timer.dueAt.getTime())).toEqual([...dueTimes].map((dueAt) => dueAt.getTime()).sort((a, b) => a - b));
    expect(await claimTimers(db, [], now, 'sweeper')).toEqual([]);
  });

  it('takes nothing not yet due, and nothing cancelled', async () => {
    const later = await schedule(new Date(now.getTime() + 1));
    expect(await claimTimers(db, [later.id], now, 'sweeper')).toEqual([]);
    const cancelled = await schedule(new Date(now.getTime() - 1));
    await database.db
      .updateTable('tt_timers' as never)
      .set({ state: 'cancelled' } as never)
      .where('id' as never, '=', cancelled.id as never)
      .execute();
    expect(await claimTimers(db, [cancelled.id], now, 'sweeper')).toEqual([]);
    expect((await readTimer(db, later.id))?.claims).toBe(0);
    expect((await readTimer(db, cancelled.id))?.claims).toBe(0);
  });

  it('claims racing for the same timers take each exactly once', async () => {
    const timers = await Promise.all(Array.from({ length: 40 }, () => schedule(new Date(now.getTime() - 1))));
    const ids = timers.map((timer) => timer.id);
    const rounds = await Promise.all(
      Array.from({ length: 6 }, (_, round) => claimTimers(db, round % 2 === 0 ? ids : [...ids].reverse(), now, 'sweeper')),
    );
    const claimedIds = rounds.flat().map((timer) => timer.id);
    expect(claimedIds.sort()).toEqual([...ids].sort());
    const stored = (await listTimers(db, { kind: 'hold_expiry' })).filter((timer) => ids.includes(timer.id));
    expect(stored.map((timer) => timer.claims)).toEqual(ids.map(() => 1));
  });
});
