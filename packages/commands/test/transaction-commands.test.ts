import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import {
  appendToStreams,
  createPostgresDatabase,
  eventStoreMigrations,
  migrateToLatest,
  readStream,
  type EventStoreTables,
  type StoreDatabase,
} from '@tracktrove/event-store';
import { defaultSimulation, InvalidTransitionError, type TransactionCommand } from '@tracktrove/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandMigrations,
  ConcurrencyConflictError,
  executeTransactionCommand,
  executeTransactionCommands,
  handleCommand,
  hashRequest,
  IdempotencyKeyReusedError,
  transactionStreamId,
  type CommandTables,
  type Decider,
  type StepContext,
} from '../src/index.ts';

const now = '2026-11-24T10:00:00.000Z';
const context: StepContext = { actor: { role: 'operator', id: 'tester' }, correlationId: 'corr-1' };

function initiate(transactionId: string): TransactionCommand[] {
  return [
    {
      type: 'Initiate',
      transactionId,
      vendorId: randomUUID(),
      payerId: randomUUID(),
      amountMinor: 1250,
      currency: 'INR',
      channel: 'WEB',
      kind: 'TIP',
      payload: { note: 'thanks' },
      serviceContext: null,
      simulation: defaultSimulation,
      now,
    },
    { type: 'RecordAuthorization', outcome: 'authorized', holdId: randomUUID(), expiresAt: '2026-11-24T10:00:30.000Z', now },
  ];
}

