/**
 * HTTP API throughput: POST /api/transactions on the real server, against the raw one-row INSERT
 * rate of the same PostgreSQL server, measured in the same run.
 *
 * - The server (startServer + trackTroveModule, as `tracktrove start` runs it) runs in a child
 *   process on a fresh database and the run's Redis; autocannon runs in this process.
 * - Every request is a valid initiate with a fresh vendorId (a new transaction each time). The
 *   simulated gateway's webhook delay and the escrow TTL are set to one hour, so no webhook
 *   delivery and no hold expiry runs during the measurement: the figure is the command path
 *   (validation, command handler, event append, Redis hold registration) with the read models
 *   following in the background of the same process. The per-client rate limit is lifted.
 * - Reference: raw one-row-per-event INSERTs (same row and table shape as tt_events, as in
 *   event-store.ts), BENCH_API_RAW_CONNECTIONS connections (default 32, the API's connection count).
 *
 * Knobs: BENCH_API_SECONDS (measured, default 10), BENCH_API_WARMUP_SECONDS (default 3),
 * BENCH_API_CONNECTIONS (default 32), BENCH_API_RAW_CONNECTIONS (default 32).
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { topStatements } from '@tracktrove/testing';
import { startChildServer } from './lib/api-server.ts';
import { measureRawSingleInserts } from './lib/raw-insert.ts';
import { atLeast, loadMetrics, quantile } from './lib/stats.ts';
import type { BenchDatabase, BenchPostgres, Benchmark, Figure, TargetResult } from './lib/types.ts';

const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

const config = {
  connections: Math.round(knob('BENCH_API_CONNECTIONS', 32)),
  rawConnections: Math.round(knob('BENCH_API_RAW_CONNECTIONS', 32)),
  measureS: knob('BENCH_API_SECONDS', 10),
  warmupS: knob('BENCH_API_WARMUP_SECONDS', 3),
  webhookDelayMs: 3_600_000,
  escrowTtlMs: 3_600_000,
  p99TargetMs: 50,
  rawRatioTarget: 0.35,
};

function initiateBody(): string {
  return JSON.stringify({
    vendorId: randomUUID(),
    payerId: randomUUID(),
    amount: '12.50',
    currency: 'INR',
    channel: 'WEB',
    kind: 'PAYMENT',
    payload: { sku: 'gem-pack-small', quantity: 3, note: 'bench' },
    serviceContext: 'bench',
    simulation: { successRate: 1, escrowTtlMs: config.escrowTtlMs, webhook: { delayMs: config.webhookDelayMs } },
  });
}

interface CannonRun {
  readonly result: autocannon.Result;
  readonly latenciesMs: number[];
  readonly statuses: Record<string, number>;
  readonly firstErrorBody: string | null;
}

async function cannon(url: string, seconds: number): Promise<CannonRun> {
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  let firstErrorBody: string | null = null;
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections: config.connections,
        duration: seconds,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: '/api/transactions',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => ({ ...request, body: initiateBody() }),
            onResponse: (status, body) => {
              statuses[status] = (statuses[status] ?? 0) + 1;
              if ((status < 200 || status > 299) && firstErrorBody === null) firstErrorBody = body.slice(0, 500);
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => latenciesMs.push(responseTime));
  const result = await done;
  return { result, latenciesMs, statuses, firstErrorBody };
}

/**
 * Samples pg_stat_activity of the database every 50 ms: what the server's backends wait on
 * (wait_event_type:wait_event, or "cpu" when active and not waiting), to explain the figure.
 */
