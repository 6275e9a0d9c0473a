/**
 * Live delivery latency of WebSocket /api/stream, against a plain LISTEN/NOTIFY round trip on the
 * same PostgreSQL server in the same run.
 *
 * - The real server (startServer + trackTroveModule) runs in a child process on a fresh database
 *   and the run's Redis. BENCH_WS_CLIENTS clients (default 100) connect to
 *   /api/stream?from=end from a worker thread of this process (lib/ws-clients-worker.ts, one event
 *   loop for all clients, apart from the writer's) and wait for `caught-up`. Times are
 *   process.hrtime: one monotonic clock for both threads.
 * - A writer in this process appends to the same database with @tracktrove/event-store at
 *   BENCH_WS_RATE events/s (default 1,000): every BENCH_WS_TICK_MS (10 ms) one appendToStream of
 *   rate x tick / 1000 events (10) to a new stream, open loop (at most 16 appends in flight). Each
 *   event's data carries a sequence number; the commit time of the event is taken when its append
 *   returns.
 * - Per delivered event and client: latency = receive time (first thing in the `message` handler)
 *   - commit time. Events committed during the warm-up are delivered and checked, not timed.
 *   Every client must receive every written event once, in increasing position order.
 * - Reference: one pg client runs `select pg_notify(channel, seq) from unnest($1)` (the same
 *   batches at the same rate; commit time when the statement returns) and one pg client LISTENs;
 *   latency = notification time - commit time. Measured before the server starts, same server.
 *
 * - Diagnostic (BENCH_WS_SINGLE=0 skips it): the same run with 1 client, to separate the log
 *   tail's own delay from the fan-out to 100 sockets and the client-side work.
 *
 * Knobs: BENCH_WS_CLIENTS (100), BENCH_WS_RATE (1000), BENCH_WS_SECONDS (10 measured),
 * BENCH_WS_WARMUP_SECONDS (2), BENCH_WS_TICK_MS (10), BENCH_WS_SINGLE (1).
 */
import pg from 'pg';
import { Worker } from 'node:worker_threads';
import { createEventStore, createPostgresDatabase } from '@tracktrove/event-store';
import { startChildServer } from './lib/api-server.ts';
import { formatNumber } from './lib/stats.ts';
import type { BenchDatabase, BenchPostgres, Benchmark, Figure, TargetResult } from './lib/types.ts';

const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

const config = {
  clients: Math.round(knob('BENCH_WS_CLIENTS', 100)),
  eventsPerSecond: knob('BENCH_WS_RATE', 1000),
  measureS: knob('BENCH_WS_SECONDS', 10),
  warmupS: knob('BENCH_WS_WARMUP_SECONDS', 2),
  tickMs: knob('BENCH_WS_TICK_MS', 10),
  singleClientRun: process.env.BENCH_WS_SINGLE !== '0',
  maxInFlight: 16,
  drainTimeoutMs: 10_000,
  p99TargetMs: 50,
};
const probeType = 'BenchStreamProbe';

/** Latency summary over a Float64Array (sorted in place). */
function summarize(values: Float64Array): { p50: number; p99: number; max: number; min: number; count: number } {
  values.sort();
  const at = (q: number) =>
    values.length === 0 ? Number.NaN : values[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))]!;
  return {
    p50: at(0.5),
    p99: at(0.99),
    max: values.length ? values[values.length - 1]! : Number.NaN,
    min: values.length ? values[0]! : Number.NaN,
    count: values.length,
  };
}

/**
 * Open-loop writer: every tick one call of `batch` (with the sequence numbers of its events), up to
 * maxInFlight calls at once; commit times recorded per sequence number when the call returns.
 */
async function runWriter(options: {
  totalMs: number;
  perTick: number;
  commitAt: Float64Array;
  now: () => number;
  write: (seqs: number[]) => Promise<void>;
}): Promise<{ written: number; skippedTicks: number; errors: number; firstError: string | null }> {
  const { totalMs, perTick, commitAt, write, now: clock } = options;
  const start = clock();
  let next = 0;
  let inFlight = 0;
  let skippedTicks = 0;
  let errors = 0;
  let firstError: string | null = null;
  const pending = new Set<Promise<void>>();
  for (let tick = 0; ; tick += 1) {
    const due = start + tick * config.tickMs;
    if (due - start >= totalMs) break;
    const wait = due - clock();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight >= config.maxInFlight) {
      skippedTicks += 1;
      continue;
    }
    const seqs = Array.from({ length: perTick }, () => next++);
    inFlight += 1;
    const call = write(seqs)
      .then(
        () => {
          const committed = clock();
          for (const seq of seqs) commitAt[seq] = committed;
        },
        (error: unknown) => {
          errors += 1;
          firstError ??= String(error);
          for (const seq of seqs) commitAt[seq] = -1;
        },
      )
      .finally(() => {
        inFlight -= 1;
        pending.delete(call);
      });
    pending.add(call);
  }
  await Promise.all([...pending]);
  return { written: next, skippedTicks, errors, firstError };
}

