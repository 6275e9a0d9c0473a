import { randomUUID } from 'node:crypto';
import { ValidationError } from '@tracktrove/domain';
import { listTimers } from '@tracktrove/timers';
import { testRedisUrl } from '@tracktrove/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initiateBatchLimits } from '../src/track-trove.ts';
import { input, inspect, openFixture, operator, type Fixture } from './fixture.ts';

describe('initiates written together (PostgreSQL + Redis)', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await openFixture({ redisUrl: testRedisUrl(), timers: { redisKeyPrefix: `tt-${randomUUID()}:`, dailySettlement: false } });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('commits concurrent initiates in shared appends, each with its own events and effects, and rejects only the invalid one', async () => {
    const { app, database } = fixture;
    const count = 60;
    const outcomes = await Promise.allSettled(Array.from({ length: count }, (_, index) =>
      app.initiate(input(index === 7 ? { vendorId: '' } : { amountMinor: index % 5 === 0 ? 404 : 1250 + index }), operator)));
    const rejected = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [{ index, reason: outcome.reason as unknown }] : []));
    expect(rejected.map((entry) => entry.index)).toEqual([7]);
    expect(rejected[0]!.reason).toBeInstanceOf(ValidationError);

    const results = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    expect(new Set(results.map((result) => result.state.transactionId)).size).toBe(count - 1);
    // Fewer appends than commands: the initiates were grouped (one log transaction per append).
    const appends = new Set(results.map((result) => result.position!.split('-')[0]));
    expect(appends.size).toBeLessThan(count - 1);
    expect(Math.max(...[...appends].map((txId) => results.filter((result) => result.position!.startsWith(`${txId}-`)).length))).toBeLessThanOrEqual(initiateBatchLimits.maxBatch);

    for (const result of results) {
      const { types, state, violations } = await inspect(database, result.state.transactionId);
      expect(state).toEqual(result.state);
      expect(types.length).toBe(result.version);
      expect(result.appended.map((event) => event.streamId)).toEqual(types.map(() => `txn-${result.state.transactionId}`));
      expect(violations).toEqual([]);
      const timers = await listTimers(database.db, { transactionId: result.state.transactionId });
      const pending = timers.filter((timer) => timer.state === 'pending').map((timer) => timer.kind).sort();
      // Each command's effects: a hold-expiry timer and its confirmation webhook, or a retry after a decline.
      expect(pending).toEqual(result.state.status === 'ESCROW' ? ['hold_expiry', 'webhook_delivery'] : ['retry']);
    }
    const escrow = results.filter((result) => result.state.status === 'ESCROW');
    for (const result of escrow) expect(await app.listDeliveries({ transactionId: result.state.transactionId })).toHaveLength(1);
    expect(await app.pendingHolds()).toBe(escrow.length);
  });
});
