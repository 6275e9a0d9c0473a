import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import {
  appendToStreams,
  createPostgresDatabase,
  eventStoreMigrations,
  migrateToLatest,
  type EventStoreTables,
  type StoreDatabase,
} from '@tracktrove/event-store';
import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import { timerMigrations, type TimerTables } from '@tracktrove/timers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimDueDeliveries,
  createEndpoint,
  endpointMigrations,
  redeliverFailedSince,
  updateEndpoint,
  type EndpointChangeContext,
  type EndpointTables,
} from '../src/index.ts';

/** The planning trigger and the queue's claims, on PostgreSQL, without the application. */
describe('endpoint deliveries: planning in the append statement, claims under a lease', () => {
  let testDatabase: TestDatabase;
  let database: StoreDatabase;
  let db: Kysely<EventStoreTables & TimerTables & EndpointTables>;
  const context = (): EndpointChangeContext => ({
    actor: { role: 'admin', id: 'tester' },
    correlationId: randomUUID(),
    now: new Date(),
    allowedHosts: [],
  });
  const append = async (streamId: string, types: string[]) =>
    appendToStreams(database.db, [{ streamId, expectedVersion: 'any', events: types.map((type) => ({ type, data: {}, metadata: {} })) }]);
  const deliveriesOf = async (transactionId: string) =>
    (
      await sql<{ endpoint_id: string; type: string; status: string }>`
        select endpoint_id, type, status from tt_endpoint_deliveries where transaction_id = ${transactionId} order by stream_version, endpoint_id`.execute(
        db,
      )
    ).rows;

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = createPostgresDatabase({ connectionString: testDatabase.url, poolSize: 4 });
    db = database.db.withTables<TimerTables & EndpointTables>();
    await migrateToLatest(database.db, { ...eventStoreMigrations, ...timerMigrations, ...endpointMigrations });
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  it('plans one delivery per enabled endpoint taking the type, in the statement that appends the event', async () => {
    const noEndpointYet = randomUUID();
    await append(`txn-${noEndpointYet}`, ['TransactionInitiated']);
    expect(await deliveriesOf(noEndpointYet)).toEqual([]);

    const every = await createEndpoint(db, { url: 'http://localhost:1/a' }, context());
    const completedOnly = await createEndpoint(db, { url: 'http://localhost:1/b', eventTypes: ['transaction.completed'] }, context());
    const paused = await createEndpoint(db, { url: 'http://localhost:1/c' }, context());
    await updateEndpoint(db, paused.id, { enabled: false }, context());

    const id = randomUUID();
    await append(`txn-${id}`, ['TransactionInitiated', 'EscrowHoldPlaced', 'EscrowHoldPosted', 'RefundRequested']);
    await append(`webhook-${id}`, ['TransactionInitiated']); // not a transaction's stream
    const fromOtherStreams = await sql<{ n: string }>`
      select count(*) as n from tt_endpoint_deliveries d join tt_events e on e.event_id = d.event_id where e.stream_id not like 'txn-%'`.execute(
      db,
    );
    expect(Number(fromOtherStreams.rows[0]!.n)).toBe(0);
    const planned = await deliveriesOf(id);
    expect(planned).toEqual([
      { endpoint_id: every.id, type: 'transaction.initiated', status: 'scheduled' },
      { endpoint_id: every.id, type: 'transaction.escrow_held', status: 'scheduled' },
      ...[
        { endpoint_id: every.id, type: 'transaction.completed', status: 'scheduled' },
        { endpoint_id: completedOnly.id, type: 'transaction.completed', status: 'scheduled' },
      ].sort((a, b) => a.endpoint_id.localeCompare(b.endpoint_id)),
    ]);

    // An append that fails plans nothing: the deliveries commit with their events or not at all.
    const failing = randomUUID();
    await expect(
      appendToStreams(database.db, [
        { streamId: `txn-${failing}`, expectedVersion: 'no_stream', events: [{ type: 'TransactionInitiated', data: {}, metadata: {} }] },
        { streamId: `txn-${id}`, expectedVersion: 1, events: [{ type: 'EscrowHoldPosted', data: {}, metadata: {} }] },
      ]),
    ).rejects.toThrow();
    expect(await deliveriesOf(failing)).toEqual([]);
  });

  it('claims due deliveries once until their lease runs out, and not before they are due', async () => {
    await sql`update tt_endpoint_deliveries set status = 'delivered'`.execute(db);
    const id = randomUUID();
    await append(`txn-${id}`, ['TransactionSettled']);
    const { rows } = await sql<{ n: string }>`select count(*) as n from tt_endpoint_deliveries where transaction_id = ${id}`.execute(db);
    const due = Number(rows[0]!.n);
    expect(due).toBeGreaterThan(0);

    expect(await claimDueDeliveries(db, { now: new Date(Date.now() - 60_000), count: 10, leaseMs: 60_000 })).toEqual([]);
    const first = await claimDueDeliveries(db, { now: new Date(Date.now() + 1000), count: 10, leaseMs: 300 });
    expect(first).toHaveLength(due);
    expect(first[0]!.endpoint).toMatchObject({ enabled: true, secret: expect.stringMatching(/^whsec_/) });
    expect(await claimDueDeliveries(db, { now: new Date(Date.now() + 1000), count: 10, leaseMs: 300 })).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await claimDueDeliveries(db, { now: new Date(Date.now() + 1000), count: 10, leaseMs: 60_000 })).toHaveLength(due);
  });

  it('redelivers the failed deliveries of an endpoint created since a time, once each', async () => {
    const endpoint = await createEndpoint(db, { url: 'http://localhost:1/failed', eventTypes: ['transaction.dispute_opened'] }, context());
    const id = randomUUID();
    await append(`txn-${id}`, ['DisputeOpened']);
    await sql`update tt_endpoint_deliveries set status = 'failed', attempts = 8 where endpoint_id = ${endpoint.id}::uuid`.execute(db);
    expect(await redeliverFailedSince(db, endpoint.id, new Date(Date.now() + 60_000).toISOString(), new Date())).toBe(0);
    expect(await redeliverFailedSince(db, endpoint.id, new Date(Date.now() - 60_000).toISOString(), new Date())).toBe(1);
    const { rows } = await sql<{ status: string; max_attempts: number }>`
      select status, max_attempts from tt_endpoint_deliveries where endpoint_id = ${endpoint.id}::uuid`.execute(db);
    expect(rows).toEqual([{ status: 'retrying', max_attempts: 9 }]);
    expect(await redeliverFailedSince(db, endpoint.id, new Date(Date.now() - 60_000).toISOString(), new Date())).toBe(0);
  });
});