async function inFreshDatabase<T>(server: BenchPostgres, label: string, work: (database: BenchDatabase) => Promise<T>): Promise<T> {
  await server.checkpoint();
  const database = await server.createDatabase(label);
  try {
    return await work(database);
  } finally {
    await database.drop();
  }
}

/** One monotonic clock for every thread of this process (the clients run in a worker thread). */
const hrMs = () => Number(process.hrtime.bigint()) / 1e6;

interface ClientResult {
  readonly receivedAt: Float64Array;
  readonly received: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  readonly otherEvents: number;
  readonly closeCode: number | null;
}

async function measureWebSocket(
  context: Parameters<Benchmark['run']>[0],
  database: BenchDatabase,
  redisUrl: string,
  capacity: number,
  clientCount: number,
) {
  const child = await startChildServer({ databaseUrl: database.url, redisUrl, log: context.log });
  const storeDatabase = createPostgresDatabase({ connectionString: database.url, poolSize: config.maxInFlight });
  const store = await createEventStore({ database: storeDatabase });
  let worker: Worker | undefined;
  try {
    const streamUrl = new URL('/api/stream?from=end', child.url.replace(/^http/, 'ws')).toString();
    context.log(`websocket: connecting ${clientCount} client(s) to ${streamUrl} (in a worker thread)`);
    worker = new Worker(new URL('./lib/ws-clients-worker.mjs', import.meta.url), {
      workerData: { url: streamUrl, clients: clientCount, capacity, probeType },
    });
    const messages: { kind: string; message?: string; clients?: ClientResult[] }[] = [];
    let wake: (() => void) | null = null;
    worker.on('message', (message: { kind: string }) => {
      messages.push(message);
      wake?.();
    });
    worker.on('error', (error) => {
      messages.push({ kind: 'error', message: String(error) });
      wake?.();
    });
    const next = async (kind: string) => {
      for (;;) {
        const found = messages.find((message) => message.kind === kind || message.kind === 'error');
        if (found) {
          if (found.kind === 'error') throw new Error(`websocket clients: ${found.message}`);
          messages.splice(messages.indexOf(found), 1);
          return found;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };
    await next('ready');

    const perTick = Math.max(1, Math.round((config.eventsPerSecond * config.tickMs) / 1000));
    const totalMs = (config.warmupS + config.measureS) * 1000;
    const commitAt = new Float64Array(capacity).fill(-1);
    context.log(
      `websocket: writing ${config.eventsPerSecond} events/s (${perTick} per append every ${config.tickMs} ms) for ${totalMs / 1000} s`,
    );
    const cpuBefore = child.cpuSeconds();
    const benchCpuBefore = process.cpuUsage();
    const writeStart = hrMs();
    let stream = 0;
    const writer = await runWriter({
      totalMs,
      perTick,
      commitAt,
      now: hrMs,
      write: async (seqs) => {
        await store.appendToStream(
          `bench-ws-${stream++}`,
          seqs.map((seq) => ({ type: probeType, data: { seq, note: 'websocket latency probe' } })),
          { expectedVersion: 'no_stream' },
        );
      },
    });
    const writeEnd = hrMs();
    const serverCpuS = child.cpuSeconds() - cpuBefore;
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const benchCpuS = (benchCpu.user + benchCpu.system) / 1e6;
    worker.postMessage({ kind: 'finish', expected: writer.written - writer.errors * perTick, drainTimeoutMs: config.drainTimeoutMs });
    const clients = (await next('result')).clients!;

    const measureFrom = writeStart + config.warmupS * 1000;
    const latencies: number[] = [];
    let missing = 0;
    let negative = 0;
    for (const client of clients) {
      for (let seq = 0; seq < writer.written; seq += 1) {
        const committed = commitAt[seq]!;
        if (committed < 0) continue;
        const received = client.receivedAt[seq]!;
        if (received < 0) {
          missing += 1;
          continue;
        }
        if (committed < measureFrom) continue;
        const latency = received - committed;
        if (latency < 0) negative += 1;
        latencies.push(Math.max(0, latency));
      }
    }
    const perClient = clients.map((client) => client.received);
    return {
      summary: summarize(Float64Array.from(latencies)),
      clients: clientCount,
      written: writer.written,
      writerErrors: writer.errors,
      writerFirstError: writer.firstError,
      skippedTicks: writer.skippedTicks,
      achievedRate: (writer.written * 1000) / (writeEnd - writeStart),
      missing,
      negative,
      duplicates: clients.reduce((sum, client) => sum + client.duplicates, 0),
      outOfOrder: clients.reduce((sum, client) => sum + client.outOfOrder, 0),
      otherEvents: clients.reduce((sum, client) => sum + client.otherEvents, 0),
      closedEarly: clients.filter((client) => client.closeCode !== null).map((client) => client.closeCode),
      minPerClient: Math.min(...perClient),
      maxPerClient: Math.max(...perClient),
      serverCpuS,
      serverCpuCores: serverCpuS / ((writeEnd - writeStart) / 1000),
      /** Writer + clients (this process, all threads). */
      benchProcessCpuCores: benchCpuS / ((writeEnd - writeStart) / 1000),
    };
  } finally {
    await worker?.terminate();
    await store.close();
    await storeDatabase.close();
    await child.stop();
  }
}

async function measureListenNotify(context: Parameters<Benchmark['run']>[0], database: BenchDatabase, capacity: number) {
  const channel = 'bench_notify_ref';
  const listener = new pg.Client({ connectionString: database.url });
  const pool = new pg.Pool({ connectionString: database.url, max: config.maxInFlight });
  pool.on('error', () => undefined);
  await listener.connect();
  try {
    const receivedAt = new Float64Array(capacity).fill(-1);
    let duplicates = 0;
    let outOfOrder = 0;
    let last = -1;
    listener.on('notification', (message) => {
      const at = performance.now();
      const seq = Number(message.payload);
      if (seq <= last) outOfOrder += 1;
      last = Math.max(last, seq);
      if (receivedAt[seq]! >= 0) duplicates += 1;
      else receivedAt[seq] = at;
    });
    await listener.query(`listen ${channel}`);
    const perTick = Math.max(1, Math.round((config.eventsPerSecond * config.tickMs) / 1000));
    const totalMs = (config.warmupS + config.measureS) * 1000;
    const commitAt = new Float64Array(capacity).fill(-1);
    context.log(
      `LISTEN/NOTIFY: ${config.eventsPerSecond} notifications/s (${perTick} per statement every ${config.tickMs} ms) for ${totalMs / 1000} s, 1 listener`,
    );
    const start = performance.now();
    const writer = await runWriter({
      totalMs,
      perTick,
      commitAt,
      now: () => performance.now(),
      write: async (seqs) => {
        await pool.query('select pg_notify($1, s::text) from unnest($2::int[]) as s', [channel, seqs]);
      },
    });
    const end = performance.now();
    const drainUntil = performance.now() + config.drainTimeoutMs;
    const expected = () => {
      let count = 0;
      for (let seq = 0; seq < writer.written; seq += 1) if (commitAt[seq]! >= 0 && receivedAt[seq]! < 0) count += 1;
      return count;
    };
    while (performance.now() < drainUntil && expected() > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const measureFrom = start + config.warmupS * 1000;
    const latencies: number[] = [];
    let negative = 0;
    for (let seq = 0; seq < writer.written; seq += 1) {
      const committed = commitAt[seq]!;
      const received = receivedAt[seq]!;
      if (committed < measureFrom || received < 0) continue;
      if (received - committed < 0) negative += 1;
      latencies.push(Math.max(0, received - committed));
    }
    return {
      summary: summarize(Float64Array.from(latencies)),
      written: writer.written,
      writerErrors: writer.errors,
      skippedTicks: writer.skippedTicks,
      achievedRate: (writer.written * 1000) / (end - start),
      missing: expected(),
      negative,
      duplicates,
      outOfOrder,
    };
  } finally {
    await listener.end();
    await pool.end();
  }
}

export const benchmark: Benchmark = {
  name: 'websocket',
  description: 'WebSocket /api/stream live delivery latency (100 clients, 1,000 events/s) vs a plain LISTEN/NOTIFY round trip, same run',
  async run(context) {
    const server = await context.postgres();
    const redisUrl = await context.redis();
    const capacity = Math.ceil(config.eventsPerSecond * (config.warmupS + config.measureS + 1)) + 1000;

    const reference = await inFreshDatabase(server, 'ws_notify', (database) => measureListenNotify(context, database, capacity));
    const ours = await inFreshDatabase(server, 'ws', (database) => measureWebSocket(context, database, redisUrl, capacity, config.clients));
    // Diagnostic: the same pipeline with one client (no fan-out, little client-side work).
    const single = config.singleClientRun
      ? await inFreshDatabase(server, 'ws1', (database) => measureWebSocket(context, database, redisUrl, capacity, 1))
      : null;

    const figures: Figure[] = [
      {
        id: 'stream.tracktrove',
        workload: `${config.clients} clients, ${config.eventsPerSecond} events/s`,
        system: 'TrackTrove /api/stream',
        reference: false,
        metrics: {
          'events/s': ours.achievedRate,
          deliveries: ours.summary.count,
          'p50 ms': ours.summary.p50,
          'p99 ms': ours.summary.p99,
          'max ms': ours.summary.max,
          missing: ours.missing,
          'dup/out-of-order': ours.duplicates + ours.outOfOrder,
        },
        details: ours,
      },
      ...(single
        ? [
            {
              id: 'stream.tracktrove-1-client',
              workload: `1 client, ${config.eventsPerSecond} events/s (diagnostic)`,
              system: 'TrackTrove /api/stream',
              reference: false,
              metrics: {
                'events/s': single.achievedRate,
                deliveries: single.summary.count,
                'p50 ms': single.summary.p50,
                'p99 ms': single.summary.p99,
                'max ms': single.summary.max,
                missing: single.missing,
                'dup/out-of-order': single.duplicates + single.outOfOrder,
              },
              details: single,
            } satisfies Figure,
          ]
        : []),
      {
        id: 'stream.listen-notify',
        workload: `1 listener, ${config.eventsPerSecond} notifications/s`,
        system: 'pg LISTEN/NOTIFY',
        reference: true,
        metrics: {
          'events/s': reference.achievedRate,
          deliveries: reference.summary.count,
          'p50 ms': reference.summary.p50,
          'p99 ms': reference.summary.p99,
          'max ms': reference.summary.max,
          missing: reference.missing,
          // Concurrent NOTIFY statements may commit out of sequence order: only duplicates count here.
          'dup/out-of-order': reference.duplicates,
        },
        details: reference,
      },
    ];
    const complete =
      ours.missing === 0 && ours.duplicates === 0 && ours.outOfOrder === 0 && ours.closedEarly.length === 0 && ours.writerErrors === 0;
    const targets: TargetResult[] = [
      {
        id: 'stream-p99',
        description: `live delivery p99 < ${config.p99TargetMs} ms`,
        metric: 'p99 ms',
        actual: ours.summary.p99,
        required: config.p99TargetMs,
        basis: `${config.p99TargetMs} ms (lower is better)`,
        met: ours.summary.p99 < config.p99TargetMs,
      },
      {
        id: 'stream-complete',
        description: 'every client got every event once, in position order',
        metric: 'missing + duplicates + out of order',
        actual: ours.missing + ours.duplicates + ours.outOfOrder,
        required: 0,
        basis: 'exactly 0',
        met: complete,
      },
      {
        id: 'stream-rate',
        description: `writer sustained ${formatNumber(config.eventsPerSecond)} events/s`,
        metric: 'events/s',
        actual: ours.achievedRate,
        required: config.eventsPerSecond * 0.98,
        basis: '0.98 x the requested rate',
        met: ours.achievedRate >= config.eventsPerSecond * 0.98,
      },
    ];
    return {
      figures,
      targets,
      config: {
        ...config,
        writer: `appendToStream of ${Math.round((config.eventsPerSecond * config.tickMs) / 1000)} events to a new stream every ${config.tickMs} ms, from the benchmark process (open loop)`,
        clients: '/api/stream?from=end, ws clients in the benchmark process; latency = receive time - time the append returned',
        reference:
          'select pg_notify(channel, seq) from unnest($1) every tick, 1 LISTEN client; latency = notification time - time the statement returned',
      },
      notes: [
        "Server (child process), writer, clients, PostgreSQL and Redis share the same machine and cores; the clients run in a worker thread of the benchmark process (one event loop for all of them) and pick position and seq out of each message's JSON text instead of a full JSON.parse.",
        `Every event of the run is checked for delivery; latencies cover the ${config.measureS} s after a ${config.warmupS} s warm-up (deliveries = events x clients). A latency below 0 (message seen before the append's reply) counts as 0: ${ours.negative} such.`,
      ],
    };
  },
};
