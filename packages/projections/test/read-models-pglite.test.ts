import type { Kysely } from 'kysely';
import { createEventStore, createPgliteDatabase, eventStoreMigrations, migrateToLatest, type EventStore } from '@tracktrove/event-store';
import { describe, expect, it } from 'vitest';
import {
  getBalances,
  getTraces,
  listTransactions,
  projectionMigrations,
  readModels,
  startProjectionRuntime,
  verifyReadModels,
  type ProjectionDatabase,
  type ProjectionRuntime,
  type ProjectionRuntimeOptions,
  type ProjectionTables,
} from '../src/index.ts';
import { appendSimulation, simulateTransactions } from './support/simulate.ts';

type Work = (context: { store: EventStore; db: Kysely<ProjectionDatabase>; runtime: ProjectionRuntime }) => Promise<void>;

/** A fresh in-memory PGlite with the store and every read model running; verified equal to a fold at the end. */
async function onPglite(options: Partial<ProjectionRuntimeOptions>, work: Work): Promise<void> {
  const database = await createPgliteDatabase();
  const db = database.db.withTables<ProjectionTables>();
  await migrateToLatest(database.db, { ...eventStoreMigrations, ...projectionMigrations });
  const store = await createEventStore({ database });
  const runtime = await startProjectionRuntime({ store, projections: readModels, pollIntervalMs: 20, ...options });
  try {
    await work({ store, db, runtime });
    const report = await verifyReadModels(store, db, {
      transactions: runtime.schemaOf('transactions'),
      traces: runtime.schemaOf('traces'),
      ledger: runtime.schemaOf('ledger'),
    });
    expect(report.differences).toEqual([]);
    expect(report.ok).toBe(true);
  } finally {
    await runtime.stop();
    await store.close();
    await database.close();
  }
}

describe('read models on embedded PGlite', () => {
  it('project, answer queries and verify', async () => {
    await onPglite({}, async ({ store, db, runtime }) => {
      const simulated = simulateTransactions(30, 5);
      const head = await appendSimulation(store, simulated);
      expect(await runtime.waitForPosition(head, 20_000)).toBe(true);
      const page = await listTransactions(db, runtime.schemaOf('transactions'), { limit: 500 });
      expect(page.items).toHaveLength(30);
      expect((await getTraces(db, runtime.schemaOf('traces'), simulated[0]!.id)).length).toBe(simulated[0]!.state.version);
      expect((await getBalances(db, runtime.schemaOf('ledger'))).accounts.length).toBeGreaterThan(0);
    });
  });

  it('rebuild every read model in small batches with small state caches to equal read models', async () => {
    await onPglite({ rebuildBatchSize: 23, rebuildCachedStates: 4 }, async ({ store, runtime }) => {
      const head = await appendSimulation(store, simulateTransactions(30, 6));
      expect(await runtime.waitForPosition(head, 20_000)).toBe(true);
      const results = await runtime.rebuildAll();
      expect(results.map((result) => result.generation)).toEqual([2, 2, 2]);
    });
  });
});
