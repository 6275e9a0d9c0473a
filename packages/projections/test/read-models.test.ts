import { sql, type Kysely } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import {
  createEventStore,
  createPostgresDatabase,
  eventStoreMigrations,
  migrateToLatest,
  type EventStore,
  type StoreDatabase,
} from '@tracktrove/event-store';
import { foldBalances, type LedgerEntry } from '@tracktrove/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  balancesAsOf,
  balancesViewOf,
  getBalances,
  getTraces,
  getTransaction,
  getTransactionEntries,
  listLedgerEntries,
  listRetryPending,
  listTransactions,
  projectionMigrations,
  readModels,
  startProjectionRuntime,
  transactionAtVersion,
  verifyReadModels,
  type LedgerEntryView,
  type Page,
  type ProjectionDatabase,
  type ProjectionRuntime,
  type ProjectionTables,
  type ReadModelSchemas,
  type TransactionView,
} from '../src/index.ts';
import { applyPatch } from './support/json-patch.ts';
import { appendSimulation, simulateTransactions, type SimulatedTransaction } from './support/simulate.ts';

function entryOf(view: LedgerEntryView): LedgerEntry {
  return {
    entryId: view.id,
    transactionId: view.transactionId,
    version: view.version,
    type: view.type as LedgerEntry['type'],
    debitAccount: view.debitAccount,
    creditAccount: view.creditAccount,
    amountMinor: view.amountMinor,
    currency: view.currency as LedgerEntry['currency'],
    phase: view.phase,
    pendingId: view.pendingId,
    at: view.at,
  };
}

