/**
 * Rebuild of every read model (transactions, traces, ledger) from a big log, against a raw
 * reference measured on the same server in the same run.
 *
 *  - Seed: REBUILD_EVENTS transaction events (default 1,000,000) of realistic lifecycles, made by
 *    the domain's decider with traceSteps metadata (DTOs before and after) as the command handlers
 *    write them (3,000 simulated lifecycles, cloned under fresh transaction ids), appended as fast as the store allows: windows of transactions appended round by
 *    round (each transaction's n-th command in round n, so streams interleave in the log), up to
 *    500 streams and 1,000 events per append, SEED_WRITERS concurrent writers.
 *  - Rebuild: runtime.rebuildAll() in a separate child process (its peak RSS, VmHWM, is the
 *    rebuild's alone; run with --max-semi-space-size=4, see config), after a checkpoint; events/s from the
 *    start of the rebuild to the swap.
 *  - Reference: one connection writing the same number of rows with autocommitted 100-row
 *    multi-VALUES INSERTs into a table shaped like a trace row (the raw write rate of PostgreSQL).
 *
 * Knobs: REBUILD_EVENTS (default 1000000), REBUILD_BATCH (rebuild batch size, default 2500, the runtime's),
 * REBUILD_VERIFY=1 (verify the rebuilt read models against a fresh fold afterwards; slow).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  createEventStore,
  createPostgresDatabase,
  eventStoreMigrations,
  migrateToLatest,
  type NewEvent,
  type StreamAppend,
} from '@tracktrove/event-store';
import { projectionMigrations } from '../../packages/projections/src/index.ts';
import { simulateTransactions, type SimulatedTransaction } from '../../packages/projections/test/support/simulate.ts';
import { atLeast, perSecond } from './lib/stats.ts';
import type { BenchDatabase, Benchmark, Figure, TargetResult } from './lib/types.ts';

const positive = (name: string, fallback: number) => {
  const value = Number(process.env[name] || fallback);
  return Number.isFinite(value) && value > 0 ? Math.round(value) : fallback;
};

const config = {
  events: positive('REBUILD_EVENTS', 1_000_000),
  rebuildBatchSize: positive('REBUILD_BATCH', 2_500),
  /** The rebuild child's young generation (semispace MB): V8's default 16 lets ~30 MB more garbage pile up at no CPU saved. */
  childSemiSpaceMb: 4,
  verify: process.env.REBUILD_VERIFY === '1',
  seedWriters: 3,
  seedWindowTransactions: 1_500,
  templateTransactions: 3_000,
  seedStreamsPerAppend: 500,
  seedMaxEventsPerAppend: 1_000,
  maxStepsPerTransaction: 10,
  referenceRowsPerInsert: 100,
  targetEventsPerSecond: 50_000,
  targetPeakRssMb: 300,
};

/**
 * Lifecycles made by the decider are costly (~0.7 ms an event), so a few thousand are simulated
 * once and each window clones them under fresh transaction ids (in data, metadata and DTOs alike).
 */
function lifecycleTemplates(): SimulatedTransaction[] {
  return simulateTransactions(config.templateTransactions, 1, config.maxStepsPerTransaction);
}

function windowOf(templates: readonly SimulatedTransaction[], window: number): { id: string; steps: NewEvent[][] }[] {
  return Array.from({ length: config.seedWindowTransactions }, (_, index) => {
    const template = templates[(window * config.seedWindowTransactions + index) % templates.length]!;
    const id = randomUUID();
    return { id, steps: JSON.parse(JSON.stringify(template.steps).replaceAll(template.id, id)) as NewEvent[][] };
  });
}

/** Appends one window of transactions, round by round, in appends of many streams. */
async function appendWindow(
  append: (appends: StreamAppend[]) => Promise<unknown>,
  transactions: readonly { id: string; steps: NewEvent[][] }[],
): Promise<number> {
  const versions = new Map<string, number>();
  let events = 0;
  const rounds = Math.max(0, ...transactions.map((transaction) => transaction.steps.length));
  for (let round = 0; round < rounds; round += 1) {
    let pending: StreamAppend[] = [];
    let pendingEvents = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      await append(pending);
      events += pendingEvents;
      pending = [];
      pendingEvents = 0;
    };
    for (const transaction of transactions) {
      const stepEvents = transaction.steps[round];
      if (!stepEvents) continue;
      if (pending.length >= config.seedStreamsPerAppend || pendingEvents + stepEvents.length > config.seedMaxEventsPerAppend) await flush();
      const streamId = `txn-${transaction.id}`;
      const expectedVersion = versions.get(streamId) ?? 0;
      versions.set(streamId, expectedVersion + stepEvents.length);
      pending.push({ streamId, expectedVersion: expectedVersion === 0 ? 'no_stream' : expectedVersion, events: stepEvents });
      pendingEvents += stepEvents.length;
    }
    await flush();
  }
  return events;
}

