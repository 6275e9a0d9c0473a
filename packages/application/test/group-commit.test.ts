import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { ConcurrencyConflictError, loadTransaction } from '@tracktrove/commands';
import { ValidationError } from '@tracktrove/domain';
import { signWebhook, type WebhookTransport } from '@tracktrove/simulator';
import { listTimers } from '@tracktrove/timers';
import { testRedisUrl } from '@tracktrove/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandBatchLimits } from '../src/track-trove.ts';
import { input, inspect, openFixture, operator, secret, waitFor, type Fixture } from './fixture.ts';
import { trackTroveDb } from '../src/index.ts';

describe('commands written together (PostgreSQL + Redis)', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await openFixture({
      redisUrl: testRedisUrl(),
      timers: { redisKeyPrefix: `tt-${randomUUID()}:`, dailySettlement: false },
      // Retries 30-60 s of sandbox time after a decline: only the tests' clock moves fire them.
      defaults: {
        escrowTtlMs: 30_000,
        maxRetries: 3,
        retryBaseDelayMs: 60_000,
        retryMaxDelayMs: 120_000,
        amountLimits: { minMinor: 100, maxMinor: 50_000 },
      },
    });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('commits concurrent initiates in shared appends, each with its own events and effects, and rejects only the invalid one', async () => {
    const { app, database } = fixture;
    const count = 60;
    const outcomes = await Promise.allSettled(
      Array.from({ length: count }, (_, index) =>
        app.initiate(input(index === 7 ? { vendorId: '' } : { amountMinor: index % 5 === 0 ? 404 : 1250 + index }), operator),
      ),
    );
    const rejected = outcomes.flatMap((outcome, index) =>
      outcome.status === 'rejected' ? [{ index, reason: outcome.reason as unknown }] : [],
    );
    expect(rejected.map((entry) => entry.index)).toEqual([7]);
    expect(rejected[0]!.reason).toBeInstanceOf(ValidationError);

    const results = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    expect(new Set(results.map((result) => result.state.transactionId)).size).toBe(count - 1);
    // Fewer appends than commands: the initiates were grouped (one log transaction per append).
    const appends = new Set(results.map((result) => result.position!.split('-')[0]));
    expect(appends.size).toBeLessThan(count - 1);
    expect(
      Math.max(...[...appends].map((txId) => results.filter((result) => result.position!.startsWith(`${txId}-`)).length)),
    ).toBeLessThanOrEqual(commandBatchLimits.maxBatch);

    for (const result of results) {
      const id = result.state.transactionId;
      expect(await loadTransaction(database.db, id, result.version)).toEqual(result.state);
      expect(result.appended.map((event) => event.version)).toEqual(Array.from({ length: result.version }, (_, index) => index + 1));
      expect(result.appended.every((event) => event.streamId === `txn-${id}`)).toBe(true);
      expect((await inspect(database, id)).violations).toEqual([]);
      // Each command's effects: a hold-expiry timer and its confirmation webhook, or a retry after a decline.
      const timers = await listTimers(trackTroveDb(database), { transactionId: id });
      if (result.state.status === 'ESCROW') {
        expect(
          timers
            .filter((timer) => timer.state === 'pending')
            .map((timer) => timer.kind)
            .sort(),
        ).toEqual(['hold_expiry', 'webhook_delivery']);
      } else {
        expect(result.state.status).toBe('RETRY_PENDING');
        expect(timers.some((timer) => timer.kind === 'retry')).toBe(true);
      }
    }
    const escrow = results.filter((result) => result.state.status === 'ESCROW');
    for (const result of escrow) expect((await app.listDeliveries({ transactionId: result.state.transactionId })).items).toHaveLength(1);
    expect(await app.pendingHolds()).toBe(escrow.length);
  });

  it('fails only the command the database refuses, not the others of its batch', async () => {
    const { app, database } = fixture;
    const count = 40;
    // jsonb cannot hold a NUL: the append of any batch holding this initiate fails.
    const unstorable = 17;
    const outcomes = await Promise.allSettled(
      Array.from({ length: count }, (_, index) =>
        app.initiate(input(index === unstorable ? { payload: { note: 'nul \u0000 here' } } : {}), operator),
      ),
    );
    expect(outcomes.map((outcome, index) => (outcome.status === 'rejected' ? index : -1)).filter((index) => index >= 0)).toEqual([
      unstorable,
    ]);
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled')
        expect(await loadTransaction(database.db, outcome.value.state.transactionId)).toEqual(outcome.value.state);
    }
  });

  it('fails only the command whose transaction keeps conflicting, not the others of its round', async () => {
    const { app, database } = fixture;
    const hot = (await app.initiate(input(), operator)).state.transactionId;
    // Every write to the hot transaction's stream finds it moved on, as under a writer that never
    // stops: its stream row refuses every update, so each append to it conflicts.
    await sql`create function tt_test_refuse_hot() returns trigger language plpgsql as $fn$
      begin if old.stream_id = ${sql.lit(`txn-${hot}`)} then return null; end if; return new; end $fn$`.execute(database.db);
    await sql`create trigger tt_test_refuse_hot before update on tt_streams for each row execute function tt_test_refuse_hot()`.execute(
      database.db,
    );
    try {
      const count = 40;
      const hotIndex = 17;
      const outcomes = await Promise.allSettled(
        Array.from({ length: count }, (_, index) =>
          index === hotIndex ? app.refund(hot, 'customer asked', operator) : app.initiate(input(), operator),
        ),
      );
      expect(outcomes.map((outcome, index) => (outcome.status === 'rejected' ? index : -1)).filter((index) => index >= 0)).toEqual([
        hotIndex,
      ]);
      expect((outcomes[hotIndex] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyConflictError);
      const initiated = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      for (const result of initiated) expect(await loadTransaction(database.db, result.state.transactionId)).toEqual(result.state);
    } finally {
      await sql`drop trigger tt_test_refuse_hot on tt_streams`.execute(database.db);
      await sql`drop function tt_test_refuse_hot()`.execute(database.db);
    }
    expect((await loadTransaction(database.db, hot))!.status).toBe('ESCROW');
  });

  it('receives concurrent webhooks together: each id once, two of one transaction in turn, an unknown transaction alone refused', async () => {
    const { app, database } = fixture;
    const created = await Promise.all(Array.from({ length: 30 }, () => app.initiate(input(), operator)));
    const ids = created.map((result) => result.state.transactionId);
    const webhook = (transactionId: string, type = 'payment.confirmed', id = `evt_${randomUUID()}`) => {
      const rawBody = JSON.stringify({ id, type, transactionId, createdAt: new Date().toISOString() });
      return { id, rawBody, signatureHeader: signWebhook(secret, rawBody, Math.floor(Date.now() / 1000)) };
    };
    const confirmations = ids.map((id) => webhook(id));
    const unknown = webhook(randomUUID());
    const informational = webhook(ids[1]!, 'payment.failed');
    const sent = [...confirmations, confirmations[0]!, unknown, informational, webhook(ids[2]!)];
    const outcomes = await Promise.allSettled(sent.map(({ rawBody, signatureHeader }) => app.receiveWebhook({ rawBody, signatureHeader })));
    const value = (index: number) => {
      const outcome = outcomes[index]!;
      if (outcome.status === 'rejected') throw new Error(`webhook ${index} failed: ${String(outcome.reason)}`);
      return outcome.value;
    };

    // Every confirmation applied once; the same id sent again is a duplicate, whichever came first.
    const first = [value(0), value(30)].map((result) => result.outcome).sort();
    expect(first).toEqual(['duplicate', 'processed']);
    for (let index = 1; index < 30; index += 1) expect(value(index).outcome).toBe('processed');
    // Grouped: fewer log transactions than confirmations.
    const processed = Array.from({ length: 30 }, (_, index) => value(index)).filter((result) => result.outcome === 'processed');
    expect(new Set(processed.map((result) => result.position!.split('-')[0])).size).toBeLessThan(processed.length);
    expect(outcomes[31]).toMatchObject({ status: 'rejected', reason: { code: 'not_found' } });
    expect(value(32)).toMatchObject({ outcome: 'ignored', note: expect.stringMatching(/informational/) });
    // A second confirmation of a confirmed transaction changes nothing.
    expect(value(33)).toMatchObject({ outcome: 'ignored' });

    for (const id of ids) {
      const { types, state, violations } = await inspect(database, id);
      expect(types).toEqual(['TransactionInitiated', 'EscrowHoldPlaced', 'EscrowHoldPosted']);
      expect(state.status).toBe('COMPLETED');
      expect(violations).toEqual([]);
    }
    const { rows } = await sql<{ webhook_id: string; outcome: string }>`
      select webhook_id, outcome from tt_webhook_receipts where webhook_id = any(${sent.map((entry) => entry.id)}::text[])`.execute(
      database.db,
    );
    const receipts = new Map(rows.map((row) => [row.webhook_id, row.outcome]));
    expect(receipts.size).toBe(sent.length - 2); // the repeated id once; none for the unknown transaction
    expect(receipts.has(unknown.id)).toBe(false);
    expect(receipts.get(informational.id)).toBe('ignored');
    expect(confirmations.every((entry) => receipts.get(entry.id) === 'processed')).toBe(true);
    // The posted holds' expiry timers are cancelled with the confirmations.
    for (const id of ids) {
      const holds = await listTimers(trackTroveDb(database), { transactionId: id, kind: 'hold_expiry' });
      expect(holds.map((timer) => timer.state)).toEqual(['cancelled']);
    }
  });

  it('writes concurrent commands on existing transactions together, two on one transaction in turn', async () => {
    const { app, database } = fixture;
    const created = await Promise.all(Array.from({ length: 20 }, () => app.initiate(input(), operator)));
    const ids = created.map((result) => result.state.transactionId);
    const outcomes = await Promise.allSettled([...ids, ids[0]!].map((id) => app.refund(id, 'customer asked', operator)));
    const results = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as { code?: string }] : []));
    // The first transaction's second refund finds it refunded already.
    expect(results).toHaveLength(20);
    expect(refused.map((error) => error.code)).toEqual(['invalid_transition']);
    expect(new Set(results.map((result) => result.position!.split('-')[0])).size).toBeLessThan(results.length);
    for (const id of ids) {
      const { types, state, violations } = await inspect(database, id);
      expect(types).toEqual(['TransactionInitiated', 'EscrowHoldPlaced', 'EscrowHoldVoided']);
      expect(state.status).toBe('REFUNDED');
      expect(violations).toEqual([]);
    }
  });

  it('fires the due retries of a batch together, each with its attempt and the gateway latency in its trace', async () => {
    const { app, database } = fixture;
    const created = await Promise.all(
      Array.from({ length: 10 }, () => app.initiate(input({ amountMinor: 402, simulation: { escrowTtlMs: 3_600_000 } }), operator)),
    );
    expect(created.every((result) => result.state.status === 'RETRY_PENDING')).toBe(true);
    const ids = created.map((result) => result.state.transactionId);
    // The sandbox clock jumps past every retry (30-60 s away, each with its own jitter) at once, as
    // another process might move it: the sweeper finds them all due and fires them in one claim.
    await sql`update tt_clock set offset_ms = offset_ms + 70000 where id = 1`.execute(database.db);
    await waitFor(
      async () => (await Promise.all(ids.map((id) => inspect(database, id)))).map((inspected) => inspected.state.status),
      (statuses) => statuses.every((status) => status === 'ESCROW'),
    );
    const { rows } = await sql<{
      stream_id: string;
      tx_id: string;
      metadata: { actor: { id: string }; attempt: number; durationMs: number };
    }>`
      select stream_id, tx_id::text as tx_id, metadata from tt_events
       where type = 'EscrowHoldPlaced' and stream_id = any(${ids.map((id) => `txn-${id}`)}::text[])`.execute(database.db);
    expect(rows).toHaveLength(ids.length);
    expect(new Set(rows.map((row) => row.tx_id)).size).toBeLessThan(ids.length);
    for (const row of rows)
      expect(row.metadata).toMatchObject({ actor: { id: 'retry-timer' }, attempt: 2, durationMs: expect.any(Number) });
    for (const id of ids) {
      const { types, state, violations } = await inspect(database, id);
      expect(types).toEqual(['TransactionInitiated', 'AuthorizationDeclined', 'RetryScheduled', 'EscrowHoldPlaced']);
      expect(state.status).toBe('ESCROW');
      expect(violations).toEqual([]);
    }
  });
});