describe('read models on PostgreSQL', () => {
  let testDatabase: TestDatabase;
  let database: StoreDatabase;
  let db: Kysely<ProjectionDatabase>;
  let store: EventStore;
  let runtime: ProjectionRuntime;
  let simulated: SimulatedTransaction[];
  let head: string;

  const schemas = (): ReadModelSchemas => ({
    transactions: runtime.schemaOf('transactions'),
    traces: runtime.schemaOf('traces'),
    ledger: runtime.schemaOf('ledger'),
  });
  const allEntries = async (): Promise<LedgerEntryView[]> => {
    const entries: LedgerEntryView[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<LedgerEntryView> = await listLedgerEntries(db, runtime.schemaOf('ledger'), { limit: 500, cursor });
      entries.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return entries;
  };

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = createPostgresDatabase({ connectionString: testDatabase.url });
    db = database.db.withTables<ProjectionTables>();
    await migrateToLatest(database.db, { ...eventStoreMigrations, ...projectionMigrations });
    store = await createEventStore({ database });
    simulated = simulateTransactions(400, 20250301);
    head = await appendSimulation(store, simulated);
    runtime = await startProjectionRuntime({ store, projections: readModels, batchSize: 250, pollIntervalMs: 50 });
    expect(await runtime.waitForPosition(head, 30_000)).toBe(true);
  });
  afterAll(async () => {
    await runtime?.stop();
    await store?.close();
    await database?.close();
    await testDatabase?.drop();
  });

  it('equal a fresh fold of the log, and the ledger keeps every invariant', async () => {
    const report = await verifyReadModels(store, db, schemas());
    expect(report.differences).toEqual([]);
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    const events = simulated.reduce((sum, transaction) => sum + transaction.steps.flat().length, 0);
    expect(report.checkedEvents).toBe(events);
    expect(report.checkedTransactions).toBe(simulated.length);

    const balances = await getBalances(db, runtime.schemaOf('ledger'));
    for (const totals of Object.values(balances.totals)) {
      expect(totals.debitsPostedMinor).toBe(totals.creditsPostedMinor);
      expect(totals.debitsPendingMinor).toBe(totals.creditsPendingMinor);
    }
    expect(balances).toEqual(balancesViewOf(foldBalances((await allEntries()).map(entryOf)).accounts));
    for (const account of balances.accounts.filter((a) => a.account.startsWith('escrow:')))
      expect(account.balanceMinor).toBeGreaterThanOrEqual(0);
  });

  it('serve transactions as api.md objects, paged newest first with stable cursors', async () => {
    const schema = runtime.schemaOf('transactions');
    const seen: TransactionView[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<TransactionView> = await listTransactions(db, schema, { limit: 37, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((t) => t.id).sort()).toEqual(simulated.map((t) => t.id).sort());
    expect(new Set(seen.map((t) => t.id)).size).toBe(seen.length);

    const sample = simulated[7]!;
    const got = await getTransaction(db, schema, sample.id);
    expect(got).toMatchObject({
      id: sample.id,
      status: sample.state.status,
      amountMinor: sample.state.amountMinor,
      version: sample.state.version,
      vendorId: sample.state.vendorId,
    });
    expect(got!.amount).toMatch(/^\d+\.\d{2}$/);
    expect(got!.currentStatus).toBe(got!.status);
    expect(Object.keys(got!).sort()).toEqual(
      [
        'id',
        'status',
        'currentStatus',
        'amount',
        'amountMinor',
        'currency',
        'vendorId',
        'payerId',
        'channel',
        'kind',
        'serviceContext',
        'retryCount',
        'version',
        'position',
        'createdAt',
        'updatedAt',
        'escrowExpiresAt',
        'lastError',
      ].sort(),
    );
    expect(await getTransaction(db, schema, '00000000-0000-4000-8000-000000000000')).toBeNull();

    const byStatus = await listTransactions(db, schema, { status: 'COMPLETED', limit: 500 });
    expect(byStatus.items.length).toBe(simulated.filter((t) => t.state.status === 'COMPLETED').length);
    const retrying = await listRetryPending(db, schema, { limit: 500 });
    expect(retrying.items.every((t) => t.status === 'RETRY_PENDING')).toBe(true);
    const vendor = await listTransactions(db, schema, { vendorId: 'vendor-1', status: 'SETTLED', limit: 500 });
    expect(vendor.items.length).toBe(simulated.filter((t) => t.state.vendorId === 'vendor-1' && t.state.status === 'SETTLED').length);
    await expect(listTransactions(db, schema, { cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('serve traces whose diff turns dtoBefore into dtoAfter', async () => {
    const transaction = simulated.find((t) => t.state.version >= 4)!;
    const traces = await getTraces(db, runtime.schemaOf('traces'), transaction.id);
    expect(traces.map((trace) => trace.version)).toEqual(Array.from({ length: transaction.state.version }, (_, i) => i + 1));
    expect(traces[0]!.dtoBefore).toBeNull();
    for (const trace of traces) {
      expect(applyPatch(trace.dtoBefore, trace.diff)).toEqual(trace.dtoAfter);
      expect(trace).toMatchObject({ step: trace.type, attempt: expect.any(Number), durationMs: expect.any(Number) });
    }
    const declined = simulated.find((t) => t.steps.flat().some((e) => e.type === 'AuthorizationDeclined'))!;
    const declineTrace = (await getTraces(db, runtime.schemaOf('traces'), declined.id)).find(
      (trace) => trace.type === 'AuthorizationDeclined',
    )!;
    expect(declineTrace.error).toEqual({ message: 'card declined', stack: expect.stringContaining('card declined') });
    expect(declineTrace.service).toBe('gateway');
  });

  it('page ledger entries by filter, and balances as of a past position equal the fold of entries up to it', async () => {
    const entries = await allEntries();
    expect(entries.length).toBeGreaterThan(100);
    const schema = runtime.schemaOf('ledger');
    const transactionId = entries[10]!.transactionId;
    expect((await getTransactionEntries(db, schema, transactionId)).map((e) => e.id)).toEqual(
      entries.filter((e) => e.transactionId === transactionId).map((e) => e.id),
    );
    const account = entries[0]!.debitAccount;
    const forAccount = await listLedgerEntries(db, schema, { account, limit: 500 });
    expect(forAccount.items.map((e) => e.id)).toEqual(
      entries
        .filter((e) => e.debitAccount === account || e.creditAccount === account)
        .slice(0, 500)
        .map((e) => e.id),
    );
    const settlements = await listLedgerEntries(db, schema, { type: 'SETTLEMENT', limit: 500 });
    expect(settlements.items.every((e) => e.type === 'SETTLEMENT' && !e.pending)).toBe(true);

    const middle = entries[Math.floor(entries.length / 2)]!.position;
    const asOf = await balancesAsOf(store, middle);
    const { accounts, totals } = balancesViewOf(foldBalances(entries.filter((e) => e.position <= middle).map(entryOf)).accounts);
    expect(asOf).toMatchObject({ asOf: middle, accounts, totals });
    const atHead = await balancesAsOf(store, head);
    expect({ accounts: atHead.accounts, totals: atHead.totals }).toEqual(await getBalances(db, schema));
  });

  it('answers a transaction as of any version from its stream, and null past its end', async () => {
    const transaction = simulated.find((t) => t.state.version >= 3)!;
    const current = await getTransaction(db, runtime.schemaOf('transactions'), transaction.id);
    expect(await transactionAtVersion(store, transaction.id, transaction.state.version)).toEqual(current);
    const first = await transactionAtVersion(store, transaction.id, 1);
    expect(first).toMatchObject({ status: 'INITIATED', version: 1, retryCount: 0 });
    expect(await transactionAtVersion(store, transaction.id, transaction.state.version + 1)).toBeNull();
    expect(await transactionAtVersion(store, transaction.id, 0)).toBeNull();
    expect(await transactionAtVersion(store, '00000000-0000-4000-8000-000000000000', 1)).toBeNull();
  });

  it('verify reports a tampered read model', async () => {
    const ledger = runtime.schemaOf('ledger');
    const traces = runtime.schemaOf('traces');
    const transactions = runtime.schemaOf('transactions');
    const victim = simulated[3]!.id;
    await db
      .transaction()
      .execute(async (trx) => {
        await sql`update ${sql.id(ledger, 'balances')} set debits_posted = debits_posted + 1 where account like 'escrow:%'`.execute(trx);
        await sql`delete from ${sql.id(traces, 'traces')} where transaction_id = ${victim} and version = 1`.execute(trx);
        await sql`update ${sql.id(transactions, 'transactions')} set retry_count = retry_count + 7 where id = ${victim}`.execute(trx);
        const report = await verifyReadModels(store, trx, schemas());
        expect(report.ok).toBe(false);
        expect(report.differences).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ readModel: 'ledger', field: 'debitsPosted' }),
            expect.objectContaining({ readModel: 'traces', key: `${victim}@1`, field: 'row' }),
            expect.objectContaining({ readModel: 'traces', field: 'count' }),
            expect.objectContaining({ readModel: 'transactions', key: victim, field: 'retryCount' }),
          ]),
        );
        throw new Error('undo'); // roll the tampering back
      })
      .catch((error: unknown) => {
        if (!(error instanceof Error) || error.message !== 'undo') throw error;
      });
    expect((await verifyReadModels(store, db, schemas())).ok).toBe(true);
  });

  it('rebuilds the ledger while queries keep answering, then swaps to an equal ledger', async () => {
    const before = await getBalances(db, runtime.schemaOf('ledger'));
    const rebuilding = runtime.rebuild('ledger');
    let done = false;
    void rebuilding.finally(() => {
      done = true;
    });
    let answers = 0;
    while (!done) {
      expect(await getBalances(db, runtime.schemaOf('ledger'))).toEqual(before);
      answers += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const result = await rebuilding;
    expect(answers).toBeGreaterThan(0);
    expect(result).toMatchObject({ name: 'ledger', generation: 2 });
    expect(runtime.schemaOf('ledger')).toBe('rm_ledger_g2');
    expect(await getBalances(db, runtime.schemaOf('ledger'))).toEqual(before);
    expect((await verifyReadModels(store, db, schemas())).ok).toBe(true);

    // The rebuilt generation keeps applying new events.
    const more = simulateTransactions(20, 7);
    const position = await appendSimulation(store, more);
    expect(await runtime.waitForPosition(position, 10_000)).toBe(true);
    const report = await verifyReadModels(store, db, schemas());
    expect(report.differences).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('rebuilds every read model together from one pass over the log, then swaps them all to equal read models', async () => {
    const before = { balances: await getBalances(db, runtime.schemaOf('ledger')), generations: schemas() };
    const progress: number[] = [];
    const results = await runtime.rebuildAll((update) => progress.push(update.eventsDone));
    expect(results.map((result) => result.name).sort()).toEqual(['ledger', 'traces', 'transactions']);
    expect(schemas()).not.toEqual(before.generations);
    expect(progress.at(-1)).toBe(results[0]!.eventsApplied);
    expect(await getBalances(db, runtime.schemaOf('ledger'))).toEqual(before.balances);
    expect((await verifyReadModels(store, db, schemas())).ok).toBe(true);

    // Every rebuilt generation keeps applying new events.
    const position = await appendSimulation(store, simulateTransactions(20, 8));
    expect(await runtime.waitForPosition(position, 10_000)).toBe(true);
    const report = await verifyReadModels(store, db, schemas());
    expect(report.differences).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('rebuilds in small batches with small state caches (states evicted, read back, written again) to equal read models', async () => {
    await runtime.stop();
    runtime = await startProjectionRuntime({
      store,
      projections: readModels,
      batchSize: 250,
      pollIntervalMs: 50,
      rebuildBatchSize: 97,
      rebuildCachedStates: 15,
    });
    const before = await getBalances(db, runtime.schemaOf('ledger'));
    await runtime.rebuildAll();
    expect(await getBalances(db, runtime.schemaOf('ledger'))).toEqual(before);
    const report = await verifyReadModels(store, db, schemas());
    expect(report.differences).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('verify as of an earlier position agrees while the read models have moved on past it (balances included)', async () => {
    const upTo = await store.headPosition();
    const later = await appendSimulation(store, simulateTransactions(60, 20250302));
    expect(await runtime.waitForPosition(later, 30_000)).toBe(true);
    const report = await verifyReadModels(store, db, schemas(), { upTo });
    expect(report.differences).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
