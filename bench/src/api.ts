/**
 * The command path: POST /api/transactions on several servers under the same load in the same run.
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
 * A B C D D C B A; the figures are the medians of each system's runs. Per run: req/s (2xx over the
 * measured duration), p50 and p99 of every response, the server's CPU ms per request (its process
 * and any child process, from /proc) and PostgreSQL's (the postmaster and its backends, when the
 * server is local).
 *
 * Knobs: BENCH_API_SECONDS (measured, default 10), BENCH_API_WARMUP_SECONDS (default 3),
 * BENCH_API_CONNECTIONS (default 32), BENCH_API_SYSTEMS (comma-separated, in the order of a
 * round, from bare, emmett, tracktrove-core, tracktrove and tracktrove-split; default
 * bare,emmett,tracktrove-core,tracktrove),
 * BENCH_API_ROUNDS (rounds of A B C / C B A, default 2).
 *
 * tracktrove-split measures the lever "read models out of the request process" with the
 * product as it is: a second server process started first takes the read models' leases, the
 * measured one serves the requests with its read models on standby (read-your-writes through
 * minPosition then waits on the other process's checkpoints). Its "all processes" CPU counts both.
 *
 * tracktrove-core is an ablation, not a product: the application facade's initiate behind a bare
 * Fastify route, without the read models, the log tail, Redis or the API's hooks
 * (lib/peers/tracktrove-core-main.ts). It measures what the command's guarantee costs by itself.
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

type SystemKey = 'bare' | 'emmett' | 'tracktrove-core' | 'tracktrove' | 'tracktrove-split';
const allSystems: readonly SystemKey[] = ['bare', 'emmett', 'tracktrove-core', 'tracktrove', 'tracktrove-split'];
const defaultSystems: readonly SystemKey[] = ['bare', 'emmett', 'tracktrove-core', 'tracktrove'];

const config = {
  connections: Math.round(knob('BENCH_API_CONNECTIONS', 32)),
  measureS: knob('BENCH_API_SECONDS', 10),
  warmupS: knob('BENCH_API_WARMUP_SECONDS', 3),
  rounds: Math.round(knob('BENCH_API_ROUNDS', 2)),
  systems: (process.env.BENCH_API_SYSTEMS ?? defaultSystems.join(','))
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
  /**
   * A second process of the same server started first, which takes the read models' leases
   * (their advisory locks): the measured server then serves requests with its read models on
   * standby, and the companion projects. It gets no requests; its CPU counts in "all processes".
   */
  readonly projectorCompanion?: boolean;
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
  'tracktrove-core': {
    key: 'tracktrove-core',
    name: "TrackTrove's guarantee alone (facade + bare route)",
    reference: true,
    entry: 'peers/tracktrove-core-main.ts',
  },
  tracktrove: { key: 'tracktrove', name: 'TrackTrove API', reference: false, entry: 'api-server-main.ts' },
  'tracktrove-split': {
    key: 'tracktrove-split',
    name: 'TrackTrove API, read models in a 2nd process',
    reference: false,
    entry: 'api-server-main.ts',
    projectorCompanion: true,
  },
};

const adminHeaders = { authorization: 'Bearer bench-admin-token-0123456789' };

