/**
 * Measures how fast the read models build from a backlog: appends a simulated log of about
 * EVENTS events, then starts the runtime with every read model and times the catch-up, which is
 * what a rebuild of all of them does. Usage: tsx measure-rebuild.ts [events] [batch size]
 */
import type { Kysely } from 'kysely';
import { createEventStore, createPostgresDatabase, eventStoreMigrations, migrateToLatest } from '@tracktrove/event-store';
import { createTestDatabase, startTestServices } from '@tracktrove/testing';
import { projectionMigrations, readModels, startProjectionRuntime, verifyReadModels } from '../../src/index.ts';
import { appendSimulation, simulateTransactions } from './simulate.ts';

const wanted = Number(process.argv[2] ?? 200_000);
const batchSize = Number(process.argv[3] ?? 5_000);
const services = await startTestServices();
const testDatabase = await createTestDatabase(services.databaseUrl);
const database = createPostgresDatabase({ connectionString: testDatabase.url });
try {
  await migrateToLatest(database.db, { ...eventStoreMigrations, ...projectionMigrations });
  const store = await createEventStore({ database });
  let events = 0;
  let head = 'start';
  for (let seed = 1; events < wanted; seed += 1) {
    const simulated = simulateTransactions(5_000, seed, 10);
    events += simulated.reduce((sum, transaction) => sum + transaction.steps.flat().length, 0);
    head = await appendSimulation(store, simulated, { streamsPerAppend: 150 });
  }
  console.log(`appended ${events} transaction events`);
  const rssBefore = process.memoryUsage().rss;
  const startedAt = performance.now();
  const cpuBefore = process.cpuUsage();
  const timings = new Map<string, number>();
  const timed = readModels.map((projection) => ({
    ...projection,
    async apply(batch: Parameters<typeof projection.apply>[0], context: Parameters<typeof projection.apply>[1]) {
      const t0 = performance.now();
      await projection.apply(batch, context);
      timings.set(projection.name, (timings.get(projection.name) ?? 0) + performance.now() - t0);
    },
  }));
  const runtime = await startProjectionRuntime({ store, projections: timed, batchSize, pollIntervalMs: 100 });
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  // waitForPosition waits at most 30 s per call.
  while (!(await runtime.waitForPosition(head, 30_000))) {
    const status = await runtime.status();
    console.log(status.map((s) => `${s.name}: lag ${s.lag}${s.lastError ? ` error ${s.lastError}` : ''}`).join('; '));
  }
  const seconds = (performance.now() - startedAt) / 1000;
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpuBefore);
  console.log(`node CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; apply wall time per read model (ms):`, Object.fromEntries(timings));
  console.log(`built transactions, traces and ledger from ${events} events in ${seconds.toFixed(1)} s: ${Math.round(events / seconds)} events/s; RSS before ${Math.round(rssBefore / 2 ** 20)} MB, peak ${Math.round(peakRss / 2 ** 20)} MB`);
  const verifyStart = performance.now();
  const schemas = { transactions: runtime.schemaOf('transactions'), traces: runtime.schemaOf('traces'), ledger: runtime.schemaOf('ledger') };
  const report = await verifyReadModels(store, database.db as unknown as Kysely<any>, schemas);
  console.log(`verify: ok=${report.ok} checked ${report.checkedEvents} events in ${((performance.now() - verifyStart) / 1000).toFixed(1)} s`);
  await runtime.stop();
  await store.close();
} finally {
  await database.close();
  await testDatabase.drop();
  await services.stop();
}