describe('transaction command handling on PostgreSQL', () => {
  let testDatabase: TestDatabase;
  let database: StoreDatabase;
  /** The connection with the tables this suite migrates. */
  let db: Kysely<EventStoreTables & CommandTables>;
  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = createPostgresDatabase({ connectionString: testDatabase.url, poolSize: 30 });
    db = database.db.withTables<CommandTables>();
    await migrateToLatest(database.db, { ...eventStoreMigrations, ...commandMigrations });
  });
  afterAll(async () => {
    await database.close();
    await testDatabase.drop();
  });

  const events = async (transactionId: string) =>
    (await readStream(database.db, transactionStreamId(transactionId))).map((event) => event.type);

  it('loads, decides and appends with the step trace in the metadata', async () => {
    const id = randomUUID();
    const result = await executeTransactionCommand(db, { transactionId: id, command: initiate(id), context });
    expect(result).toMatchObject({ version: 2, replayed: false, state: { status: 'ESCROW', amountMinor: 1250 } });
    expect(result.position).toBe(result.appended[1]!.position);
    const stored = await readStream(database.db, transactionStreamId(id));
    expect(stored.map((event) => event.type)).toEqual(['TransactionInitiated', 'EscrowHoldPlaced']);
    expect(stored[0]!.schemaVersion).toBe(2);
    expect(stored[1]!.metadata).toMatchObject({
      actor: { role: 'operator', id: 'tester' },
      correlationId: 'corr-1',
      step: 'EscrowHoldPlaced',
      service: 'gateway',
      dtoBefore: expect.objectContaining({ status: 'INITIATED' }),
      dtoAfter: expect.objectContaining({ status: 'ESCROW' }),
    });
  });

  it('rejects an invalid transition and appends nothing', async () => {
    const id = randomUUID();
    await executeTransactionCommand(db, { transactionId: id, command: initiate(id), context });
    await expect(
      executeTransactionCommand(db, { transactionId: id, command: { type: 'ResolveDispute', outcome: 'WON', now }, context }),
    ).rejects.toBeInstanceOf(InvalidTransitionError);
    expect(await events(id)).toHaveLength(2);
  });

  it('answers If-Match with the wrong version by VersionMismatchError, without retrying', async () => {
    const id = randomUUID();
    await executeTransactionCommand(db, { transactionId: id, command: initiate(id), context });
    await expect(
      executeTransactionCommand(db, { transactionId: id, command: { type: 'ConfirmPayment', now }, context, expectedVersion: 1 }),
    ).rejects.toMatchObject({ name: 'VersionMismatchError', expectedVersion: 1, actualVersion: 2 });
    const confirmed = await executeTransactionCommand(db, {
      transactionId: id,
      command: { type: 'ConfirmPayment', now },
      context,
      expectedVersion: 2,
    });
    expect(confirmed.state.status).toBe('COMPLETED');
  });

  it('retries concurrent commands on the new state: ten confirmations post the hold once', async () => {
    const id = randomUUID();
    await executeTransactionCommand(db, { transactionId: id, command: initiate(id), context });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        executeTransactionCommand(db, { transactionId: id, command: { type: 'ConfirmPayment', now }, context }),
      ),
    );
    expect(results.every((result) => result.state.status === 'COMPLETED')).toBe(true);
    expect((await events(id)).filter((type) => type === 'EscrowHoldPosted')).toHaveLength(1);
  });

  it('decides again after a concurrent append, and reports a conflict when it loses every attempt', async () => {
    type Counter = { count: number };
    const decider: Decider<'add', { type: 'Added' }, Counter> = {
      decide: () => [{ type: 'Added' }],
      evolve: (state) => ({ count: state.count + 1 }),
      initialState: () => ({ count: 0 }),
    };
    const streamId = `counter-${randomUUID()}`;
    let interferencesLeft = 1;
    let seenStates: number[] = [];
    const interfering = (maxAttempts: number) =>
      handleCommand(db, {
        decider: {
          ...decider,
          decide: (command: 'add', state: { count: number }) => {
            seenStates.push(state.count);
            return decider.decide(command, state);
          },
        },
        streamId,
        maxAttempts,
        command: 'add' as const,
        fromStored: () => ({ type: 'Added' }),
        toStoreEvents: (steps) => steps.map(() => ({ type: 'Added', data: {} })),
        beforeAppend: async () => {
          if (interferencesLeft <= 0) return;
          interferencesLeft -= 1;
          await appendToStreams(database.db, [{ streamId, events: [{ type: 'Added', data: { by: 'someone else' } }] }]);
        },
      });
    const retried = await interfering(3);
    expect(seenStates).toEqual([0, 1]);
    expect(retried.version).toBe(2);
    interferencesLeft = 5;
    seenStates = [];
    await expect(interfering(3)).rejects.toBeInstanceOf(ConcurrencyConflictError);
    expect(seenStates).toEqual([2, 3, 4]);
  });

  it('replays the stored result for the same idempotency key, and refuses the key for another request', async () => {
    const id = randomUUID();
    await executeTransactionCommand(db, { transactionId: id, command: initiate(id), context });
    const body = { reason: 'customer asked', refundId: 'r-1' };
    const request = (reason: string) => ({
      transactionId: id,
      command: { type: 'RequestRefund', refundId: 'r-1', reason, now } as TransactionCommand,
      context,
      idempotency: { key: `refund-${id}`, requestHash: hashRequest({ ...body, reason }) },
    });
    const [first, second] = await Promise.all([
      executeTransactionCommand(db, request(body.reason)),
      executeTransactionCommand(db, request(body.reason)),
    ]);
    const replay = [first, second].find((result) => result.replayed)!;
    const original = [first, second].find((result) => !result.replayed)!;
    expect(original).toBeDefined();
    expect(replay).toBeDefined();
    expect(replay.version).toBe(original.version);
    expect(replay.position).toBe(original.position);
    expect(replay.state.status).toBe('REFUNDED');
    expect(await events(id)).toEqual(['TransactionInitiated', 'EscrowHoldPlaced', 'EscrowHoldVoided']);
    await expect(executeTransactionCommand(db, request('another reason'))).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await events(id)).toHaveLength(3);
  });
  it('runs a batch: one read, one atomic append over several streams, deciding nothing where the command says so', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) await executeTransactionCommand(db, { transactionId: id, command: initiate(id), context });
    const expire = (state: { hold: { holdId: string; state: string } | null; transactionId: string }): TransactionCommand[] =>
      state.transactionId === ids[2] || !state.hold
        ? []
        : [{ type: 'ExpireHold', holdId: state.hold.holdId, now: '2026-11-24T10:00:31.000Z' }];
    const batch = await executeTransactionCommands(
      db,
      ids.map((id) => ({ transactionId: id, command: expire, context })),
      {
        alongside: (transitions) => {
          expect(transitions.map((transition) => transition.index)).toEqual([0, 1]);
          return null;
        },
      },
    );
    expect(batch.results.map((result) => result.appended.length)).toEqual([1, 1, 0]);
    expect(batch.results.map((result) => result.version)).toEqual([3, 3, 2]);
    expect(batch.results[0]!.state.hold?.state).toBe('posted');
    expect(await events(ids[0]!)).toEqual(['TransactionInitiated', 'EscrowHoldPlaced', 'EscrowHoldPosted']);
    expect(await events(ids[2]!)).toEqual(['TransactionInitiated', 'EscrowHoldPlaced']);
    // Both appends carry one transaction's positions: the batch is one append.
    expect(batch.results[0]!.position!.split('-')[0]).toBe(batch.results[1]!.position!.split('-')[0]);
  });

  it('decides a batch again when a concurrent writer moved one of its streams, and rejects two commands on one stream', async () => {
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) await executeTransactionCommand(db, { transactionId: id, command: initiate(id), context });
    const decidedOn: number[] = [];
    const refund = (state: { version: number; refund: unknown }): TransactionCommand[] => {
      decidedOn.push(state.version);
      return state.refund ? [] : [{ type: 'RequestRefund', refundId: randomUUID(), reason: 'batch', now }];
    };
    let raced = false;
    // Between the batch's first decision and its append, another writer refunds ids[1].
    const beforeAppend = async () => {
      if (raced) return;
      raced = true;
      await executeTransactionCommand(db, {
        transactionId: ids[1]!,
        command: { type: 'RequestRefund', refundId: randomUUID(), reason: 'racer', now },
        context,
      });
    };
    const batch = await executeTransactionCommands(
      db,
      ids.map((id, index) => ({ transactionId: id, command: refund, context, ...(index === 0 ? { beforeAppend } : {}) })),
    );
    expect(decidedOn).toEqual([2, 2, 2, 3]);
    expect(batch.results.map((result) => result.appended.length)).toEqual([1, 0]);
    const refunds = (await Promise.all(ids.map(events))).map((types) => types.filter((type) => type === 'EscrowHoldVoided').length);
    expect(refunds).toEqual([1, 1]);
    await expect(
      executeTransactionCommands(
        db,
        [ids[0]!, ids[0]!].map((id) => ({ transactionId: id, command: refund, context })),
      ),
    ).rejects.toThrow(/one command per stream/);
  });
});
