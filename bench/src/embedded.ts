/**
 * The embedded default as a user runs it: `tracktrove start` (the compiled bundle, as `pnpm start`
 * runs it) on PGlite in a fresh data directory, measured from outside the process.
 *
 * - start to /health: from spawning the process to the first 200 from GET /health, on a new data
 *   directory (initdb included) and on the same directory again (the case `pnpm start` meets every
 *   day; nothing to build: the bundle is built before the clock starts).
 * - idle RSS: the server's resident memory (VmRSS of /proc/<pid>/status) BENCH_EMBEDDED_IDLE_S after
 *   /health, with no request; and its peak (VmHWM).
 * - RSS after N simulated transactions: `tracktrove simulate --count N` beside the server (through
 *   its HTTP API, as the CLI does when a server holds the directory), then once the server has
 *   settled them, RSS and peak.
 * - Reference: the same server run from the TypeScript sources through tsx (`pnpm dev`), idle.
 *
 * Knobs: BENCH_EMBEDDED_TRANSACTIONS (10000), BENCH_EMBEDDED_IDLE_S (5).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Benchmark, BenchContext, Figure, TargetResult } from './lib/types.ts';

const root = resolve(import.meta.dirname, '../..');
const bundle = join(root, 'apps/cli/dist/tracktrove.mjs');
const sources = join(root, 'apps/cli/src/main.ts');
const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const config = {
  transactions: Math.round(knob('BENCH_EMBEDDED_TRANSACTIONS', 10_000)),
  idleS: knob('BENCH_EMBEDDED_IDLE_S', 5),
  healthTimeoutMs: 120_000,
  idleRssTargetMb: 250,
  loadedRssTargetMb: 400,
  startTargetMs: 3_000,
};

const mb = (kilobytes: number) => Math.round(kilobytes / 1024);

function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: mb(field('VmRSS')), peakMb: mb(field('VmHWM')) };
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

interface Started {
  readonly child: ChildProcess;
  readonly startMs: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** Spawns `tracktrove start` and times it to the first 200 from /health. */
async function start(args: readonly string[], dataDir: string): Promise<Started> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...args, 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '100000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tracktrove start exited with ${child.exitCode}`);
    if (performance.now() - startedAt > config.healthTimeoutMs) throw new Error('tracktrove start did not answer /health in time');
    const ok = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((done) => setTimeout(done, 20));
  }
  const startMs = Math.round(performance.now() - startedAt);
  return {
    child,
    startMs,
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const idle = () => new Promise((done) => setTimeout(done, config.idleS * 1_000));

async function run({ log }: BenchContext) {
  log('building the bundle when it is older than its sources (not timed)');
  execFileSync(process.execPath, [join(root, 'infra/ensure-cli-build.mjs')], { stdio: ['ignore', 2, 2] });
  const figures: Figure[] = [];
  const work = mkdtempSync(join(tmpdir(), 'tracktrove-bench-embedded-'));
  const loadBefore = loadavg()[0]!;
  try {
    const dataDir = join(work, 'data');
    log('first start: a new data directory');
    const first = await start([bundle], dataDir);
    await idle();
    const firstMemory = memoryOf(first.child.pid!);
    await first.stop();
    figures.push({
      id: 'first-start',
      workload: 'start on a new data directory (initdb), idle',
      system: 'TrackTrove (bundle)',
      reference: false,
      metrics: { 'start to /health ms': first.startMs, 'idle RSS MB': firstMemory.rssMb, 'peak RSS MB': firstMemory.peakMb },
    });

    log('start again on the same data directory');
    const again = await start([bundle], dataDir);
    await idle();
    const idleMemory = memoryOf(again.child.pid!);
    figures.push({
      id: 'start',
      workload: 'start on an existing data directory, idle',
      system: 'TrackTrove (bundle)',
      reference: false,
      metrics: { 'start to /health ms': again.startMs, 'idle RSS MB': idleMemory.rssMb, 'peak RSS MB': idleMemory.peakMb },
    });

    log(`simulate --count ${config.transactions} beside it, through its API`);
    const simulatedAt = performance.now();
    execFileSync(
      process.execPath,
      [bundle, 'simulate', '--count', String(config.transactions), '--success-rate', '1', '--concurrency', '16', '--max-wait-s', '600'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'ignore'],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const simulateS = Math.round((performance.now() - simulatedAt) / 100) / 10;
    await idle();
    const loadedMemory = memoryOf(again.child.pid!);
    await again.stop();
    figures.push({
      id: 'loaded',
      workload: `after ${config.transactions} simulated transactions, idle`,
      system: 'TrackTrove (bundle)',
      reference: false,
      metrics: { 'idle RSS MB': loadedMemory.rssMb, 'peak RSS MB': loadedMemory.peakMb },
      details: { simulateS },
    });

    log('reference: the same server from the sources through tsx');
    const viaTsx = await start(['--import', 'tsx', sources], dataDir);
    await idle();
    const tsxMemory = memoryOf(viaTsx.child.pid!);
    await viaTsx.stop();
    figures.push({
      id: 'tsx',
      workload: 'start on an existing data directory, idle',
      system: 'TrackTrove through tsx (pnpm dev)',
      reference: true,
      metrics: { 'start to /health ms': viaTsx.startMs, 'idle RSS MB': tsxMemory.rssMb, 'peak RSS MB': tsxMemory.peakMb },
    });

    const atMost = (id: string, description: string, metric: string, actual: number, required: number): TargetResult => ({
      id,
      description,
      metric,
      actual,
      required,
      basis: `at most ${required}`,
      met: actual <= required,
    });
    const targets = [
      atMost('idle-rss', 'idle RSS after start (existing data directory)', 'idle RSS MB', idleMemory.rssMb, config.idleRssTargetMb),
      atMost(
        'loaded-rss',
        `RSS after ${config.transactions} simulated transactions`,
        'idle RSS MB',
        loadedMemory.rssMb,
        config.loadedRssTargetMb,
      ),
      atMost('start', 'process start to /health, nothing to build', 'start to /health ms', again.startMs, config.startTargetMs),
    ];
    return {
      figures,
      targets,
      config,
      notes: [
        `load average (1 min) ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after, on a machine shared with other work: times are upper bounds when it is loaded`,
      ],
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  name: 'embedded',
  description: 'the embedded default: start time and memory of tracktrove start on PGlite',
  run,
};
