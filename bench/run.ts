/**
 * Benchmark runner: `pnpm bench` runs every benchmark, `pnpm bench event-store` only the ones named.
 *
 * Every file bench/src/<name>.ts is a benchmark: it exports `benchmark` (see src/lib/types.ts).
 * Shared helpers live in bench/src/lib. For each benchmark the runner prints its figures and
 * targets as text tables and writes bench-results/<name>.json at the repository root.
 *
 * Environment: BENCH_DATABASE_URL (a PostgreSQL server where the user may CREATE DATABASE; when
 * absent a local server is started and destroyed), BENCH_PG_DURABLE=0 (local server with the
 * tests' non-durable settings instead of fsync/synchronous_commit/full_page_writes on),
 * BENCH_REDIS_URL, and each benchmark's own knobs (see its file).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { figuresTable, machineInfo, targetsTable } from './src/lib/report.ts';
import { createServices } from './src/lib/services.ts';
import type { Benchmark, BenchPostgres } from './src/lib/types.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
const sourceDir = join(benchDir, 'src');
const resultsDir = join(benchDir, '..', 'bench-results');

async function availableBenchmarks(): Promise<string[]> {
  const entries = await readdir(sourceDir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.startsWith('_'))
    .map((entry) => entry.name.slice(0, -'.ts'.length))
    .sort();
}

async function loadBenchmark(name: string): Promise<Benchmark> {
  const module = (await import(pathToFileURL(join(sourceDir, `${name}.ts`)).href)) as { benchmark?: Benchmark };
  if (!module.benchmark || typeof module.benchmark.run !== 'function') throw new Error(`bench/src/${name}.ts does not export a benchmark`);
  return module.benchmark;
}

async function main(): Promise<number> {
  const available = await availableBenchmarks();
  const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const unknown = requested.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
    return 2;
  }
  const names = requested.length > 0 ? requested : available;
  const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
  const services = createServices(log);
  const stopOnSignal = () => {
    void services.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  let failures = 0;
  try {
    await mkdir(resultsDir, { recursive: true });
    for (const name of names) {
      const benchmark = await loadBenchmark(name);
      log(`${name}: ${benchmark.description}`);
      const startedAt = Date.now();
      let usedPostgres: BenchPostgres | undefined;
      const context = {
        ...services,
        async postgres() {
          usedPostgres = await services.postgres();
          return usedPostgres;
        },
      };
      try {
        const result = await benchmark.run(context);
        const durationS = Math.round((Date.now() - startedAt) / 100) / 10;
        const machine = machineInfo(usedPostgres);
        console.log(`\n== ${name}: ${benchmark.description}`);
        console.log(
          `   ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}${machine.postgres ? `, PostgreSQL ${machine.postgres.version}` : ''}, ${durationS} s\n`,
        );
        console.log(figuresTable(result));
        if (result.targets.length > 0) console.log(`\n${targetsTable(result.targets)}`);
        for (const note of result.notes ?? []) console.log(`\nnote: ${note}`);
        const file = join(resultsDir, `${name}.json`);
        const json = {
          benchmark: name,
          description: benchmark.description,
          machine,
          durationS,
          config: result.config,
          figures: result.figures,
          targets: result.targets,
          allTargetsMet: result.targets.every((target) => target.met),
          notes: result.notes ?? [],
        };
        await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
        console.log(`\nwrote ${file}`);
      } catch (error) {
        failures += 1;
        console.error(`benchmark ${name} failed:`, error);
      }
    }
  } finally {
    await services.close();
  }
  return failures > 0 ? 1 : 0;
}

process.exitCode = await main();