function sampleWaits(url: string): { stop(): Promise<{ samples: number; backendStates: Record<string, number> }> } {
  const client = new pg.Client({ connectionString: url });
  const counts: Record<string, number> = {};
  let samples = 0;
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ state: string | null; wait: string | null }>(
        `select state, wait_event_type || ':' || wait_event as wait from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
      );
      samples += 1;
      for (const row of rows) {
        const key = row.state === 'active' ? (row.wait ?? 'active (cpu)') : (row.state ?? 'unknown');
        counts[key] = (counts[key] ?? 0) + 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })().catch(() => undefined);
  return {
    async stop() {
      running = false;
      await loop;
      await client.end().catch(() => undefined);
      const sorted = Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
      return { samples, backendStates: sorted };
    },
  };
}

/** Clears pg_stat_statements when it is loaded (LOCAL_PG_SETTINGS), so the figures are the measured run's. */
async function resetStatementStats(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create extension if not exists pg_stat_statements');
    await client.query('select pg_stat_statements_reset()');
  } catch {
    // not loaded: nothing to reset
  } finally {
    await client.end();
  }
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

export const benchmark: Benchmark = {
  name: 'api',
  description: 'POST /api/transactions on the real server (child process, PostgreSQL + Redis) vs raw 1-row INSERTs, same run',
  async run(context) {
    const server = await context.postgres();
    const redisUrl = await context.redis();
    const figures: Figure[] = [];

    context.log(`raw pg INSERT: ${config.rawConnections} connections (${config.warmupS} s warm-up, ${config.measureS} s measured)`);
    const raw = await inFreshDatabase(server, 'api_raw', (database) =>
      measureRawSingleInserts(database.url, {
        connections: config.rawConnections,
        warmupMs: config.warmupS * 1000,
        durationMs: config.measureS * 1000,
      }),
    );
    const rawMetrics = loadMetrics(raw);
    figures.push({
      id: 'raw-insert',
      workload: `raw 1-row INSERT, ${config.rawConnections} connections`,
      system: 'raw pg INSERT',
      reference: true,
      metrics: {
        'req/s': rawMetrics['events/s']!,
        'p50 ms': rawMetrics['p50 ms']!,
        'p99 ms': rawMetrics['p99 ms']!,
        'max ms': rawMetrics['max ms']!,
        'non-2xx': 0,
      },
      details: { calls: raw.calls, elapsedMs: raw.elapsedMs },
    });

    const api = await inFreshDatabase(server, 'api', async (database) => {
      const child = await startChildServer({ databaseUrl: database.url, redisUrl, log: context.log });
      try {
        context.log(`POST /api/transactions: ${config.connections} connections, ${config.warmupS} s warm-up`);
        const warmup = await cannon(child.url, config.warmupS);
        context.log(
          `  warm-up: ${warmup.result['2xx']} 2xx, ${warmup.result.non2xx} non-2xx${warmup.firstErrorBody ? ` (${warmup.firstErrorBody})` : ''}`,
        );
        context.log(`POST /api/transactions: ${config.measureS} s measured`);
        const cpuBefore = child.cpuSeconds();
        const sampler = sampleWaits(database.url);
        await resetStatementStats(database.url);
        const measured = await cannon(child.url, config.measureS);
        const waits = await sampler.stop();
        const statements = await topStatements(database.url, 25);
        if (statements.length > 0) context.log(`statements of the measured run:\n  ${statements.join('\n  ')}`);
        const serverCpuS = child.cpuSeconds() - cpuBefore;
        // After the load: how far behind the read models are, and the projections' own view.
        const projections = await fetch(new URL('/api/admin/projections', child.url), {
          headers: { authorization: 'Bearer bench-admin-token-0123456789' },
        })
          .then((response) => response.json() as Promise<unknown>)
          .catch((error: unknown) => ({ error: String(error) }));
        return { measured, serverCpuS, projections, waits, statements };
      } finally {
        await child.stop();
      }
    });

    const { result } = api.measured;
    const ok = result['2xx'];
    const apiRate = ok / result.duration;
    const apiP50 = quantile(api.measured.latenciesMs, 0.5);
    const apiP99 = quantile(api.measured.latenciesMs, 0.99);
    figures.push({
      id: 'api.post-transactions',
      workload: `POST /api/transactions, ${config.connections} connections`,
      system: 'TrackTrove API',
      reference: false,
      metrics: {
        'req/s': apiRate,
        'p50 ms': apiP50,
        'p99 ms': apiP99,
        'max ms':
          api.measured.latenciesMs.length > 0
            ? api.measured.latenciesMs.reduce((max, value) => (value > max ? value : max), -Infinity)
            : Number.NaN,
        'non-2xx': result.non2xx + result.errors,
      },
      details: {
        durationS: result.duration,
        responses2xx: ok,
        non2xx: result.non2xx,
        connectionErrors: result.errors,
        timeouts: result.timeouts,
        statuses: api.measured.statuses,
        firstErrorBody: api.measured.firstErrorBody,
        autocannonLatency: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
        serverCpuSeconds: api.serverCpuS,
        serverCpuCoresUsed: api.serverCpuS / result.duration,
        projectionsAfterLoad: api.projections,
        pgActivitySamples: api.waits,
        topStatements: api.statements,
      },
    });

    const targets: TargetResult[] = [
      atLeast({
        id: 'api-vs-raw',
        description: `POST /api/transactions >= ${config.rawRatioTarget} x raw 1-row INSERT`,
        metric: 'req/s',
        actual: apiRate,
        factor: config.rawRatioTarget,
        basisValue: rawMetrics['events/s']!,
        basisName: 'raw 1-row INSERT',
      }),
      {
        id: 'api-p99',
        description: `POST /api/transactions p99 < ${config.p99TargetMs} ms`,
        metric: 'p99 ms',
        actual: apiP99,
        required: config.p99TargetMs,
        basis: `${config.p99TargetMs} ms (lower is better)`,
        met: apiP99 < config.p99TargetMs,
      },
      {
        id: 'api-non2xx',
        description: 'no non-2xx response or connection error',
        metric: 'non-2xx',
        actual: result.non2xx + result.errors,
        required: 0,
        basis: 'exactly 0',
        met: result.non2xx + result.errors === 0,
      },
    ];
    return {
      figures,
      targets,
      config: {
        ...config,
        request:
          'POST /api/transactions, JSON body with a fresh vendorId and payerId per request; simulation.webhook.delayMs and simulation.escrowTtlMs one hour (no background delivery or expiry during the run)',
        server:
          'startServer({ modules: [trackTroveModule()] }) in a child process, logLevel silent, rate limit lifted, no tokens for commands (sandbox default)',
        loadGenerator: `autocannon, ${config.connections} connections, no pipelining, in the benchmark process`,
      },
      notes: [
        'Server (child process), load generator, PostgreSQL and Redis share the same machine and cores.',
        'Latencies are per response as autocannon measured them (from its response event); req/s counts 2xx responses over the measured duration.',
      ],
    };
  },
};