async function seed(url: string, log: (message: string) => void): Promise<{ events: number; elapsedMs: number }> {
  const database = createPostgresDatabase({ connectionString: url, poolSize: config.seedWriters + 1 });
  await migrateToLatest(database.db, { ...eventStoreMigrations, ...projectionMigrations });
  const store = await createEventStore({ database });
  const templates = lifecycleTemplates();
  const startedAt = performance.now();
  let events = 0;
  let nextWindow = 0;
  let lastLog = startedAt;
  try {
    await Promise.all(
      Array.from({ length: config.seedWriters }, async () => {
        while (events < config.events) {
          const appended = await appendWindow((appends) => store.appendToStreams(appends), windowOf(templates, nextWindow++));
          events += appended;
          if (performance.now() - lastLog > 10_000) {
            lastLog = performance.now();
            log(
              `seeded ${events.toLocaleString('en-US')} events (${Math.round(perSecond(events, lastLog - startedAt)).toLocaleString('en-US')}/s)`,
            );
          }
        }
      }),
    );
  } finally {
    await store.close();
    await database.close();
  }
  return { events, elapsedMs: performance.now() - startedAt };
}

interface ChildResult {
  events: number;
  elapsedMs: number;
  cpuMs: number;
  peakRssMb: number;
  rssBeforeMb: number;
  results: unknown[];
  verified: boolean | null;
}

function rebuildInChild(url: string): Promise<ChildResult> {
  const child = fileURLToPath(new URL('./lib/rebuild-all-child.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx');
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [
        `--max-semi-space-size=${config.childSemiSpaceMb}`,
        ...(process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean),
        '--import',
        tsx,
        child,
        url,
        String(config.rebuildBatchSize),
        config.verify ? '1' : '0',
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const line = output.trim().split('\n').at(-1);
      if (code !== 0 || !line) return reject(new Error(`rebuild child exited with ${code}: ${output}`));
      resolve(JSON.parse(line) as ChildResult);
    });
  });
}

