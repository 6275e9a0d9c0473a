/**
 * The command path: POST /api/transactions on three servers under the same load in the same run.
 *
 * - **bare route** (ref): Fastify 5, the initiate body validated with the API's zod schema, one
 *   INSERT of a tt_events-shaped row (lib/peers/bare-route-main.ts).
 * - **Emmett peer** (ref): Emmett's PostgreSQL event store and DeciderCommandHandler, a decider
 *   for initiate (TransactionInitiated + EscrowHoldPlaced on `txn-<id>`), same body and validation
 *   (lib/peers/emmett-initiate-main.ts).
 * - **TrackTrove**: the real server (startServer + trackTroveModule, as `tracktrove start` runs it,
 *   lib/api-server-main.ts): silent logs, rate limit lifted, the run's Redis. The simulated
 *   gateway's webhook delay and the escrow TTL are one hour, so no delivery or expiry runs during
 *   the measurement; the read models and the WebSocket log tail follow as in production.
 *
 * Each system runs as a child process on a fresh database, under autocannon in this process
 * (BENCH_API_CONNECTIONS connections, a warm-up, then the measured seconds), in the order
 * A B C C B A; the figures are the medians of each system's runs. Per run: req/s (2xx over the
 * measured duration), p50 and p99 of every response, the server's CPU ms per request (its process
 * and any child process, from /proc) and PostgreSQL's (the postmaster and its backends, when the
 * server is local).
 *
 * Knobs: BENCH_API_SECONDS (measured, default 10), BENCH_API_WARMUP_SECONDS (default 3),
 * BENCH_API_CONNECTIONS (default 32), BENCH_API_SYSTEMS (comma-separated subset of
 * bare,emmett,tracktrove, in that order of the round; default all three), BENCH_API_ROUNDS
 * (rounds of A B C / C B A, default 2).
 */
import pg from 'pg';
import { createPostgresDatabase, migrateToLatest } from '@tracktrove/event-store';
import { topStatements } from '@tracktrove/testing';
import { startChildServer } from './lib/api-server.ts';
import { cannon, initiateBody, postmasterPidOf, resetStatementStats, sampleWaits } from './lib/initiate-load.ts';
import { parentPidOf, processTreeCpuSeconds } from './lib/process-cpu.ts';
import { quantile } from './lib/stats.ts';
import type { BenchDatabase, BenchPostgres, Benchmark, Figure, TargetResult } from './lib/types.ts';

const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

type SystemKey = 'bare' | 'emmett' | 'tracktrove';
const allSystems: readonly SystemKey[] = ['bare', 'emmett', 'tracktrove'];

const config = {
  connections: Math.round(knob('BENCH_API_CONNECTIONS', 32)),
  measureS: knob('BENCH_API_SECONDS', 10),
  warmupS: knob('BENCH_API_WARMUP_SECONDS', 3),
  rounds: Math.round(knob('BENCH_API_ROUNDS', 2)),
  systems: (process.env.BENCH_API_SYSTEMS ?? allSystems.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter((name): name is SystemKey => (allSystems as readonly string[]).includes(name)),
  webhookDelayMs: 3_600_000,
  escrowTtlMs: 3_600_000,
  emmettRatioTarget: 1.5,
  p99TargetMs: 25,
  serverCpuMsTarget: 0.35,
};

interface SystemSpec {
  readonly key: SystemKey;
  readonly name: string;
  readonly reference: boolean;
  readonly entry: string;
  /** Work on the fresh database before the server starts. */
  prepare?(url: string): Promise<void>;
}

/** tt_events and raw_events LIKE it, for the bare route. */
async function prepareRawEvents(url: string): Promise<void> {
  const database = createPostgresDatabase({ connectionString: url, poolSize: 1 });
  await migrateToLatest(database.db);
  await database.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create table raw_events (like tt_events including all)');
  } finally {
    await client.end();
  }
}

const specs: Record<SystemKey, SystemSpec> = {
  bare: {
    key: 'bare',
    name: 'bare route: Fastify + zod + 1 INSERT',
    reference: true,
    entry: 'peers/bare-route-main.ts',
    prepare: prepareRawEvents,
  },
  emmett: { key: 'emmett', name: 'Emmett 0.42.0 peer (DeciderCommandHandler)', reference: true, entry: 'peers/emmett-initiate-main.ts' },
  tracktrove: { key: 'tracktrove', name: 'TrackTrove API', reference: false, entry: 'api-server-main.ts' },
};

