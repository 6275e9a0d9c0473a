import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { listTimers } from '@tracktrove/timers';
import { runSettlement, trackTroveDb } from '../src/index.ts';
import { createTestDatabase, startLocalRedis, testRedisUrl, type LocalService, type TestDatabase } from '@tracktrove/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { admin, input, inspect, openFixture, operator, waitFor } from './fixture.ts';

const prefix = () => `tt-${randomUUID()}:`;

describe('escrow hold expiry', () => {
  it('fires from the Redis keyspace notification (sweeper and poll out of the way)', async () => {
    const fixture = await openFixture({
      redisUrl: testRedisUrl(),
      timers: { sweepIntervalMs: 60_000, redisPollIntervalMs: 0, redisKeyPrefix: prefix(), dailySettlement: false },
    });
    try {
      await waitFor(
        async () => (await fixture.app.readiness()).redis.status,
        (status) => status === 'up',
      );
      const result = await fixture.app.initiate(input({ simulation: { escrowTtlMs: 300, onHoldExpiry: 'void' } }), operator);
      const id = result.state.transactionId;
      const after = await waitFor(
        () => inspect(fixture.database, id),
        (view) => view.state.status === 'REFUNDED',
        10_000,
      );
      expect(after.state.hold).toMatchObject({ state: 'expired', resolvedVia: 'hold_expiry' });
      expect(after.violations).toEqual([]);
      const [timer] = await listTimers(trackTroveDb(fixture.database), { transactionId: id, kind: 'hold_expiry' });
      expect(timer).toMatchObject({ state: 'fired', firedBy: 'redis_notification' });
    } finally {
      await fixture.close();
    }
  });

  it('fires from the PostgreSQL sweeper when the notification is dropped', async () => {
    const fixture = await openFixture({
      redisUrl: testRedisUrl(),
      timers: { sweepIntervalMs: 100, redisKeyPrefix: prefix(), dailySettlement: false },
    });
    try {
      const result = await fixture.app.initiate(input({ simulation: { escrowTtlMs: 300, dropExpiryNotification: true } }), operator);
      const id = result.state.transactionId;
      const after = await waitFor(
        () => inspect(fixture.database, id),
        (view) => view.state.status === 'COMPLETED',
        10_000,
      );
      expect(after.state.hold).toMatchObject({ state: 'posted', resolvedVia: 'hold_expiry' });
      expect(after.violations).toEqual([]);
      const [timer] = await listTimers(trackTroveDb(fixture.database), { transactionId: id, kind: 'hold_expiry' });
      expect(timer).toMatchObject({ state: 'fired', firedBy: 'sweeper' });
    } finally {
      await fixture.close();
    }
  });

  describe('Redis stopped while holds are pending, then restarted', () => {
    let redis: LocalService;
    afterAll(async () => {
      await redis?.destroy();
    });
    it('the sweeper covers; readiness reports down, then up', async () => {
      redis = await startLocalRedis();
      const fixture = await openFixture({
        redisUrl: redis.url,
        timers: { sweepIntervalMs: 200, redisKeyPrefix: prefix(), dailySettlement: false },
      });
      try {
        await waitFor(
          async () => (await fixture.app.readiness()).redis.status,
          (status) => status === 'up',
        );
        const ids = [];
        for (let index = 0; index < 3; index += 1) {
          ids.push((await fixture.app.initiate(input({ simulation: { escrowTtlMs: 800 } }), operator)).state.transactionId);
        }
        await redis.stop();
        await waitFor(
          async () => (await fixture.app.readiness()).redis.status,
          (status) => status === 'down',
        );
        for (const id of ids) {
          const after = await waitFor(
            () => inspect(fixture.database, id),
            (view) => view.state.status === 'COMPLETED',
            10_000,
          );
          expect(after.violations).toEqual([]);
        }
        const timers = await Promise.all(
          ids.map(async (id) => (await listTimers(trackTroveDb(fixture.database), { transactionId: id, kind: 'hold_expiry' }))[0]),
        );
        expect(timers.every((timer) => timer?.firedBy === 'sweeper')).toBe(true);
        // Initiating while Redis is down still works (PostgreSQL is the truth).
        await fixture.app.initiate(input(), operator);
        await redis.start();
        const ready = await waitFor(
          () => fixture.app.readiness(),
          (readiness) => readiness.redis.status === 'up',
          15_000,
        );
        expect(ready.timers.status).toBe('running');
      } finally {
        await fixture.close();
      }
    });
  });
});

