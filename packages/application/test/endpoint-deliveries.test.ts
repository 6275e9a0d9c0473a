import { readStream } from '@tracktrove/event-store';
import { endpointEventTypeOf, endpointEventTypes, eventIdOf, planFaults, verifyWebhookSignature } from '@tracktrove/webhooks';
import type { EndpointDeliveryView } from '@tracktrove/endpoints';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, input, openFixture, operator, waitFor, type Fixture } from './fixture.ts';
import { startReceiver, type Receiver } from './receiver.ts';

/** Deliveries to a developer's endpoints, on real PostgreSQL, to a real HTTP receiver. */
describe('webhook endpoint deliveries (PostgreSQL, in-process timers)', () => {
  let fixture: Fixture;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    fixture = await openFixture({
      timers: { sweepIntervalMs: 60_000, dailySettlement: false },
      endpoints: { timeoutMs: 300, slowMs: 150 },
    });
  });
  afterAll(async () => {
    await fixture?.close();
    await receiver?.close();
  });

  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const dayAfter = async () => new Date((await fixture.app.clock.now()).getTime() + 86_400_000).toISOString().slice(0, 10);

  /** The ids of a transaction's events that make deliveries, with their stream versions. */
  async function deliveryEvents(transactionId: string): Promise<{ eventId: string; version: number; type: string }[]> {
    const events = await readStream(fixture.database.db, `txn-${transactionId}`);
    return events.flatMap((event) => {
      const type = endpointEventTypeOf(event.type);
      return type ? [{ eventId: eventIdOf(event.eventId), version: event.version, type }] : [];
    });
  }

  async function deliveriesOf(endpointId: string): Promise<EndpointDeliveryView[]> {
    const items: EndpointDeliveryView[] = [];
    let cursor: string | null = null;
    do {
      const page = await fixture.app.endpointDeliveries.list({ endpointId, limit: 500, cursor });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  describe('every selected event type, from every path that appends one (commands, timers, the gateway, settlement, overrides)', () => {
    let all: Awaited<ReturnType<Fixture['app']['webhookEndpoints']['create']>>;
    let completedOnly: typeof all;
    const ids: string[] = [];
    let expected: { eventId: string; version: number; type: string }[] = [];
    let settled = '';
    const ours = () => new Set(expected.map((event) => event.eventId));
    const countsOf = (path: string) => {
      const counts = new Map<string, number>();
      for (const entry of receiver.on(path)) if (ours().has(entry.json.id)) counts.set(entry.json.id, (counts.get(entry.json.id) ?? 0) + 1);
      return counts;
    };

    beforeAll(async () => {
      const { app } = fixture;
      all = await app.webhookEndpoints.create({ url: `${receiver.baseUrl}/all`, description: 'every type' }, admin);
      completedOnly = await app.webhookEndpoints.create(
        { url: `${receiver.baseUrl}/completed`, eventTypes: ['transaction.completed'] },
        admin,
      );
      const start = async (overrides: Parameters<typeof input>[0] = {}) => {
        const { state } = await app.initiate(input(overrides), operator);
        ids.push(state.transactionId);
        return state.transactionId;
      };
      await start({ amountMinor: 404 }); // initiated, failed, retry_scheduled ... permanently_failed (timers)
      settled = await start();
      await app.confirm(settled, operator); // escrow_held, completed
      await app.runSettlement({ settlementDate: await dayAfter() }); // settled
      const voided = await start();
      await app.refund(voided, 'changed my mind', operator); // refunded (the hold voided)
      const disputed = await start();
      await app.confirm(disputed, operator);
      await app.openDispute(disputed, 'not received', operator); // dispute_opened
      await app.resolveDispute(disputed, 'WON', admin); // dispute_resolved
      const overridden = await start();
      await app.override(overridden, 'COMPLETED', 'confirmed by the bank', admin); // overridden
      const refunded = await start({ simulation: { webhook: { delayMs: 1000 } } });
      const refundFails = await start({ amountMinor: 777, simulation: { webhook: { delayMs: 1000 } } });
      await app.clock.advance({ ms: 2000 }); // both completed by the gateway's webhook (webhook intake)
      await app.refund(refunded, 'returned', operator);
      await app.refund(refundFails, 'returned', operator);
      await app.clock.advance({ ms: 10 * 60_000 }); // retries run out; the refund outcomes arrive

      expected = (await Promise.all(ids.map(deliveryEvents))).flat();
      await waitFor(
        async () => new Set(receiver.on('/all').map((entry) => entry.json.id)),
        (seen) => expected.every((event) => seen.has(event.eventId)),
      );
      const completedCount = expected.filter((event) => event.type === 'transaction.completed').length;
      await waitFor(
        async () => countsOf('/completed').size,
        (count) => count >= completedCount,
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more arrives
    });
    afterAll(async () => {
      await fixture.app.webhookEndpoints.delete(all.id, admin);
      await fixture.app.webhookEndpoints.delete(completedOnly.id, admin);
    });

    it.each(endpointEventTypes)('%s: delivered once to each endpoint that selects it, and to no other', (type) => {
      const ofType = expected.filter((event) => event.type === type);
      expect(ofType.length).toBeGreaterThan(0);
      const toAll = countsOf('/all');
      const toCompleted = countsOf('/completed');
      for (const event of ofType) {
        expect(toAll.get(event.eventId), event.eventId).toBe(1);
        expect(toCompleted.get(event.eventId), event.eventId).toBe(type === 'transaction.completed' ? 1 : undefined);
      }
    });

    it('signed with the shown secret, with the transaction as of the event, its previous status and one trace per transaction', () => {
      expect(countsOf('/all').size).toBe(expected.length);
      for (const entry of receiver.on('/all').filter((item) => ours().has(item.json.id))) {
        expect(() =>
          verifyWebhookSignature(all.secret, entry.body, entry.headers['tracktrove-signature'] as string, nowSeconds()),
        ).not.toThrow();
        expect(entry.headers['user-agent']).toBe('TrackTrove-Webhooks/1');
        expect(entry.headers['tracktrove-event-id']).toBe(entry.json.id);
        expect(entry.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      }
      const completedBody = receiver
        .on('/all')
        .find((entry) => entry.json.transactionId === settled && entry.json.type === 'transaction.completed')!;
      expect(completedBody.json).toMatchObject({
        previousStatus: 'ESCROW',
        data: { transaction: { id: settled, status: 'COMPLETED', version: 3 } },
      });
      expect(completedBody.json.position).toBe(completedBody.json.data.transaction.position);
      const traces = new Set(
        receiver
          .on('/all')
          .filter((entry) => entry.json.transactionId === settled)
          .map((entry) => String(entry.headers.traceparent).slice(3, 35)),
      );
      expect(traces.size).toBe(1);
    });

    it('records each delivery with its attempt', async () => {
      const log = await deliveriesOf(all.id);
      const mine = log.filter((delivery) => ids.includes(delivery.transactionId));
      expect(mine).toHaveLength(expected.length);
      expect(mine.every((delivery) => delivery.status === 'delivered' && delivery.attemptCount === 1)).toBe(true);
      const sample = mine[0]!;
      expect(sample.attempts[0]).toMatchObject({ attempt: 1, status: 200, responseBody: 'ok', error: null, nextAttemptAt: null });
      expect(sample.attempts[0]!.request.headers['TrackTrove-Delivery-Id']).toBe(sample.id);
      expect(sample.attempts[0]!.request.headers.traceparent).toBe(sample.traceparent);
      expect(sample.attempts[0]!.request.body).toBe(receiver.on('/all').find((entry) => entry.json.id === sample.eventId)!.body);
    });
  });

  it('injects drops, duplicates, delays and reorders as seeded, records them, and the receiver sees exactly those', async () => {
    const { app } = fixture;
    // A minute's delay: the sandbox clock also moves with the wall clock, and a slow machine must not reach it by itself.
    const failures = { dropRate: 0.3, duplicateRate: 0.3, delayMs: 60_000, reorder: true, slowRate: 0 };
    // Only these two: advancing the clock past the holds' expiry makes more events, not delivered here.
    const eventTypes = ['transaction.initiated' as const, 'transaction.escrow_held' as const];
    const endpoint = await app.webhookEndpoints.create({ url: `${receiver.baseUrl}/faulty`, failures, eventTypes }, admin);
    const ids: string[] = [];
    for (let index = 0; index < 40; index += 1) ids.push((await app.initiate(input(), operator)).state.transactionId);
    const expected = new Map<string, { transactionId: string; version: number }>();
    for (const id of ids)
      for (const event of await deliveryEvents(id)) expected.set(event.eventId, { transactionId: id, version: event.version });
    expect(expected.size).toBe(80);
    const originalsPlanned = (items: EndpointDeliveryView[]) =>
      items.filter(
        (delivery) => delivery.injected.duplicateOf === null && (delivery.status === 'dropped' || delivery.injected.delayMs > 0),
      );
    await waitFor(
      () => deliveriesOf(endpoint.id),
      (items) => originalsPlanned(items).length === 80,
    );
    // Every delivery waits at least its delay on the sandbox clock: nothing has been sent yet.
    expect(receiver.on('/faulty')).toHaveLength(0);

    const log = await deliveriesOf(endpoint.id);
    const originals = log.filter((delivery) => delivery.injected.duplicateOf === null);
    for (const delivery of originals) {
      const event = expected.get(delivery.eventId)!;
      const plan = planFaults({ seed: 42, transactionId: event.transactionId, endpointId: endpoint.id, eventKey: event.version }, failures);
      expect(delivery.injected).toEqual({ dropped: plan.dropped, duplicateOf: null, delayMs: plan.delayMs, reordered: true, slow: false });
      const copies = log.filter((other) => other.injected.duplicateOf === delivery.id);
      expect(copies).toHaveLength(plan.duplicate ? 1 : 0);
      if (plan.duplicate) expect(copies[0]).toMatchObject({ eventId: delivery.eventId, injected: { delayMs: plan.duplicateDelayMs } });
    }
    const share = (count: number) => count / originals.length;
    expect(share(originals.filter((delivery) => delivery.injected.dropped).length)).toBeGreaterThan(0.1);
    expect(share(originals.filter((delivery) => delivery.injected.dropped).length)).toBeLessThan(0.5);
    expect(share(log.length - originals.length)).toBeGreaterThan(0.1);
    expect(share(log.length - originals.length)).toBeLessThan(0.5);

    await app.clock.advance({ ms: 190_000 }); // past the longest delay: 60 s + a reorder of at most 121 s + 200 ms
    const sent = log.filter((delivery) => delivery.status !== 'dropped');
    await waitFor(
      async () => receiver.on('/faulty').length,
      (count) => count >= sent.length,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const received = receiver.on('/faulty');
    expect(received).toHaveLength(sent.length);
    for (const [eventId] of expected) {
      const times = received.filter((entry) => entry.json.id === eventId).length;
      const copies = log.filter((delivery) => delivery.eventId === eventId && delivery.status !== 'dropped').length;
      expect(times, eventId).toBe(copies);
    }
    // Reordered: some transaction's escrow_held arrived before its initiated.
    const outOfOrder = ids.filter((id) => {
      const order = received.filter((entry) => entry.json.transactionId === id).map((entry) => entry.json.type);
      return (
        order.indexOf('transaction.escrow_held') !== -1 && order.indexOf('transaction.escrow_held') < order.indexOf('transaction.initiated')
      );
    });
    expect(outOfOrder.length).toBeGreaterThan(0);

    // Faults are decided once: a dropped delivery redelivered is sent, and still says it was dropped.
    const dropped = log.find((delivery) => delivery.status === 'dropped')!;
    const receivedBefore = receiver.on('/faulty').filter((entry) => entry.json.id === dropped.eventId).length;
    expect(await app.endpointDeliveries.redeliver(dropped.id)).toMatchObject({ status: 'scheduled', injected: { dropped: true } });
    await waitFor(
      () => app.endpointDeliveries.get(dropped.id),
      (delivery) => delivery.status === 'delivered',
    );
    expect(receiver.on('/faulty').filter((entry) => entry.json.id === dropped.eventId)).toHaveLength(receivedBefore + 1);
    await app.webhookEndpoints.delete(endpoint.id, admin);
  });

  it('retries a failing endpoint with backoff on the sandbox clock, stops at 8 attempts, and redelivers on request', async () => {
    const { app } = fixture;
    receiver.script('/down', 'error');
    const endpoint = await app.webhookEndpoints.create({ url: `${receiver.baseUrl}/down`, eventTypes: ['transaction.initiated'] }, admin);
    const since = (await app.clock.now()).toISOString();
    const { state } = await app.initiate(input(), operator);
    const deliveryOf = async () =>
      (await app.endpointDeliveries.list({ endpointId: endpoint.id, transactionId: state.transactionId })).items[0];
    let delivery = await waitFor(deliveryOf, (found) => (found?.attemptCount ?? 0) >= 1);
    expect(delivery).toMatchObject({ status: 'retrying' });
    expect(delivery!.attempts[0]).toMatchObject({ status: 500, responseBody: 'boom', error: null });

    // The sandbox clock moves with the wall clock too: the first retries (0.5 to 2 s away) may come
    // by themselves; advancing it brings each one at once, however long its backoff.
    while (delivery!.attemptCount < 8) {
      const last = delivery!.attempts.at(-1)!;
      const dueInMs = new Date(last.nextAttemptAt!).getTime() - (await app.clock.now()).getTime();
      if (last.attempt >= 4) {
        // Four seconds or more away: nothing comes before the clock is moved.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect((await deliveryOf())!.attemptCount).toBe(last.attempt);
      }
      if (dueInMs > 0) await app.clock.advance({ ms: dueInMs + 1 });
      delivery = await waitFor(deliveryOf, (found) => found!.attemptCount > last.attempt);
    }
    const attempts = delivery!.attempts;
    expect(attempts.map((entry) => entry.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const [index, entry] of attempts.slice(0, 7).entries()) {
      const waitedMs = new Date(entry.nextAttemptAt!).getTime() - new Date(entry.at).getTime();
      const stepMs = 1000 * 2 ** index;
      expect(waitedMs).toBeGreaterThanOrEqual(stepMs / 2);
      expect(waitedMs).toBeLessThanOrEqual(stepMs);
      // Never before it was due (sandbox time).
      expect(new Date(attempts[index + 1]!.at).getTime()).toBeGreaterThanOrEqual(new Date(entry.nextAttemptAt!).getTime());
      expect(entry).toMatchObject({ status: 500, responseBody: 'boom' });
    }
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: 8, nextAttemptAt: null });
    expect(delivery!.attempts.at(-1)!.nextAttemptAt).toBeNull();
    await app.clock.advance({ ms: 3_600_000 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await deliveryOf())!.attemptCount).toBe(8);

    receiver.script('/down', 'ok');
    expect(await app.webhookEndpoints.redeliverFailed(endpoint.id, since)).toBe(1);
    delivery = await waitFor(deliveryOf, (found) => found!.status === 'delivered');
    expect(delivery).toMatchObject({ attemptCount: 9 });
    expect(delivery!.attempts.at(-1)).toMatchObject({ attempt: 9, status: 200 });
    expect(await app.webhookEndpoints.redeliverFailed(endpoint.id, since)).toBe(0);

    const again = await app.endpointDeliveries.redeliver(delivery!.id);
    expect(again.status).toBe('retrying');
    delivery = await waitFor(deliveryOf, (found) => found!.attemptCount === 10);
    expect(delivery).toMatchObject({ status: 'delivered' });
    expect(receiver.on('/down').filter((entry) => entry.json.transactionId === state.transactionId)).toHaveLength(10);
    await app.webhookEndpoints.delete(endpoint.id, admin);
  });

  it('records a timeout, a dropped connection and a slow body, and retries the failures', async () => {
    const { app } = fixture;
    receiver.script('/slow', 'slow');
    receiver.script('/drop', 'drop');
    const only = { eventTypes: ['transaction.initiated' as const] };
    const slow = await app.webhookEndpoints.create({ url: `${receiver.baseUrl}/slow`, ...only }, admin);
    const dropping = await app.webhookEndpoints.create({ url: `${receiver.baseUrl}/drop`, ...only }, admin);
    const slowBody = await app.webhookEndpoints.create({ url: `${receiver.baseUrl}/slow-body`, ...only, failures: { slowRate: 1 } }, admin);
    const { state } = await app.initiate(input(), operator);
    const first = async (endpointId: string) =>
      waitFor(
        async () => (await app.endpointDeliveries.list({ endpointId, transactionId: state.transactionId })).items[0],
        (found) => (found?.attemptCount ?? 0) >= 1,
      );
    expect((await first(slow.id))!.attempts[0]).toMatchObject({
      status: null,
      error: 'timed out after 300 ms',
      nextAttemptAt: expect.any(String),
    });
    expect((await first(dropping.id))!.attempts[0]).toMatchObject({
      status: null,
      error: 'the connection was closed before an answer',
      nextAttemptAt: expect.any(String),
    });
    const slowly = (await first(slowBody.id))!;
    expect(slowly).toMatchObject({ status: 'delivered', injected: { slow: true } });
    expect(slowly.attempts[0]!.latencyMs).toBeGreaterThanOrEqual(140);
    for (const endpoint of [slow, dropping, slowBody]) await app.webhookEndpoints.delete(endpoint.id, admin);
  });

  it('signs with the secret shown on creation; after a rotation only the new secret verifies', async () => {
    const { app } = fixture;
    const created = await app.webhookEndpoints.create({ url: `${receiver.baseUrl}/signed`, eventTypes: ['transaction.initiated'] }, admin);
    expect(created.secretHint).toBe(`…${created.secret.slice(-4)}`);
    expect(JSON.stringify(await app.webhookEndpoints.get(created.id))).not.toContain(created.secret);
    const bodyOf = async (transactionId: string) =>
      (await waitFor(async () => receiver.on('/signed').find((entry) => entry.json.transactionId === transactionId), Boolean))!;
    const before = await bodyOf((await app.initiate(input(), operator)).state.transactionId);
    expect(() =>
      verifyWebhookSignature(created.secret, before.body, before.headers['tracktrove-signature'] as string, nowSeconds()),
    ).not.toThrow();

    const { secret } = await app.webhookEndpoints.rotateSecret(created.id, admin);
    expect(secret).not.toBe(created.secret);
    const after = await bodyOf((await app.initiate(input(), operator)).state.transactionId);
    const header = after.headers['tracktrove-signature'] as string;
    expect(() => verifyWebhookSignature(created.secret, after.body, header, nowSeconds())).toThrow(/does not match/);
    expect(() => verifyWebhookSignature(secret, after.body, header, nowSeconds())).not.toThrow();

    // Changes are events with who made them; no event holds a secret.
    const events = await readStream(fixture.database.db, `endpoint-${created.id}`);
    expect(events.map((event) => event.type)).toEqual(['WebhookEndpointCreated', 'WebhookEndpointSecretRotated']);
    expect(events[1]!.metadata).toMatchObject({ actor: admin });
    for (const event of events) expect(JSON.stringify(event)).not.toMatch(/whsec_/);
    await app.webhookEndpoints.delete(created.id, admin);
  });

  it('a disabled or deleted endpoint gets no new deliveries; its deliveries stay readable', async () => {
    const { app } = fixture;
    const endpoint = await app.webhookEndpoints.create({ url: `${receiver.baseUrl}/off`, eventTypes: ['transaction.initiated'] }, admin);
    const first = (await app.initiate(input(), operator)).state.transactionId;
    await waitFor(
      async () => receiver.on('/off').length,
      (count) => count === 1,
    );
    const disabled = await app.webhookEndpoints.update(endpoint.id, { enabled: false, description: 'paused' }, admin);
    expect(disabled).toMatchObject({ enabled: false, description: 'paused' });
    await app.initiate(input(), operator);
    await app.webhookEndpoints.update(endpoint.id, { enabled: true }, admin);
    const third = (await app.initiate(input(), operator)).state.transactionId;
    await waitFor(
      async () => receiver.on('/off').length,
      (count) => count === 2,
    );
    await app.webhookEndpoints.delete(endpoint.id, admin);
    await app.initiate(input(), operator);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.on('/off').map((entry) => entry.json.transactionId)).toEqual([first, third]);
    expect((await app.endpointDeliveries.list({ endpointId: endpoint.id })).items).toHaveLength(2);
    await expect(app.webhookEndpoints.get(endpoint.id)).rejects.toMatchObject({ code: 'not_found' });
    const events = await readStream(fixture.database.db, `endpoint-${endpoint.id}`);
    expect(events.map((event) => event.type)).toEqual([
      'WebhookEndpointCreated',
      'WebhookEndpointUpdated',
      'WebhookEndpointDisabled',
      'WebhookEndpointEnabled',
      'WebhookEndpointDeleted',
    ]);
  });

  it('refuses a URL outside loopback unless its host is allowed, naming the field, creating nothing', async () => {
    const { app } = fixture;
    const before = await app.webhookEndpoints.list();
    await expect(app.webhookEndpoints.create({ url: 'https://hooks.example.com/x' }, admin)).rejects.toMatchObject({
      code: 'validation_failed',
      errors: [{ path: 'url', message: expect.stringContaining('WEBHOOK_ALLOWED_HOSTS') }],
    });
    await expect(app.webhookEndpoints.create({ url: 'ftp://localhost/x' }, admin)).rejects.toMatchObject({ errors: [{ path: 'url' }] });
    expect(await app.webhookEndpoints.list()).toEqual(before);
    const peer = await fixture.peer({ endpoints: { allowedHosts: ['hooks.example.com'], dispatch: false } });
    const allowed = await peer.webhookEndpoints.create({ url: 'https://hooks.example.com/x' }, admin);
    expect(allowed.url).toBe('https://hooks.example.com/x');
    await peer.webhookEndpoints.delete(allowed.id, admin);
  });
});