/** Waits until every read model of the server at `url` is in `status` (live: it holds their leases; standby: another process does). */
async function untilProjections(url: string, status: 'live' | 'standby', timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(new URL('/api/admin/projections', url), { headers: adminHeaders });
    const { items } = (await response.json()) as { items: Array<{ status: string }> };
    if (items.length > 0 && items.every((item) => item.status === status)) return;
    if (Date.now() > deadline) throw new Error(`the read models of ${url} are not ${status}: ${JSON.stringify(items)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The statuses of the read models as the server at `url` reports them, after the load. */
async function projectionStatuses(url: string): Promise<unknown> {
  return fetch(new URL('/api/admin/projections', url), { headers: adminHeaders })
    .then((response) => response.json() as Promise<unknown>)
    .catch((error: unknown) => ({ error: String(error) }));
}

interface RunFigures {
  readonly system: SystemKey;
  readonly reqPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly serverCpuMsPerRequest: number;
  readonly allProcessesCpuMsPerRequest: number;
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
    const companion = spec.projectorCompanion
      ? await startChildServer({ databaseUrl: database.url, redisUrl, log, entry: spec.entry })
      : undefined;
    if (companion) await untilProjections(companion.url, 'live');
    const child = await startChildServer({ databaseUrl: database.url, redisUrl, log, entry: spec.entry }).catch(async (error: unknown) => {
      await companion?.stop();
      throw error;
    });
    const companionCpuSeconds = () => (companion ? companion.treeCpuSeconds() : 0);
    const body = () => initiateBody(config.escrowTtlMs, config.webhookDelayMs);
    try {
      if (companion) await untilProjections(child.url, 'standby');
      const warmup = await cannon(child.url, { connections: config.connections, seconds: config.warmupS, body });
      log(
        `  ${spec.key} warm-up: ${warmup.result['2xx']} 2xx, ${warmup.result.non2xx} non-2xx${warmup.firstErrorBody ? ` (${warmup.firstErrorBody})` : ''}`,
      );
      const ours = !spec.reference;
      if (ours) await resetStatementStats(database.url);
      // Every system's run is sampled alike, so the sampler's own queries weigh on each PostgreSQL figure.
      const sampler = sampleWaits(database.url);
      const serverBefore = child.treeCpuSeconds();
      const companionBefore = companionCpuSeconds();
      const postgresBefore = postgresCpuSeconds();
      const measured = await cannon(child.url, { connections: config.connections, seconds: config.measureS, body });
      const serverCpuS = child.treeCpuSeconds() - serverBefore;
      const companionCpuS = companionCpuSeconds() - companionBefore;
      const postgresCpuS = postgresCpuSeconds() - postgresBefore;
      const waits = await sampler.stop();
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
        allProcessesCpuMsPerRequest: ((serverCpuS + companionCpuS) * 1000) / ok,
        postgresCpuMsPerRequest: (postgresCpuS * 1000) / ok,
        details: {
          durationS: result.duration,
          responses2xx: ok,
          statuses: measured.statuses,
          firstErrorBody: measured.firstErrorBody,
          timeouts: result.timeouts,
          serverCpuSeconds: serverCpuS,
          serverCoresUsed: serverCpuS / result.duration,
          ...(companion ? { projectorProcessCpuSeconds: companionCpuS } : {}),
          ...(ours ? { projectionsAfterLoad: await projectionStatuses(companion?.url ?? child.url) } : {}),
          // The measured process of the split: its read models on standby, or the split did not happen.
          ...(companion ? { servingProcessProjections: await projectionStatuses(child.url) } : {}),
          postgresCpuSeconds: postgresCpuS,
          pgActivitySamples: waits,
          ...(statements.length > 0 ? { topStatements: statements } : {}),
        },
      };
      log(
        `  ${spec.key}: ${Math.round(figures.reqPerS)} req/s, p50 ${figures.p50Ms.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(1)} ms, ` +
          `server ${figures.serverCpuMsPerRequest.toFixed(3)} CPU ms/req (all processes ${figures.allProcessesCpuMsPerRequest.toFixed(3)}), PostgreSQL ${figures.postgresCpuMsPerRequest.toFixed(3)} CPU ms/req, non-2xx ${figures.non2xx}`,
      );
      return figures;
    } finally {
      await child.stop();
      await companion?.stop();
    }
  });
}

/** The middle value, or the mean of the two middle ones. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

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
      'all processes CPU ms/req': median(runs.map((run) => run.allProcessesCpuMsPerRequest)),
      'PostgreSQL CPU ms/req': median(runs.map((run) => run.postgresCpuMsPerRequest)),
      'non-2xx': runs.reduce((sum, run) => sum + run.non2xx, 0),
    },
    details: { runs },
  };
}

function targetsFor(key: SystemKey, ours: Figure, emmett: Figure | undefined): TargetResult[] {
  const metric = (figure: Figure, name: string) => figure.metrics[name] ?? Number.NaN;
  const who = key === 'tracktrove' ? 'TrackTrove' : 'TrackTrove (read models in a 2nd process)';
  const targets: TargetResult[] = [];
  if (emmett) {
    const required = config.emmettRatioTarget * metric(emmett, 'req/s');
    const actual = metric(ours, 'req/s');
    targets.push({
      id: `${key}-vs-emmett`,
      description: `${who} req/s >= ${config.emmettRatioTarget} x the Emmett peer (now ${(actual / metric(emmett, 'req/s')).toFixed(2)}x)`,
      metric: 'req/s',
      actual,
      required,
      basis: `${config.emmettRatioTarget} x Emmett peer, same run`,
      met: actual >= required,
    });
  }
  const p99 = metric(ours, 'p99 ms');
  targets.push({
    id: `${key}-p99`,
    description: `${who} p99 < ${config.p99TargetMs} ms at ${config.connections} connections`,
    metric: 'p99 ms',
    actual: p99,
    required: config.p99TargetMs,
    basis: `${config.p99TargetMs} ms (lower is better)`,
    met: p99 < config.p99TargetMs,
  });
  const cpu = metric(ours, 'server CPU ms/req');
  targets.push({
    id: `${key}-server-cpu`,
    description: `${who}: the request-serving process's CPU per initiate <= ${config.serverCpuMsTarget} ms`,
    metric: 'server CPU ms/req',
    actual: cpu,
    required: config.serverCpuMsTarget,
    basis: `${config.serverCpuMsTarget} ms (lower is better)`,
    met: cpu <= config.serverCpuMsTarget,
  });
  const non2xx = metric(ours, 'non-2xx');
  targets.push({
    id: `${key}-non2xx`,
    description: `${who}: no non-2xx response or connection error`,
    metric: 'non-2xx',
    actual: non2xx,
    required: 0,
    basis: 'exactly 0',
    met: non2xx === 0,
  });
  return targets;
}

function targetsOf(figures: ReadonlyMap<SystemKey, Figure>): TargetResult[] {
  const emmett = figures.get('emmett');
  return (['tracktrove', 'tracktrove-split'] as const).flatMap((key) => {
    const ours = figures.get(key);
    return ours ? targetsFor(key, ours, emmett) : [];
  });
}

export const benchmark: Benchmark = {
  name: 'api',
  description:
    "POST /api/transactions: the bare route, the Emmett peer, TrackTrove's guarantee alone and TrackTrove, each a child process under the same load, A B C D D C B A",
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