/** The reference: the same number of rows, 100 per autocommitted INSERT, one connection. */
async function rawInserts(url: string, rows: number): Promise<{ rows: number; elapsedMs: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      create table raw_rows (
        transaction_id text not null, version integer not null, position text collate "C" not null, event_type text not null,
        step text not null, service text, at timestamptz not null, attempt integer, duration_ms integer, error jsonb, actor jsonb,
        correlation_id text, causation_id text, primary key (transaction_id, version))`);
    const perInsert = config.referenceRowsPerInsert;
    const columns = 13;
    const text = `insert into raw_rows values ${Array.from({ length: perInsert }, (_, row) => `(${Array.from({ length: columns }, (_, column) => `$${row * columns + column + 1}`).join(', ')})`).join(', ')}`;
    const at = new Date().toISOString();
    const actor = JSON.stringify({ role: 'operator', id: 'op-1' });
    const startedAt = performance.now();
    for (let done = 0; done < rows; done += perInsert) {
      const values: unknown[] = [];
      for (let row = done; row < done + perInsert; row += 1) {
        const id = `00000000-0000-4000-8000-${String(row).padStart(12, '0')}`;
        values.push(
          id,
          1,
          `0000000000000001-${String(row).padStart(16, '0')}`,
          'EscrowHoldPlaced',
          'EscrowHoldPlaced',
          'gateway',
          at,
          1,
          120,
          null,
          actor,
          `corr-${id}`,
          null,
        );
      }
      await client.query(text, values);
    }
    return { rows, elapsedMs: performance.now() - startedAt };
  } finally {
    await client.end();
  }
}

async function inDatabase<T>(create: () => Promise<BenchDatabase>, work: (database: BenchDatabase) => Promise<T>): Promise<T> {
  const database = await create();
  try {
    return await work(database);
  } finally {
    await database.drop();
  }
}

export const benchmark: Benchmark = {
  name: 'projections-rebuild',
  description: 'rebuild of every read model together from a big log, vs raw 100-row INSERTs',
  async run(context) {
    const server = await context.postgres();
    const figures: Figure[] = [];
    let rebuilt: ChildResult | undefined;
    await inDatabase(
      () => server.createDatabase('rebuild'),
      async (database) => {
        context.log(`seeding ${config.events.toLocaleString('en-US')} transaction events (${config.seedWriters} writers)`);
        const seeded = await seed(database.url, context.log);
        figures.push({
          id: 'seed.tracktrove',
          workload: `seed ${seeded.events.toLocaleString('en-US')} events, up to ${config.seedStreamsPerAppend} streams / ${config.seedMaxEventsPerAppend} events per append`,
          system: 'TrackTrove',
          reference: false,
          metrics: { 'events/s': perSecond(seeded.events, seeded.elapsedMs) },
          details: seeded,
        });
        const admin = new pg.Client({ connectionString: database.url });
        await admin.connect();
        await admin.query('vacuum analyze tt_events');
        const { rows } = await admin.query<{ bytes: string }>(`select pg_total_relation_size('tt_events') as bytes`);
        await admin.end();
        await server.checkpoint();
        context.log(`rebuilding every read model in a child process (batch ${config.rebuildBatchSize})`);
        rebuilt = await rebuildInChild(database.url);
        figures.push({
          id: 'rebuild-all.tracktrove',
          workload: `rebuildAll: transactions + traces + ledger from ${rebuilt.events.toLocaleString('en-US')} events`,
          system: 'TrackTrove',
          reference: false,
          metrics: {
            'events/s': perSecond(rebuilt.events, rebuilt.elapsedMs),
            'peak RSS MB': rebuilt.peakRssMb,
            'node CPU s': rebuilt.cpuMs / 1000,
          },
          details: { ...rebuilt, logBytes: Number(rows[0]?.bytes ?? 0) },
        });
      },
    );
    const referenceRows = rebuilt?.events ?? config.events;
    await server.checkpoint();
    const raw = await inDatabase(
      () => server.createDatabase('raw_rows'),
      async (database) => {
        context.log(`reference: ${referenceRows.toLocaleString('en-US')} rows in ${config.referenceRowsPerInsert}-row INSERTs`);
        return rawInserts(database.url, referenceRows);
      },
    );
    figures.push({
      id: 'insert100.raw',
      workload: `write ${referenceRows.toLocaleString('en-US')} rows, ${config.referenceRowsPerInsert}-row INSERTs, 1 connection`,
      system: 'raw pg INSERT',
      reference: true,
      metrics: { 'events/s': perSecond(raw.rows, raw.elapsedMs) },
      details: raw,
    });

    const targets: TargetResult[] = [
      atLeast({
        id: 'rebuild-absolute',
        description: `rebuild of all read models >= ${config.targetEventsPerSecond.toLocaleString('en-US')} events/s`,
        metric: 'events/s',
        actual: figures[1]?.metrics['events/s'] ?? Number.NaN,
        factor: config.targetEventsPerSecond,
      }),
      {
        id: 'rebuild-rss',
        description: `peak RSS of the rebuild < ${config.targetPeakRssMb} MB`,
        metric: 'peak RSS MB',
        actual: rebuilt?.peakRssMb ?? Number.NaN,
        required: config.targetPeakRssMb,
        basis: `< ${config.targetPeakRssMb} MB`,
        met: (rebuilt?.peakRssMb ?? Number.POSITIVE_INFINITY) < config.targetPeakRssMb,
      },
    ];
    if (rebuilt?.verified === false) throw new Error('the rebuilt read models differ from a fresh fold of the log');
    return {
      figures,
      targets,
      config,
      notes: [
        'The benchmark client (Node), the rebuild process and PostgreSQL share the same machine and cores.',
        rebuilt?.verified === null
          ? 'Read models not verified in this run (REBUILD_VERIFY=1 does).'
          : `Rebuilt read models verified against a fresh fold: ${String(rebuilt?.verified)}.`,
      ],
    };
  },
};
