import { randomUUID } from 'node:crypto';
import { transactionStreamId } from '@tracktrove/commands';
import { readStream } from '@tracktrove/event-store';
import { settlementLimits } from '../src/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, input, inspect, openFixture, operator, type Fixture } from './fixture.ts';

/** Flows checked against domain.md sentence by sentence (the domain conformance audit). */
describe('domain conformance (PostgreSQL, in-process timers)', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await openFixture({ timers: { sweepIntervalMs: 60_000, dailySettlement: false } });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  const dayAfter = async (days = 1) => new Date((await fixture.app.clock.now()).getTime() + days * 86_400_000).toISOString().slice(0, 10);

  it('"T+1 settlement settles every COMPLETED transaction": also one an admin moved back from SETTLED to COMPLETED', async () => {
    const { app, database } = fixture;
    const { state } = await app.initiate(input(), operator);
    const id = state.transactionId;
    await app.confirm(id, operator);
    expect((await app.runSettlement({ settlementDate: await dayAfter() })).settledCount).toBe(1);
    await app.override(id, 'COMPLETED', 'settled to the wrong vendor account', admin);
    const rerun = await app.runSettlement({ settlementDate: await dayAfter(2) });
    expect(rerun.settledCount).toBe(1);
    const after = await inspect(database, id);
    expect(after.state.status).toBe('SETTLED');
    expect(after.violations).toEqual([]);
  });

  it('"T+1 settlement settles every COMPLETED transaction, in batches per vendor": a second run for the same date pays out what completed since, in a new batch', async () => {
    // Found by money-oracle.test.ts: the second run computed the vendor's first batch id again, met
    // it stored with other content, and settled nothing (the payment waited for another date).
    const { app, database } = fixture;
    const vendorId = randomUUID();
    const completed = async () => {
      const { state } = await app.initiate(input({ vendorId }), operator);
      await app.confirm(state.transactionId, operator);
      return state.transactionId;
    };
    const settlementDate = await dayAfter();
    const first = await completed();
    const firstRun = await app.runSettlement({ settlementDate });
    expect(firstRun.settledCount).toBe(1);
    const second = await completed();
    const secondRun = await app.runSettlement({ settlementDate });
    expect(secondRun.settledCount).toBe(1);
    expect(secondRun.batchIds).toHaveLength(1);
    expect(secondRun.batchIds[0]).not.toBe(firstRun.batchIds[0]);
    for (const id of [first, second]) expect((await inspect(database, id)).state.status).toBe('SETTLED');
    const batches = (await app.listSettlementBatches({ settlementDate, vendorId })).items;
    expect(batches.map((batch) => batch.transactionIds)).toEqual([[second], [first]]);
    expect((await app.runSettlement({ settlementDate })).settledCount).toBe(0);
  });

  it('a vendor with more candidates than one batch takes is settled in full: its batches (settled at once) take distinct ids', async () => {
    // The same cause: every chunk of the vendor started at the first batch id, and all but one settled nothing.
    const { app } = fixture;
    const vendorId = randomUUID();
    const count = settlementLimits.maxBatchSize + 5;
    await Promise.all(
      Array.from({ length: count }, async () => {
        const { state } = await app.initiate(input({ vendorId }), operator);
        await app.override(state.transactionId, 'COMPLETED', 'confirmed by the bank', admin);
      }),
    );
    const run = await app.runSettlement({ settlementDate: await dayAfter() });
    expect(run.settledCount).toBe(count);
    expect(new Set(run.batchIds).size).toBe(2);
  });

  it('an override to INITIATED goes on to authorization, as an initiate does; one to FAILED to a scheduled retry', async () => {
    const { app, database } = fixture;
    const first = (await app.initiate(input(), operator)).state.transactionId;
    await app.override(first, 'INITIATED', 'gateway lost the authorization', admin);
    await app.clock.advance({ ms: 1 });
    const authorized = await inspect(database, first);
    expect(authorized.types.slice(-2)).toEqual(['StatusOverridden', 'EscrowHoldPlaced']);
    expect(authorized.state.status).toBe('ESCROW');
    expect(authorized.violations).toEqual([]);

    const second = (await app.initiate(input(), operator)).state.transactionId;
    await app.override(second, 'FAILED', 'authorization reversed by the bank', admin);
    await app.clock.advance({ ms: 1 });
    const scheduled = await inspect(database, second);
    expect(scheduled.types.slice(-2)).toEqual(['StatusOverridden', 'RetryScheduled']);
    expect(scheduled.state.status).toBe('RETRY_PENDING');
    await app.clock.advance({ ms: 10_000 });
    const retried = await inspect(database, second);
    expect(retried.types.slice(-3)).toEqual(['StatusOverridden', 'RetryScheduled', 'EscrowHoldPlaced']);
    expect(retried.violations).toEqual([]);
  });

  it('an override to FAILED with no retries left ends in PERMANENTLY_FAILED; a transaction moved on before the timer fires stays put', async () => {
    const { app, database } = fixture;
    const exhausted = (await app.initiate(input({ amountMinor: 404 }), operator)).state.transactionId;
    // 4.04 declines every attempt: advance until the retries are exhausted.
    for (let round = 0; round < 6; round += 1) await app.clock.advance({ ms: 3_600_000 });
    expect((await inspect(database, exhausted)).state.status).toBe('PERMANENTLY_FAILED');
    await app.override(exhausted, 'FAILED', 'reopened for review', admin);
    await app.clock.advance({ ms: 1 });
    const ended = await inspect(database, exhausted);
    expect(ended.types.slice(-2)).toEqual(['StatusOverridden', 'RetriesExhausted']);
    expect(ended.state.status).toBe('PERMANENTLY_FAILED');

    const moved = (await app.initiate(input(), operator)).state.transactionId;
    await app.override(moved, 'FAILED', 'to be retried by hand', admin);
    await app.retry(moved, operator);
    const before = await inspect(database, moved);
    await app.clock.advance({ ms: 1 });
    const after = await inspect(database, moved);
    expect(after.types).toEqual(before.types);
    expect(after.state.status).toBe('ESCROW');
  });

  it("a confirmation webhook of a hold an override replaced confirms nothing; the new hold's own confirmation does", async () => {
    const { app, database } = fixture;
    const id = (await app.initiate(input({ simulation: { webhook: { delayMs: 5_000 } } }), operator)).state.transactionId;
    const firstHold = (await inspect(database, id)).state.hold!.holdId;
    await app.override(id, 'INITIATED', 'authorization to be run again', admin);
    await app.clock.advance({ ms: 1 });
    const secondHold = (await inspect(database, id)).state.hold!.holdId;
    expect(secondHold).not.toBe(firstHold);
    await app.clock.advance({ ms: 10_000 });

    const deliveries = (await app.listDeliveries({ transactionId: id })).items.filter(
      (delivery) => delivery.type === 'payment.confirmed' && !delivery.injection.duplicateOf,
    );
    expect(deliveries).toHaveLength(2);
    const [stale, current] = deliveries.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    expect(stale!.attempts[0]?.response?.body).toMatch(new RegExp(`ignored.*for hold ${firstHold}`));
    const after = await inspect(database, id);
    expect(after.state.status).toBe('COMPLETED');
    const events = await readStream(database.db, transactionStreamId(id));
    const posted = events.find((event) => event.type === 'EscrowHoldPosted')!;
    expect((posted.data as { holdId: string }).holdId).toBe(secondHold);
    expect((posted.metadata as { causationId: string }).causationId).toBe(current!.webhookId);
    expect(after.violations).toEqual([]);
  });

  it('"COMPLETED -> SETTLED" holds back a transaction whose refund is pending; it settles once the refund failed', async () => {
    const { app, database } = fixture;
    // 7.77 makes the refund fail; the gateway answers a day later (the fixture's webhook delay).
    const { state } = await app.initiate(input({ amountMinor: 777 }), operator);
    const id = state.transactionId;
    await app.confirm(id, operator);
    await app.refund(id, 'customer asked', operator);
    await app.runSettlement({ settlementDate: await dayAfter() });
    expect((await inspect(database, id)).state).toMatchObject({ status: 'COMPLETED', settlement: null, refund: { state: 'pending' } });

    await app.clock.advance({ ms: 86_400_000 + 60_000 });
    const failed = await inspect(database, id);
    expect(failed.types.slice(-2)).toEqual(['RefundRequested', 'RefundFailed']);
    await app.runSettlement({ settlementDate: await dayAfter() });
    const after = await inspect(database, id);
    expect(after.state.status).toBe('SETTLED');
    expect(after.violations).toEqual([]);
  });
});

