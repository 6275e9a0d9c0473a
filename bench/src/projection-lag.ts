/**
 * Projection lag: the time from an append's commit to every read model having applied it, while
 * transactions' events are appended at LAG_RATE events/s (default 1,000).
 *
 *  - Events: realistic lifecycles made by the decider with traceSteps metadata (simulated once,
 *    cloned under fresh ids), each command's events appended to its stream as the command handler
 *    does, one append per command, every 10 ms the commands due in that tick, concurrently.
 *  - Lag of one append = the moment runtime.waitForPosition(its position) resolves (every read
 *    model has applied it) minus the moment the append returned (committed). Same process, one
 *    clock. The runtime runs live with its defaults (20 ms wake-up coalescing).
 *  - Reference, same run and same appends: a bare checkpointed subscription whose handler does
 *    nothing, measured the same way: the floor set by waking up and reading the log.
 *
 * Knobs: LAG_RATE (events/s), LAG_SECONDS (measured, default 10), LAG_WARMUP_SECONDS (default 2).
 */
import { randomUUID } from 'node:crypto';
import { createEventStore, createPostgresDatabase, eventStoreMigrations, migrateToLatest, type NewEvent } from '@tracktrove/event-store';
import { projectionMigrations, readModels, startProjectionRuntime } from '../../packages/projections/src/index.ts';
import { simulateTransactions } from '../../packages/projections/test/support/simulate.ts';
import { quantile } from './lib/stats.ts';
import type { Benchmark, Figure, TargetResult } from './lib/types.ts';

