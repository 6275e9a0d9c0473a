import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
import { accountAt, escrowAccount, payerAccount } from '@tracktrove/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getBalances,
  projectionMigrations,
  readModels,
  startProjectionRuntime,
  verifyReadModels,
  type ProjectionDatabase,
  type ProjectionRuntime,
  type ProjectionTables,
} from '../src/index.ts';
import { appendSimulation, simulateTransactions } from './support/simulate.ts';

const script = fileURLToPath(new URL('./support/run-projector.ts', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe('a projector killed mid-batch', () => {
  let testDatabase: TestDatabase;
  let database: StoreDatabase;
  let db: Kysely<ProjectionDatabase>;
  let store: EventStore;
  let runtime: ProjectionRuntime | undefined;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = createPostgresDatabase({ connectionString: testDatabase.url });
    db = database.db.withTables<ProjectionTables>();
    await migrateToLatest(database.db, { ...eventStoreMigrations, ...projectionMigrations });
    store = await createEventStore({ database });
  });
  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await runtime?.stop();
    await store?.close();
    await database?.close();
    await testDatabase?.drop();
  });

  const checkpoints = async () => {
    const { rows } = await sql<{
      name: string;
      tx_id: string;
      seq: string;
    }>`select name, tx_id::text, seq::text from tt_checkpoints where name like 'projection:%'`.execute(db);
    return rows;
  };

  it('resumes in another process without skipping or applying an event twice', async () => {
    const simulated = simulateTransactions(2_500, 99, 10);
    const head = await appendSimulation(store, simulated, { streamsPerAppend: 250 });
    const total = simulated.reduce((sum, transaction) => sum + transaction.steps.flat().length, 0);
    expect(total).toBeGreaterThan(10_000);

    child = spawn(process.execPath, ['--import', 'tsx', script, testDatabase.url, '200'], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child!.once('exit', (_code, signal) => resolve(signal)));
    // Kill it once every read model has landed some batches but none has caught up: it is applying the backlog.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows = await checkpoints();
      if (rows.length === 3 && rows.every((row) => row.seq !== '0')) break;
      if (Date.now() > deadline) throw new Error('the projector made no progress');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const partial = await verifyReadModels(
      store,
      db,
      { transactions: 'rm_transactions_g1', traces: 'rm_traces_g1', ledger: 'rm_ledger_g1' },
      { maxDifferences: 1 },
    );
    expect(partial.ok).toBe(false); // killed before the end of the backlog

    runtime = await startProjectionRuntime({ store, projections: readModels, batchSize: 500, pollIntervalMs: 50 });
    expect(await runtime.waitForPosition(head, 60_000)).toBe(true);
    const schemas = {
      transactions: runtime.schemaOf('transactions'),
      traces: runtime.schemaOf('traces'),
      ledger: runtime.schemaOf('ledger'),
    };
    const report = await verifyReadModels(store, db, schemas);
    expect(report.differences).toEqual([]);
    expect(report.violations).toEqual([]);
    expect(report.checkedEvents).toBe(total);
    // Balances are incremental: a batch applied twice would double some of them. Besides the
    // report's account-by-account comparison with a fresh fold, each account's balance equals where
    // the simulation left each transaction's money (its funds position), derived without the ledger.
    const wanted = new Map<string, { posted: number; pending: number }>();
    const add = (account: string, posted: number, pending: number) => {
      const sums = wanted.get(account) ?? { posted: 0, pending: 0 };
      wanted.set(account, { posted: sums.posted + posted, pending: sums.pending + pending });
    };
    for (const { state } of simulated) {
      const payer = payerAccount(state.payerId, state.currency);
      if (state.funds === 'held') {
        add(payer, 0, -state.amountMinor);
        add(escrowAccount(state.currency), 0, state.amountMinor);
      } else if (state.funds !== 'payer') {
        add(payer, -state.amountMinor, 0);
        add(accountAt(state.funds, state), state.amountMinor, 0);
      }
    }
    const balances = await getBalances(db, schemas.ledger);
    const found = new Map(
      balances.accounts.map((a) => [a.account, { posted: a.balanceMinor, pending: a.creditsPendingMinor - a.debitsPendingMinor }]),
    );
    for (const [account, sums] of wanted) if (sums.posted !== 0 || sums.pending !== 0) expect(found.get(account), account).toEqual(sums);
    for (const [account, sums] of found) expect(sums, account).toEqual(wanted.get(account) ?? { posted: 0, pending: 0 });
    const status = await runtime.status();
    expect(status.map((s) => s.lag)).toEqual([0, 0, 0]);
  });
});