describe('webhook deliveries of one timer batch (PostgreSQL)', () => {
  let fixture: Fixture;
  let receiverUp = true;
  beforeAll(async () => {
    // The receiver is the facade's own, and can be turned down to make deliveries fail.
    const transport: WebhookTransport = async (request) => {
      if (!receiverUp) return { status: 503, body: 'receiver down' };
      const result = await fixture.app.receiveWebhook({ rawBody: request.body, signatureHeader: request.headers['TrackTrove-Signature'] });
      return { status: 200, body: JSON.stringify(result) };
    };
    fixture = await openFixture({ webhookTransport: transport, timers: { dailySettlement: false } });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  const attemptsOf = async (ids: readonly string[]) => {
    const { rows } = await sql<{
      transaction_id: string;
      tx_id: string;
      data: { attempt: number; outcome: string; nextRetryAt: string | null };
    }>`
      select e.data->>'transactionId' as transaction_id, e.tx_id::text as tx_id, e.data from tt_events e
       where e.type = 'WebhookDeliveryAttempted' and e.data->>'transactionId' = any(${[...ids]}::text[])`.execute(fixture.database.db);
    return rows;
  };

  it('sends the due webhooks of a batch and records their attempts together, retries included', async () => {
    const { app, database } = fixture;
    receiverUp = false;
    const created = await Promise.all(
      Array.from({ length: 12 }, () => app.initiate(input({ simulation: { webhook: { delayMs: 1_000 } } }), operator)),
    );
    const ids = created.map((result) => result.state.transactionId);

    await app.clock.advance({ ms: 1_500 });
    const failed = (await attemptsOf(ids)).filter((row) => row.data.attempt === 1);
    expect(failed).toHaveLength(ids.length);
    expect(failed.every((row) => row.data.outcome === 'failed' && row.data.nextRetryAt !== null)).toBe(true);
    // Recorded together: fewer log transactions than attempts.
    expect(new Set(failed.map((row) => row.tx_id)).size).toBeLessThan(ids.length);

    // The retries (seconds apart, so some may fire in real time meanwhile) deliver once the receiver is back.
    receiverUp = true;
    await app.clock.advance({ ms: 60_000 });
    const all = await attemptsOf(ids);
    expect(all.filter((row) => row.data.outcome === 'delivered')).toHaveLength(ids.length);
    for (const id of ids) {
      const { state, violations } = await inspect(database, id);
      expect(state.status).toBe('COMPLETED');
      expect(violations).toEqual([]);
      const [delivery] = (await app.listDeliveries({ transactionId: id })).items;
      expect(delivery!.status).toBe('delivered');
      expect(delivery!.attempts.map((attempt) => attempt.outcome)).toEqual([
        ...Array.from({ length: delivery!.attemptCount - 1 }, () => 'failed'),
        'delivered',
      ]);
    }
  });
});