describe('two processes on one database', () => {
  let testDatabase: TestDatabase;
  afterAll(async () => {
    await testDatabase?.drop();
  });

  it('fires each timer once and settles each transaction exactly once', async () => {
    testDatabase = await createTestDatabase();
    const options = { redisUrl: testRedisUrl(), timers: { sweepIntervalMs: 50, redisKeyPrefix: prefix(), dailySettlement: false } };
    const fixture = await openFixture(options, testDatabase);
    const peer = await fixture.peer();
    try {
      const vendors = [randomUUID(), randomUUID()];
      const ids: string[] = [];
      for (let index = 0; index < 12; index += 1) {
        const app = index % 2 === 0 ? fixture.app : peer;
        const result = await app.initiate(
          input({ vendorId: vendors[index % 2]!, amountMinor: 1000 + index, simulation: { escrowTtlMs: 400, webhook: { delayMs: 100 } } }),
          operator,
        );
        ids.push(result.state.transactionId);
      }
      for (const id of ids)
        await waitFor(
          () => inspect(fixture.database, id),
          (view) => view.state.status === 'COMPLETED',
          10_000,
        );
      await new Promise((resolve) => setTimeout(resolve, 600)); // let the hold timers' due times pass too
      // Claims are counted, not only the events they lead to (the domain would refuse a second
      // expiry event): every timer of these transactions that fired was claimed exactly once.
      const timers = (await Promise.all(ids.map((id) => listTimers(trackTroveDb(fixture.database), { transactionId: id })))).flat();
      expect(timers.length).toBeGreaterThanOrEqual(24); // a hold expiry and a webhook delivery each
      expect(timers.filter((timer) => timer.state === 'fired').map((timer) => timer.claims)).toEqual(
        timers.filter((timer) => timer.state === 'fired').map(() => 1),
      );
      expect(timers.filter((timer) => timer.state !== 'fired').map((timer) => timer.claims)).toEqual(
        timers.filter((timer) => timer.state !== 'fired').map(() => 0),
      );
      const attempts = await sql<{ delivery_id: string; count: string }>`
        select d.delivery_id, count(a.attempt) as count from tt_webhook_deliveries d left join tt_webhook_attempts a using (delivery_id)
        where d.transaction_id = any(${ids}::text[]) group by d.delivery_id`.execute(fixture.database.db);
      expect(attempts.rows).toHaveLength(12);
      expect(attempts.rows.every((row) => Number(row.count) === 1)).toBe(true);

      const tomorrow = new Date((await fixture.app.clock.now()).getTime() + 86_400_000).toISOString().slice(0, 10);
      // A run out of time starts no batch and says it is not complete.
      const outOfTime = await runSettlement(trackTroveDb(fixture.database), {
        now: await fixture.app.clock.now(),
        settlementDate: tomorrow,
        actor: admin,
        correlationId: 'budget',
        budgetMs: 0,
      });
      expect(outOfTime).toMatchObject({ settledCount: 0, batchIds: [], complete: false });
      const [first, second] = await Promise.all([
        fixture.app.runSettlement({ settlementDate: tomorrow }),
        peer.runSettlement({ settlementDate: tomorrow }),
      ]);
      expect(first.settledCount + second.settledCount).toBe(12);
      expect([first.complete, second.complete]).toEqual([true, true]);
      const batchIds = new Set([...first.batchIds, ...second.batchIds]);
      expect(batchIds.size).toBe(2);
      const rerun = await fixture.app.runSettlement({ settlementDate: tomorrow });
      expect(rerun).toMatchObject({ settledCount: 0, batchIds: [] });
      for (const id of ids) {
        const view = await inspect(fixture.database, id);
        expect(view.state.status).toBe('SETTLED');
        expect(view.types.filter((type) => type === 'TransactionSettled')).toHaveLength(1);
        expect(view.types.filter((type) => type === 'EscrowHoldPosted')).toHaveLength(1);
        expect(view.violations).toEqual([]);
      }
      const batches = (await fixture.app.listSettlementBatches({ settlementDate: tomorrow })).items;
      expect(batches).toHaveLength(2);
      expect(batches.reduce((sum, batch) => sum + batch.transactionCount, 0)).toBe(12);
      expect(batches.reduce((sum, batch) => sum + batch.totalMinor, 0)).toBe(ids.length * 1000 + 66);
    } finally {
      await fixture.close();
    }
  });
});

describe('many holds due at once', () => {
  it('expire in batches (one append per batch), each once, with balanced books', async () => {
    // Only the sweeper fires (Redis notifications dropped, no poll): everything due at a sweep goes in batches.
    const fixture = await openFixture({
      redisUrl: testRedisUrl(),
      timers: { sweepIntervalMs: 1000, redisPollIntervalMs: 0, redisKeyPrefix: prefix(), dailySettlement: false },
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 150 }, (_, index) =>
          fixture.app.initiate(
            input({ amountMinor: 1000 + index, simulation: { escrowTtlMs: 1500, onHoldExpiry: 'void', dropExpiryNotification: true } }),
            operator,
          ),
        ),
      );
      const ids = results.map((result) => result.state.transactionId);
      await waitFor(
        async () =>
          (await listTimers(trackTroveDb(fixture.database), { kind: 'hold_expiry' })).filter((timer) => timer.state === 'pending').length,
        (pending) => pending === 0,
        15_000,
      );
      const appendTransactions = new Set<string>();
      for (const id of ids) {
        const view = await inspect(fixture.database, id);
        expect(view.state.hold).toMatchObject({ state: 'expired', resolvedVia: 'hold_expiry' });
        expect(view.types.filter((type) => type === 'EscrowHoldVoided')).toHaveLength(1);
        expect(view.violations).toEqual([]);
        const voided = (await fixture.store.readStream(`txn-${id}`)).find((event) => event.type === 'EscrowHoldVoided')!;
        appendTransactions.add(voided.position.split('-')[0]!);
      }
      // The sweeper fires what is due in batches of up to 100: a handful of appends, not 150.
      expect(appendTransactions.size).toBeLessThanOrEqual(10);
      const timers = await listTimers(trackTroveDb(fixture.database), { kind: 'hold_expiry' });
      expect(
        timers
          .filter((timer) => ids.includes(timer.transactionId!))
          .every((timer) => timer.state === 'fired' && timer.firedBy === 'sweeper' && timer.claims === 1),
      ).toBe(true);
    } finally {
      await fixture.close();
    }
  });
});
