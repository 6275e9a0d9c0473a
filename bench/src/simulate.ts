/**
 * What users feel: `tracktrove simulate --count N` (no server beside it: the CLI opens the
 * database itself and runs the application in its own process), on the embedded default (PGlite
 * in a fresh data directory, in-process timers) and on PostgreSQL (a fresh database on the run's
 * server, the run's Redis). The figure is the CLI's own "transactions/s" over the firing of the N
 * initiations (default concurrency 8), and the wall time of the whole command.
 *
 * Knobs: BENCH_SIMULATE_COUNT (default 2,000).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark, Figure } from './lib/types.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const count = Math.max(1, Math.round(Number(process.env.BENCH_SIMULATE_COUNT ?? 2_000)) || 2_000);

interface SimulateRun {
  readonly transactionsPerSecond: number;
  readonly firingSeconds: number;
  readonly wallSeconds: number;
  readonly summary: string;
}

/** Runs the CLI's simulate through tsx (as `pnpm tracktrove` does) and reads its summary's first line. */
async function simulate(env: Record<string, string>, extraArgs: string[]): Promise<SimulateRun> {
  const args = ['--import', 'tsx', 'apps/cli/src/main.ts', 'simulate', '--count', String(count), '--max-wait-s', '0', ...extraArgs];
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const wallSeconds = (performance.now() - started) / 1000;
  const line = /fired \d+ transactions? .* in ([\d.]+) s: (\d+) transactions\/s/.exec(output);
  if (code !== 0 || !line) throw new Error(`simulate exited with ${code}: ${output.slice(-2_000)}`);
  return {
    transactionsPerSecond: Number(line[2]),
    firingSeconds: Number(line[1]),
    wallSeconds,
    summary: line[0],
  };
}

function figureOf(id: string, workload: string, run: SimulateRun): Figure {
  return {
    id,
    workload,
    system: 'tracktrove simulate (CLI, no server)',
    reference: false,
    metrics: { 'transactions/s': run.transactionsPerSecond, 'firing s': run.firingSeconds, 'wall s': run.wallSeconds },
    details: { summary: run.summary },
  };
}

export const benchmark: Benchmark = {
  name: 'simulate',
  description: `tracktrove simulate --count ${count}: embedded (PGlite) and on PostgreSQL + Redis`,
  async run(context) {
    const figures: Figure[] = [];
    const dataDir = await mkdtemp(join(tmpdir(), 'tracktrove-bench-simulate-'));
    try {
      context.log(`simulate --count ${count}, embedded, data directory ${dataDir}`);
      const embedded = await simulate({ DATABASE_URL: '', REDIS_URL: '' }, ['--data-dir', dataDir]);
      context.log(`  ${embedded.summary}`);
      figures.push(figureOf('simulate.embedded', `simulate --count ${count}, embedded (PGlite, new data directory)`, embedded));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    const server = await context.postgres();
    const redisUrl = await context.redis();
    await server.checkpoint();
    const database = await server.createDatabase('simulate');
    try {
      context.log(`simulate --count ${count}, PostgreSQL ${database.name} and Redis`);
      const onPostgres = await simulate({ DATABASE_URL: database.url, REDIS_URL: redisUrl }, []);
      context.log(`  ${onPostgres.summary}`);
      figures.push(figureOf('simulate.postgres', `simulate --count ${count}, PostgreSQL + Redis (fresh database)`, onPostgres));
    } finally {
      await database.drop();
    }
    return {
      figures,
      targets: [],
      config: { count, concurrency: 8, maxWaitS: 0, runner: 'node --import tsx apps/cli/src/main.ts simulate' },
      notes: ['transactions/s is the CLI summary figure: the count over the time taken to fire the initiations (concurrency 8).'],
    };
  },
};