interface RunFigures {
  readonly system: SystemKey;
  readonly reqPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly serverCpuMsPerRequest: number;
  readonly postgresCpuMsPerRequest: number;
  readonly details: Record<string, unknown>;
}

/** A B C, then C B A, and so on: each system's runs spread evenly over the sitting. */
export function runOrder(systems: readonly SystemKey[], rounds: number): SystemKey[] {
  const order: SystemKey[] = [];
  for (let round = 0; round < rounds; round += 1) order.push(...(round % 2 === 0 ? systems : [...systems].reverse()));
  return order;
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

async function measureOnce(spec: SystemSpec, server: BenchPostgres, redisUrl: string, log: (message: string) => void): Promise<RunFigures> {
  return inFreshDatabase(server, `api_${spec.key}`, async (database) => {
    await spec.prepare?.(database.url);
    const postmaster = server.source === 'local' ? await postmasterPidOf(database.url, parentPidOf) : undefined;
    const postgresCpuSeconds = () => (postmaster === undefined ? Number.NaN : processTreeCpuSeconds(postmaster));
    const child = await startChildServer({ databaseUrl: database.url, redisUrl, log, entry: spec.entry });
    const body = () => initiateBody(config.escrowTtlMs, config.webhookDelayMs);
    try {
      const warmup = await cannon(child.url, { connections: config.connections, seconds: config.warmupS, body });
      log(
        `  ${spec.key} warm-up: ${warmup.result['2xx']} 2xx, ${warmup.result.non2xx} non-2xx${warmup.firstErrorBody ? ` (${warmup.firstErrorBody})` : ''}`,
      );
      const ours = spec.key === 'tracktrove';
      if (ours) await resetStatementStats(database.url);
      const sampler = ours ? sampleWaits(database.url) : undefined;
      const serverBefore = child.treeCpuSeconds();
      const postgresBefore = postgresCpuSeconds();
      const measured = await cannon(child.url, { connections: config.connections, seconds: config.measureS, body });
      const serverCpuS = child.treeCpuSeconds() - serverBefore;
      const postgresCpuS = postgresCpuSeconds() - postgresBefore;
      const waits = await sampler?.stop();
      const statements = ours ? await topStatements(database.url, 25) : [];
      const { result, latenciesMs } = measured;
      const ok = result['2xx'];
      const figures: RunFigures = {
        system: spec.key,
        reqPerS: ok / result.duration,
        p50Ms: quantile(latenciesMs, 0.5),
        p99Ms: quantile(latenciesMs, 0.99),
        maxMs: latenciesMs.length > 0 ? latenciesMs.reduce((max, value) => Math.max(max, value), -Infinity) : Number.NaN,
        non2xx: result.non2xx + result.errors,
        serverCpuMsPerRequest: (serverCpuS * 1000) / ok,
        postgresCpuMsPerRequest: (postgresCpuS * 1000) / ok,
        details: {
          durationS: result.duration,
          responses2xx: ok,
          statuses: measured.statuses,
          firstErrorBody: measured.firstErrorBody,
          timeouts: result.timeouts,
          serverCpuSeconds: serverCpuS,
          serverCoresUsed: serverCpuS / result.duration,
          postgresCpuSeconds: postgresCpuS,
          ...(waits ? { pgActivitySamples: waits } : {}),
          ...(statements.length > 0 ? { topStatements: statements } : {}),
        },
      };
      log(
        `  ${spec.key}: ${Math.round(figures.reqPerS)} req/s, p50 ${figures.p50Ms.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(1)} ms, ` +
          `server ${figures.serverCpuMsPerRequest.toFixed(3)} CPU ms/req, PostgreSQL ${figures.postgresCpuMsPerRequest.toFixed(3)} CPU ms/req, non-2xx ${figures.non2xx}`,
      );
      return figures;
    } finally {
      await child.stop();
    }
  });
}

const median = (values: readonly number[]) => quantile(values, 0.5);

function figureOf(spec: SystemSpec, runs: readonly RunFigures[]): Figure {
  return {
    id: `api.${spec.key}`,
    workload: `POST /api/transactions, ${config.connections} connections, median of ${runs.length}`,
    system: spec.name,
    reference: spec.reference,
    metrics: {
      'req/s': median(runs.map((run) => run.reqPerS)),
      'p50 ms': median(runs.map((run) => run.p50Ms)),
      'p99 ms': median(runs.map((run) => run.p99Ms)),
      'server CPU ms/req': median(runs.map((run) => run.serverCpuMsPerRequest)),
      'PostgreSQL CPU ms/req': median(runs.map((run) => run.postgresCpuMsPerRequest)),
      'non-2xx': runs.reduce((sum, run) => sum + run.non2xx, 0),
    },
    details: { runs },
  };
}

function targetsOf(figures: ReadonlyMap<SystemKey, Figure>): TargetResult[] {
  const ours = figures.get('tracktrove');
  if (!ours) return [];
  const metric = (figure: Figure, name: string) => figure.metrics[name] ?? Number.NaN;
  const targets: TargetResult[] = [];
  const emmett = figures.get('emmett');
  if (emmett) {
    const required = config.emmettRatioTarget * metric(emmett, 'req/s');
    const actual = metric(ours, 'req/s');
    targets.push({
      id: 'api-vs-emmett',
      description: `TrackTrove req/s >= ${config.emmettRatioTarget} x the Emmett peer (now ${(actual / metric(emmett, 'req/s')).toFixed(2)}x)`,
      metric: 'req/s',
      actual,
      required,
      basis: `${config.emmettRatioTarget} x Emmett peer, same run`,
      met: actual >= required,
    });
  }
  const p99 = metric(ours, 'p99 ms');
  targets.push({
    id: 'api-p99',
    description: `TrackTrove p99 < ${config.p99TargetMs} ms at ${config.connections} connections`,
    metric: 'p99 ms',
    actual: p99,
    required: config.p99TargetMs,
    basis: `${config.p99TargetMs} ms (lower is better)`,
    met: p99 < config.p99TargetMs,
  });
  const cpu = metric(ours, 'server CPU ms/req');
  targets.push({
    id: 'api-server-cpu',
    description: `TrackTrove server CPU per initiate <= ${config.serverCpuMsTarget} ms (all its processes)`,
    metric: 'server CPU ms/req',
    actual: cpu,
    required: config.serverCpuMsTarget,
    basis: `${config.serverCpuMsTarget} ms (lower is better)`,
    met: cpu <= config.serverCpuMsTarget,
  });
  const non2xx = metric(ours, 'non-2xx');
  targets.push({
    id: 'api-non2xx',
    description: 'no non-2xx response or connection error',
    metric: 'non-2xx',
    actual: non2xx,
    required: 0,
    basis: 'exactly 0',
    met: non2xx === 0,
  });
  return targets;
}

export const benchmark: Benchmark = {
  name: 'api',
  description:
    'POST /api/transactions: the bare route, the Emmett peer and TrackTrove, each a child process under the same load, A B C C B A',
  async run(context) {
    const server = await context.postgres();
    const redisUrl = await context.redis();
    const order = runOrder(config.systems, config.rounds);
    context.log(
      `order ${order.join(' ')}: ${config.connections} connections, ${config.warmupS} s warm-up, ${config.measureS} s measured each`,
    );
    const runs: RunFigures[] = [];
    for (const key of order) runs.push(await measureOnce(specs[key], server, redisUrl, context.log));

    const figures = new Map<SystemKey, Figure>();
    for (const key of config.systems)
      figures.set(
        key,
        figureOf(
          specs[key],
          runs.filter((run) => run.system === key),
        ),
      );
    return {
      figures: [...figures.values()],
      targets: targetsOf(figures),
      config: {
        ...config,
        order,
        request:
          'POST /api/transactions, JSON body with a fresh vendorId and payerId per request; simulation.webhook.delayMs and simulation.escrowTtlMs one hour (no background delivery or expiry during the run)',
        tracktrove:
          'startServer({ modules: [trackTroveModule()] }) in a child process, logLevel silent, rate limit lifted, no tokens for commands (sandbox default)',
        peers: 'Fastify 5 with fastify-type-provider-zod and the API InitiateBodySchema; pg pools of 20 (TrackTrove default)',
        loadGenerator: `autocannon, ${config.connections} connections, no pipelining, in the benchmark process`,
      },
      notes: [
        'Servers (child processes), load generator, PostgreSQL and Redis share the same machine and cores.',
        'server CPU ms/req: the server process and its child processes (/proc utime+stime) over the measured seconds, per 2xx. PostgreSQL CPU ms/req: the postmaster and all its processes (local server only).',
        "Latencies are per response as autocannon measured them; req/s counts 2xx responses over the measured duration. Each figure is the median of the system's runs (details.runs has each).",
      ],
    };
  },
};
