import { commandMigrations } from '@tracktrove/commands';
import {
  createEventStore,
  createPgliteDatabase,
  eventStoreMigrations,
  migrateToLatest,
  type EventStore,
  type StoreDatabase,
} from '@tracktrove/event-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrackTrove, type TrackTrove } from '../src/index.ts';
import { admin, input, inspect, operator, secret } from './fixture.ts';

/** PGlite has one connection: a query outside a running transaction's callback would wait forever. */
function withinMs<T>(promise: Promise<T>, ms = 10_000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms: a deadlock on the single PGlite connection?`)), ms),
    ),
  ]);
}

describe('the facade on embedded PGlite (the default start)', () => {
  let database: StoreDatabase;
  let store: EventStore;
  let app: TrackTrove;
  beforeAll(async () => {
    database = await createPgliteDatabase();
    store = await createEventStore({ database });
    app = createTrackTrove({
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
    });
    await migrateToLatest(database.db, { ...eventStoreMigrations, ...commandMigrations, ...app.migrations });
    await app.start();
  });
  afterAll(async () => {
    await app.stop();
    await store.close();
    await database.close();
  });

  const statusOf = async (id: string) => (await inspect(database, id)).state.status;

  it('completes through the delayed webhook when the clock advances, then refunds asynchronously', async () => {
    const created = await withinMs(app.initiate(input({ simulation: { webhook: { delayMs: 1_000 } } }), operator));
    const id = created.state.transactionId;
    await withinMs(app.clock.advance({ ms: 2_000 }, admin));
    expect(await statusOf(id)).toBe('COMPLETED');
    await withinMs(app.refund(id, 'asked', operator));
    await withinMs(app.clock.advance({ ms: 5_000 }, admin));
    const { state, violations } = await inspect(database, id);
    expect(state.status).toBe('REFUNDED');
    expect(violations).toEqual([]);
  });

  it('retries a declined authorization until PERMANENTLY_FAILED', async () => {
    const created = await withinMs(app.initiate(input({ amountMinor: 404 }), operator));
    expect(created.state.status).toBe('RETRY_PENDING');
    for (let step = 0; step < 6; step += 1) await withinMs(app.clock.advance({ ms: 120_000 }, admin));
    expect(await statusOf(created.state.transactionId)).toBe('PERMANENTLY_FAILED');
  });

  it('expires a hold, confirms by hand through the webhook path, settles, disputes and overrides', async () => {
    const expiring = await withinMs(app.initiate(input({ simulation: { escrowTtlMs: 2_000, onHoldExpiry: 'void' } }), operator));
    await withinMs(app.clock.advance({ ms: 5_000 }, admin));
    expect(await statusOf(expiring.state.transactionId)).toBe('REFUNDED');

    const confirmed = await withinMs(app.initiate(input(), operator));
    const id = confirmed.state.transactionId;
    await withinMs(app.confirm(id, operator));
    expect(await statusOf(id)).toBe('COMPLETED');
    expect((await withinMs(app.listDeliveries({ transactionId: id }))).items.length).toBeGreaterThan(0);
    await withinMs(app.clock.advance({ ms: 2 * 86_400_000 }, admin));
    await withinMs(app.runSettlement({ actor: admin }));
    expect(await statusOf(id)).toBe('SETTLED');
    await withinMs(app.openDispute(id, 'not received', operator));
    await withinMs(app.resolveDispute(id, 'WON', operator));
    expect(await statusOf(id)).toBe('DISPUTE_RESOLVED');

    const overridden = await withinMs(app.initiate(input(), operator));
    await withinMs(app.override(overridden.state.transactionId, 'COMPLETED', 'ops', admin));
    const { state, violations } = await inspect(database, overridden.state.transactionId);
    expect(state.status).toBe('COMPLETED');
    expect(violations).toEqual([]);
  });

  it('writes concurrent initiates together on the single connection, each once', async () => {
    const results = await withinMs(Promise.all(Array.from({ length: 20 }, () => app.initiate(input(), operator))));
    expect(new Set(results.map((result) => result.position!.split('-')[0])).size).toBeLessThan(results.length);
    for (const result of results) {
      const { types, state, violations } = await inspect(database, result.state.transactionId);
      expect(types).toEqual(['TransactionInitiated', 'EscrowHoldPlaced']);
      expect(state.status).toBe('ESCROW');
      expect(violations).toEqual([]);
    }
  });
});