const positive = (name: string, fallback: number) => {
  const value = Number(process.env[name] || fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

const config = {
  eventsPerSecond: positive('LAG_RATE', 1_000),
  measureMs: positive('LAG_SECONDS', 10) * 1000,
  warmupMs: positive('LAG_WARMUP_SECONDS', 2) * 1000,
  tickMs: 10,
  templateTransactions: 500,
  maxInFlightAppends: 64,
  waitTimeoutMs: 10_000,
  targetP99Ms: 100,
};

interface Sample {
  readonly committedAt: number;
  readonly measured: boolean;
  projectionsMs?: number;
  floorMs?: number;
}

export const benchmark: Benchmark = {
  name: 'projection-lag',
  description: `projection lag from commit to every read model at ${config.eventsPerSecond.toLocaleString('en-US')} events/s, vs a no-op subscription`,
  async run(context) {
    const server = await context.postgres();
    const database = await server.createDatabase('lag');
    const storeDatabase = createPostgresDatabase({ connectionString: database.url, poolSize: 24 });
    const samples: Sample[] = [];
    try {
      await migrateToLatest(storeDatabase.db, { ...eventStoreMigrations, ...projectionMigrations });
      const store = await createEventStore({ database: storeDatabase });
      const runtime = await startProjectionRuntime({ store, projections: readModels });
      const floor = store.subscribe({ name: 'bench:no-op', handle: async () => undefined });
      const templates = simulateTransactions(config.templateTransactions, 7, 8);
      // Commands to append, in order: each transaction's steps, transactions interleaved.
      const queue: Array<{ streamId: string; expectedVersion: number; events: NewEvent[] }> = [];
      let template = 0;
      const refill = () => {
        const source = templates[template++ % templates.length]!;
        const id = randomUUID();
        const steps = JSON.parse(JSON.stringify(source.steps).replaceAll(source.id, id)) as NewEvent[][];
        let version = 0;
        for (const events of steps) {
          queue.push({ streamId: `txn-${id}`, expectedVersion: version, events });
          version += events.length;
        }
      };
      const eventsPerTick = (config.eventsPerSecond * config.tickMs) / 1000;
      const startedAt = performance.now();
      const endAt = startedAt + config.warmupMs + config.measureMs;
      let inFlight = 0;
      // A stream's next command waits for its previous append to return.
      const busy = new Set<string>();
      let appended = 0;
      let dropped = 0;
      const waits: Promise<void>[] = [];
      context.log(`appending ${config.eventsPerSecond} events/s for ${(config.warmupMs + config.measureMs) / 1000} s`);
      for (let tick = 0; performance.now() < endAt; tick += 1) {
        const tickAt = startedAt + tick * config.tickMs;
        const wait = tickAt - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        let budget = eventsPerTick;
        // One transaction's commands must go in order: take at most one command per stream a tick.
        const streams = new Set<string>();
        const batch: typeof queue = [];
        while (budget > 0) {
          if (queue.length === 0) refill();
          const index = queue.findIndex((command) => !streams.has(command.streamId) && !busy.has(command.streamId));
          if (index === -1) {
            refill();
            continue;
          }
          const [command] = queue.splice(index, 1);
          streams.add(command!.streamId);
          batch.push(command!);
          budget -= command!.events.length;
        }
        for (const command of batch) {
          if (inFlight >= config.maxInFlightAppends) {
            dropped += 1;
            queue.unshift(command);
            continue;
          }
          inFlight += 1;
          busy.add(command.streamId);
          const measured = performance.now() - startedAt >= config.warmupMs;
          waits.push(
            (async () => {
              const result = await store.appendToStream(command.streamId, command.events, {
                expectedVersion: command.expectedVersion === 0 ? 'no_stream' : command.expectedVersion,
              });
              inFlight -= 1;
              busy.delete(command.streamId);
              appended += command.events.length;
              const sample: Sample = { committedAt: performance.now(), measured };
              samples.push(sample);
              await Promise.all([
                runtime.waitForPosition(result.position, config.waitTimeoutMs).then((ok) => {
                  if (ok) sample.projectionsMs = performance.now() - sample.committedAt;
                }),
                floor.waitFor(result.position, config.waitTimeoutMs).then((ok) => {
                  if (ok) sample.floorMs = performance.now() - sample.committedAt;
                }),
              ]);
            })(),
          );
        }
      }
      await Promise.all(waits);
      const elapsedMs = performance.now() - startedAt;
      await floor.stop();
      await runtime.stop();
      await store.close();
      const measured = samples.filter((sample) => sample.measured);
      const figure = (id: string, system: string, values: number[], missing: number, reference: boolean): Figure => ({
        id,
        workload: `${Math.round((appended * 1000) / elapsedMs).toLocaleString('en-US')} events/s appended, one append per command`,
        system,
        reference,
        metrics: {
          'p50 ms': quantile(values, 0.5),
          'p99 ms': quantile(values, 0.99),
          'max ms': values.reduce((max, value) => (value > max ? value : max), 0),
          appends: values.length,
          'not applied in 10 s': missing,
        },
      });
      const projections = measured.flatMap((sample) => (sample.projectionsMs === undefined ? [] : [sample.projectionsMs]));
      const floorValues = measured.flatMap((sample) => (sample.floorMs === undefined ? [] : [sample.floorMs]));
      const figures = [
        figure(
          'lag.tracktrove',
          'TrackTrove read models (transactions, traces, ledger)',
          projections,
          measured.length - projections.length,
          false,
        ),
        figure('lag.noop', 'no-op checkpointed subscription', floorValues, measured.length - floorValues.length, true),
      ];
      const p99 = figures[0]!.metrics['p99 ms']!;
      const targets: TargetResult[] = [
        {
          id: 'lag-p99',
          description: `projection lag p99 < ${config.targetP99Ms} ms at ${config.eventsPerSecond} events/s`,
          metric: 'p99 ms',
          actual: p99,
          required: config.targetP99Ms,
          basis: `${config.targetP99Ms} ms (lower is better)`,
          met: p99 < config.targetP99Ms && projections.length === measured.length,
        },
      ];
      return {
        figures,
        targets,
        config: { ...config, appendsDeferredForInFlightBound: dropped },
        notes: ['Appends, the read models and the reference subscription run in one process, sharing the two cores with PostgreSQL.'],
      };
    } finally {
      await storeDatabase.close();
      await database.drop();
    }
  },
};