describe('domain conformance: step metadata', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await openFixture({ timers: { sweepIntervalMs: 60_000, dailySettlement: false } });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('"metadata ... attempt": a forced retry records the number of the attempt it runs, like a timer-driven one', async () => {
    const { app } = fixture;
    const first = await app.initiate(input({ amountMinor: 402 }), operator);
    expect(first.state).toMatchObject({ status: 'RETRY_PENDING', attempt: 2 });
    const forced = await app.retry(first.state.transactionId, operator);
    expect(forced.state.status).toBe('ESCROW');
    const events = await readStream(fixture.database.db, transactionStreamId(first.state.transactionId));
    const placed = events.find((event) => event.type === 'EscrowHoldPlaced');
    expect(placed?.data).toMatchObject({ attempt: 2 });
    expect(placed?.metadata).toMatchObject({ attempt: 2 });
  });
});

describe('domain conformance: settlement cut-off', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await openFixture({
      timers: { sweepIntervalMs: 60_000, dailySettlement: false },
      defaults: {
        escrowTtlMs: 30_000,
        maxRetries: 3,
        retryBaseDelayMs: 1000,
        retryMaxDelayMs: 60_000,
        amountLimits: { minMinor: 100, maxMinor: 50_000 },
        settlementCutoffHourUtc: 18,
      },
    });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('"T+1 settlement with a cut-off": completed before 18:00 UTC settles the next day, after it the day after', async () => {
    const { app } = fixture;
    const day = new Date((await app.clock.now()).getTime() + 2 * 86_400_000).toISOString().slice(0, 10);
    const nextDay = (date: string, days = 1) =>
      new Date(Date.parse(`${date}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);
    const completeAt = async (time: string) => {
      await app.clock.advance({ to: `${day}T${time}.000Z` });
      const { state } = await app.initiate(input(), operator);
      await app.confirm(state.transactionId, operator);
      return state.transactionId;
    };
    const early = await completeAt('10:00:00');
    const late = await completeAt('19:00:00');
    const first = await app.runSettlement({ settlementDate: nextDay(day) });
    expect(first.settledCount).toBe(1);
    expect((await inspect(fixture.database, early)).state.status).toBe('SETTLED');
    expect((await inspect(fixture.database, late)).state.status).toBe('COMPLETED');
    expect((await app.runSettlement({ settlementDate: nextDay(day, 2) })).settledCount).toBe(1);
    expect((await inspect(fixture.database, late)).state.status).toBe('SETTLED');
  });
});

describe('domain conformance: metadata on the events of other streams', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await openFixture({
      timers: { sweepIntervalMs: 60_000, dailySettlement: false },
      webhookTransport: async () => ({ status: 503, body: 'receiver down' }),
    });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('"Metadata on every event": webhook, settlement and clock events carry the step trace; a failed delivery its error', async () => {
    const { app, database } = fixture;
    const { state } = await app.initiate(input({ simulation: { webhook: { delayMs: 1_000 } } }), operator);
    await app.clock.advance({ ms: 2_000 });
    const [delivery] = (await app.listDeliveries({ transactionId: state.transactionId })).items;
    expect(delivery?.attempts[0]?.outcome).toBe('failed');
    const events = await readStream(database.db, `webhook-${delivery!.id}`);
    const traceKeys = [
      'correlationId',
      'causationId',
      'actor',
      'step',
      'service',
      'dtoBefore',
      'dtoAfter',
      'error',
      'attempt',
      'durationMs',
    ];
    // A delivery's events are in its transaction's trace too (W3C traceparent, docs/webhooks.md).
    for (const event of events) {
      expect(Object.keys(event.metadata).sort()).toEqual([...traceKeys, 'traceparent'].sort());
      expect(event.metadata.traceparent).toMatch(new RegExp(`^00-${state.transactionId.replaceAll('-', '')}-[0-9a-f]{16}-01$`));
    }
    const attempted = events.find((event) => event.type === 'WebhookDeliveryAttempted');
    expect(attempted?.metadata).toMatchObject({
      attempt: 1,
      error: { message: 'the receiver answered 503', stack: expect.stringContaining('attempt 1') },
    });
    const clock = await readStream(database.db, 'clock');
    expect(Object.keys(clock.at(-1)!.metadata).sort()).toEqual([...traceKeys].sort());
    await app.override(state.transactionId, 'COMPLETED', 'confirmed by phone', admin);
    const settlementDate = new Date((await app.clock.now()).getTime() + 86_400_000).toISOString().slice(0, 10);
    const [batchId] = (await app.runSettlement({ settlementDate })).batchIds;
    const [batch] = await readStream(database.db, `settlement-${batchId}`);
    expect(Object.keys(batch!.metadata).sort()).toEqual([...traceKeys].sort());
  });
});
