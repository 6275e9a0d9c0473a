/**
 * The contract between the runner (bench/run.ts) and the benchmark modules (bench/src/<name>.ts).
 *
 * A benchmark module exports `benchmark: Benchmark`. The runner gives it a context with lazily
 * started services, prints the figures it returns as a table and writes them, with the machine's
 * description, to bench-results/<name>.json.
 */

/** One measured figure: a system doing one workload, with its metrics (events/s, p50 ms, ...). */
export interface Figure {
  /** Stable id, used by targets and in the JSON file, e.g. "append-1.tracktrove". */
  readonly id: string;
  /** The workload, e.g. "append 1 event/call, 16 writers". */
  readonly workload: string;
  /** Who did it, e.g. "TrackTrove", "raw pg INSERT", "Emmett 0.42.0". */
  readonly system: string;
  /** True for the figures measured only to compare with (not our code). */
  readonly reference: boolean;
  /** Metric name to value, e.g. { "events/s": 12000, "p50 ms": 1.2 }. Printed in insertion order. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Anything else worth keeping in the JSON (counts, durations, settings of this run). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A target: `actual` (from one figure) must be at least `required` (absolute, or ratio x another figure). */
export interface TargetResult {
  readonly id: string;
  readonly description: string;
  readonly metric: string;
  readonly actual: number;
  readonly required: number;
  /** How `required` was obtained, e.g. "1.5 x Emmett 0.42.0 (4,100 events/s)". */
  readonly basis: string;
  readonly met: boolean;
}

export interface BenchmarkResult {
  readonly figures: readonly Figure[];
  readonly targets: readonly TargetResult[];
  /** The benchmark's parameters (durations, writers, payload sizes, ...). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly notes?: readonly string[];
}

/** A fresh, empty database on the benchmark server. */
export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export interface BenchPostgres {
  /** Where the server came from: BENCH_DATABASE_URL, or a local server started for this run. */
  readonly source: 'environment' | 'local';
  /** A URL of the server's maintenance database, used to create and drop databases. */
  readonly adminUrl: string;
  readonly version: string;
  /** The server settings that matter for throughput (fsync, synchronous_commit, ...). */
  readonly settings: Readonly<Record<string, string>>;
  /** CREATE DATABASE with a unique name; drop() removes it (WITH FORCE). */
  createDatabase(label: string): Promise<BenchDatabase>;
  /** Forces a checkpoint so that one measurement's dirty pages are not flushed during the next. */
  checkpoint(): Promise<void>;
}

export interface BenchContext {
  /** The PostgreSQL server, started on first use and destroyed by the runner at the end. */
  postgres(): Promise<BenchPostgres>;
  /** A Redis URL (BENCH_REDIS_URL or a local redis-server), started on first use. */
  redis(): Promise<string>;
  /** Progress output (stderr), so that stdout keeps only the tables. */
  log(message: string): void;
}

export interface Benchmark {
  /** The module's file name without .ts; `pnpm bench <name>` runs it. */
  readonly name: string;
  readonly description: string;
  run(context: BenchContext): Promise<BenchmarkResult>;
}
