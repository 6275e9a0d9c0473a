/**
 * The measured half of bench/src/projections-rebuild.ts, in its own process so that its peak RSS
 * is the rebuild's alone. Usage: tsx rebuild-all-child.ts <database url> <batch size> <verify 0|1>
 *
 * Every read model is registered at generation 1 with its checkpoint at the head (as a deployment
 * that is up to date), then runtime.rebuildAll() builds generation 2 of all of them from the whole
 * log and swaps. Prints one JSON line with the figures.
 */
import { readFileSync } from 'node:fs';
import { createEventStore, createPostgresDatabase, readHeadPosition, storeCheckpoint } from '@tracktrove/event-store';
import {
  ensureGeneration,
  readModels,
  startProjectionRuntime,
  subscriptionNameFor,
  verifyReadModels,
  type ProjectionTables,
} from '../../../packages/projections/src/index.ts';

const [url, batchText, verifyText] = process.argv.slice(2);
if (!url) throw new Error('usage: rebuild-all-child.ts <database url> [batch size] [verify 0|1]');
const rebuildBatchSize = Number(batchText ?? 2_500);

const peakRssMb = (): number => {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return (hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) / 1024;
};

const database = createPostgresDatabase({ connectionString: url, poolSize: 4 });
const store = await createEventStore({ database });
const db = database.db.withTables<ProjectionTables>();
const head = await readHeadPosition(database.db);
for (const projection of readModels) {
  const generation = await ensureGeneration(db, projection);
  await storeCheckpoint(database.db, subscriptionNameFor(projection.name, generation.generation), head);
}
// Each read model's apply time (wall, inside the batch transactions), to see where the time goes.
const applyMs: Record<string, number> = {};
const timed = readModels.map((projection) => ({
  ...projection,
  async apply(...args: Parameters<typeof projection.apply>) {
    const started = performance.now();
    await projection.apply(...args);
    applyMs[projection.name] = (applyMs[projection.name] ?? 0) + performance.now() - started;
  },
}));
const runtime = await startProjectionRuntime({ store, projections: timed, rebuildBatchSize, pollIntervalMs: 100 });
const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
const cpuBefore = process.cpuUsage();
const startedAt = performance.now();
const results = await runtime.rebuildAll();
const elapsedMs = performance.now() - startedAt;
const cpu = process.cpuUsage(cpuBefore);
const peakMb = peakRssMb();
const events = results[0]?.eventsApplied ?? 0;
let verified: boolean | null = null;
if (verifyText === '1') {
  const schemas = {
    transactions: runtime.schemaOf('transactions'),
    traces: runtime.schemaOf('traces'),
    ledger: runtime.schemaOf('ledger'),
  };
  verified = (await verifyReadModels(store, db, schemas)).ok;
}
await runtime.stop();
await store.close();
await database.close();
process.stdout.write(
  `${JSON.stringify({ events, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: peakMb, rssBeforeMb, applyMs, results, verified })}\n`,
);
