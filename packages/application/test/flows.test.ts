import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { signWebhook, WebhookSignatureError } from '@tracktrove/simulator';
import { readStream } from '@tracktrove/event-store';
import { listTimers } from '@tracktrove/timers';
import { testRedisUrl } from '@tracktrove/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, input, inspect, openFixture, operator, secret, type Fixture } from './fixture.ts';
import { trackTroveDb } from '../src/index.ts';

describe('transaction flows through the facade (PostgreSQL + Redis)', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await openFixture({ redisUrl: testRedisUrl(), timers: { redisKeyPrefix: `tt-${randomUUID()}:`, dailySettlement: false } });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('declines, retries with backoff as the clock advances, then fails permanently (magic 4.04)', async () => {
    const { app, database } = fixture;
    const result = await app.initiate(input({ amountMinor: 404 }), operator, { correlationId: 'c-404' });
    const id = result.state.transactionId;
    expect(result.state.status).toBe('RETRY_PENDING');
    await app.clock.advance({ ms: 10 * 60_000 });
    const { types, state, violations } = await inspect(database, id);
    expect(state.status).toBe('PERMANENTLY_FAILED');
    expect(types).toEqual([
      'TransactionInitiated',
      'AuthorizationDeclined',
      'RetryScheduled',
      'AuthorizationDeclined',
      'RetryScheduled',
      'AuthorizationDeclined',
      'RetryScheduled',
      'AuthorizationDeclined',
      'RetriesExhausted',
    ]);
    expect(violations).toEqual([]);
  });

  it('a first-attempt decline (4.02) is retried into ESCROW; a forced retry authorizes at once', async () => {
    const { app, database } = fixture;
    const first = await app.initiate(input({ amountMinor: 402 }), operator);
    expect(first.state.status).toBe('RETRY_PENDING');
    const forced = await app.retry(first.state.transactionId, operator);
    expect(forced.state.status).toBe('ESCROW');
    expect((await inspect(database, first.state.transactionId)).violations).toEqual([]);
    const timers = await listTimers(trackTroveDb(database), { transactionId: first.state.transactionId, kind: 'retry' });
    expect(timers.every((timer) => timer.state === 'cancelled')).toBe(true);
  });

  it('confirms through the webhook path (delivery log) and advancing the clock fires the gateway webhook', async () => {
    const { app, database } = fixture;
    const manual = await app.initiate(input(), operator);
    const confirmed = await app.confirm(manual.state.transactionId, operator);
    expect(confirmed.state.status).toBe('COMPLETED');
    const log = (await app.listDeliveries({ transactionId: manual.state.transactionId })).items;
    const manualDelivery = log.find((delivery) => delivery.injection.reason?.startsWith('confirmed by'));
    expect(manualDelivery?.attempts[0]).toMatchObject({ outcome: 'delivered', status: 200, dropped: false });
    expect(manualDelivery?.attempts[0]?.request?.headers['TrackTrove-Signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    const timed = await app.initiate(input({ simulation: { webhook: { delayMs: 5_000 } } }), operator);
    await app.clock.advance({ ms: 2_000 });
    expect((await inspect(database, timed.state.transactionId)).state.status).toBe('ESCROW');
    await app.clock.advance({ ms: 4_000 });
    const after = await inspect(database, timed.state.transactionId);
    expect(after.state.status).toBe('COMPLETED');
    expect(after.state.hold).toMatchObject({ state: 'posted', resolvedVia: 'webhook' });
    expect(after.violations).toEqual([]);
  });

  it('a dropped webhook (6.66) leaves the hold to expire: released to COMPLETED by the timer', async () => {
    const { app, database } = fixture;
    const result = await app.initiate(
      input({ amountMinor: 666, simulation: { webhook: { delayMs: 1_000 }, escrowTtlMs: 60_000 } }),
      operator,
    );
    const id = result.state.transactionId;
    await app.clock.advance({ ms: 2_000 });
    const [delivery] = (await app.listDeliveries({ transactionId: id })).items;
    expect(delivery).toMatchObject({ status: 'dropped', injection: { dropped: true } });
    expect(delivery?.attempts).toHaveLength(1);
    expect((await inspect(database, id)).state.status).toBe('ESCROW');
    await app.clock.advance({ ms: 60_000 });
    const after = await inspect(database, id);
    expect(after.state.status).toBe('COMPLETED');
    expect(after.state.hold).toMatchObject({ resolvedVia: 'hold_expiry' });
    expect(after.violations).toEqual([]);
    // An operator can redeliver it: accepted, changes nothing (the hold already expired).
    const attempt = await app.redeliver(delivery!.id);
    expect(attempt).toMatchObject({ outcome: 'delivered', status: 200 });
    expect((await inspect(database, id)).types).toHaveLength(3);
  });

  it('a duplicated webhook (9.99) is applied once; duplicates are ignored by webhook id', async () => {
    const { app, database } = fixture;
    const result = await app.initiate(input({ amountMinor: 999, simulation: { webhook: { delayMs: 1_000 } } }), operator);
    const id = result.state.transactionId;
    await app.clock.advance({ ms: 3_000 });
    const deliveries = (await app.listDeliveries({ transactionId: id })).items;
    expect(deliveries).toHaveLength(2);
    expect(deliveries.every((delivery) => delivery.status === 'delivered')).toBe(true);
    expect(new Set(deliveries.map((delivery) => delivery.webhookId)).size).toBe(1);
    const bodies = deliveries.map((delivery) => JSON.parse(delivery.attempts[0]!.response!.body).outcome).sort();
    expect(bodies).toEqual(['duplicate', 'processed']);
    const { types, violations } = await inspect(database, id);
    expect(types.filter((type) => type === 'EscrowHoldPosted')).toHaveLength(1);
    expect(violations).toEqual([]);
  });

  it('reordering (global) delays deliveries at random and records it; a late confirmation after expiry is a no-op', async () => {
    const { app, database } = fixture;
    await app.failures.put({ webhook: { reorder: true } });
    try {
      const result = await app.initiate(
        input({ simulation: { webhook: { delayMs: 10_000 }, escrowTtlMs: 5_000, onHoldExpiry: 'void' } }),
        operator,
      );
      const id = result.state.transactionId;
      await app.clock.advance({ ms: 60_000 });
      const [delivery] = (await app.listDeliveries({ transactionId: id })).items;
      expect(delivery?.injection.reason).toBe('reorder');
      expect(JSON.parse(delivery!.attempts[0]!.response!.body)).toMatchObject({ outcome: 'ignored' });
      const after = await inspect(database, id);
      expect(after.state.status).toBe('REFUNDED');
      expect(after.state.hold).toMatchObject({ state: 'expired' });
      expect(after.violations).toEqual([]);
    } finally {
      await app.failures.put({});
    }
  });

  it('global failure settings apply to the next decisions of transactions already in flight, and give way to their own when cleared', async () => {
    const { app, database } = fixture;
    // Declined on its own settings, retrying: the retry is authorized under a global success rate of 1.
    const declined = await app.initiate(input({ simulation: { successRate: 0 } }), operator);
    const declinedId = declined.state.transactionId;
    expect((await inspect(database, declinedId)).state.status).toBe('RETRY_PENDING');
    // Completed on its own settings (no refund failures): its refund fails under a global rate of 1.
    const completed = await app.initiate(input({ simulation: { webhook: { delayMs: 1_000 } } }), operator);
    const completedId = completed.state.transactionId;
    await app.confirm(completedId, operator);
    await app.failures.put({ successRate: 1, refundFailureRate: 1 });
    let overridden: string;
    try {
      await app.refund(completedId, 'global refund failures', operator);
      await app.clock.advance({ ms: 10_000 });
      const retried = await inspect(database, declinedId);
      expect(retried.state.status).toBe('ESCROW');
      expect(retried.types).toContain('RetryScheduled');
      const refunded = await inspect(database, completedId);
      expect(refunded.types).toContain('RefundFailed');
      expect(refunded.state.status).toBe('COMPLETED');
      // Initiated while a global success rate of 0 is set: recorded with its own rate of 1 beside it.
      await app.failures.put({ successRate: 0 });
      overridden = (await app.initiate(input({ simulation: { successRate: 1 } }), operator)).state.transactionId;
      const initiated = (await readStream(database.db, `txn-${overridden}`))[0]!;
      expect(initiated.data).toMatchObject({ simulation: { successRate: 0 }, requestedSimulation: { successRate: 1 } });
      expect((await inspect(database, overridden)).state.status).toBe('RETRY_PENDING');
    } finally {
      await app.failures.put({});
    }
    // Cleared: its retry goes by its own rate of 1 again.
    await app.clock.advance({ ms: 10_000 });
    const resumed = await inspect(database, overridden);
    expect(resumed.state.status).toBe('ESCROW');
    expect(resumed.violations).toEqual([]);
    // Without a global override at initiation, only the settings in force are recorded.
    const plain = (await readStream(database.db, `txn-${declinedId}`))[0]!;
    expect(plain.data).not.toHaveProperty('requestedSimulation');
  });

  it('rejects a bad or stale signature and changes nothing', async () => {
    const { app, database } = fixture;
    const result = await app.initiate(input(), operator);
    const id = result.state.transactionId;
    const body = JSON.stringify({
      id: `evt_${randomUUID()}`,
      type: 'payment.confirmed',
      transactionId: id,
      createdAt: new Date().toISOString(),
    });
    const now = Math.floor(Date.now() / 1000);
    await expect(app.receiveWebhook({ rawBody: body, signatureHeader: signWebhook('wrong', body, now) })).rejects.toMatchObject({
      problem: 'mismatch',
      code: 'validation_failed',
    });
    await expect(app.receiveWebhook({ rawBody: body, signatureHeader: signWebhook(secret, body, now - 301) })).rejects.toMatchObject({
      problem: 'stale',
    });
    await expect(app.receiveWebhook({ rawBody: body, signatureHeader: 't=abc' })).rejects.toBeInstanceOf(WebhookSignatureError);
    await expect(app.receiveWebhook({ rawBody: `${body} `, signatureHeader: signWebhook(secret, body, now) })).rejects.toMatchObject({
      problem: 'mismatch',
    });
    expect((await inspect(database, id)).types).toEqual(['TransactionInitiated', 'EscrowHoldPlaced']);
    const receipts = await sql`select 1 from tt_webhook_receipts where transaction_id = ${id}`.execute(database.db);
    expect(receipts.rows).toHaveLength(0);
    const unknown = JSON.stringify({
      id: `evt_${randomUUID()}`,
      type: 'payment.confirmed',
      transactionId: randomUUID(),
      createdAt: new Date().toISOString(),
    });
    await expect(app.receiveWebhook({ rawBody: unknown, signatureHeader: signWebhook(secret, unknown, now) })).rejects.toMatchObject({
      code: 'not_found',
    });
    // The correct signature works.
    await expect(app.receiveWebhook({ rawBody: body, signatureHeader: signWebhook(secret, body, now) })).resolves.toMatchObject({
      outcome: 'processed',
    });
  });

  it('refunds: 7.77 fails asynchronously (status stays), others succeed; a hold is voided at once', async () => {
    const { app, database } = fixture;
    const failing = await app.initiate(input({ amountMinor: 777, simulation: { webhook: { delayMs: 500 } } }), operator);
    const ok = await app.initiate(input({ amountMinor: 780, simulation: { webhook: { delayMs: 500 } } }), operator);
    const held = await app.initiate(input(), operator);
    await app.clock.advance({ ms: 1_000 });
    await app.refund(failing.state.transactionId, 'customer asked', operator);
    await app.refund(ok.state.transactionId, 'customer asked', operator);
    const voided = await app.refund(held.state.transactionId, 'customer asked', operator);
    expect(voided.state.status).toBe('REFUNDED');
    await app.clock.advance({ ms: 1_000 });
    const failed = await inspect(database, failing.state.transactionId);
    expect(failed.state.status).toBe('COMPLETED');
    expect(failed.types.slice(-2)).toEqual(['RefundRequested', 'RefundFailed']);
    const refunded = await inspect(database, ok.state.transactionId);
    if (refunded.state.status !== 'REFUNDED')
      console.log(refunded.types, JSON.stringify((await app.listDeliveries({ transactionId: ok.state.transactionId })).items, null, 1));
    expect(refunded.state.status).toBe('REFUNDED');
    for (const check of [failed, refunded, await inspect(database, held.state.transactionId)]) expect(check.violations).toEqual([]);
    // Refunding a held transaction voids its hold and cancels the hold's expiry timer; the two
    // refunded after completion have no hold timer left pending either.
    for (const id of [held, failing, ok].map((t) => t.state.transactionId)) {
      const holdTimers = await listTimers(trackTroveDb(database), { transactionId: id, kind: 'hold_expiry' });
      expect(holdTimers.length, id).toBe(1);
      expect(
        holdTimers.filter((timer) => timer.state === 'pending'),
        id,
      ).toEqual([]);
    }
    expect((await listTimers(trackTroveDb(database), { transactionId: held.state.transactionId, kind: 'hold_expiry' }))[0]!.state).toBe(
      'cancelled',
    );
  });

  it('overrides, disputes and typed errors', async () => {
    const { app } = fixture;
    const result = await app.initiate(input(), operator);
    const id = result.state.transactionId;
    await expect(app.resolveDispute(id, 'WON', operator)).rejects.toMatchObject({ code: 'invalid_transition' });
    await expect(app.refund(randomUUID(), 'x', operator)).rejects.toMatchObject({ code: 'not_found' });
    await expect(app.refund(id, 'x', operator, { expectedVersion: 1 })).rejects.toMatchObject({ code: 'version_mismatch' });
    const overridden = await app.override(id, 'COMPLETED', 'manual fix', admin);
    expect(overridden.state.status).toBe('COMPLETED');
    const disputed = await app.openDispute(id, 'not received', operator);
    expect(disputed.state.status).toBe('DISPUTE_OPEN');
    expect((await app.resolveDispute(id, 'LOST', operator)).state.status).toBe('DISPUTE_RESOLVED');
  });

  it('idempotent initiate replays the first result', async () => {
    const { app } = fixture;
    const body = input();
    const idempotency = { key: `k-${randomUUID()}`, requestHash: 'h1' };
    const first = await app.initiate(body, operator, { idempotency });
    const second = await app.initiate(body, operator, { idempotency });
    expect(second.replayed).toBe(true);
    expect(second.state.transactionId).toBe(first.state.transactionId);
    await expect(app.initiate(body, operator, { idempotency: { ...idempotency, requestHash: 'h2' } })).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });
  });
});
