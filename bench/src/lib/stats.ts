/** Helpers to drive concurrent load and summarise it. */

export interface LoadResult {
  /** Calls completed inside the measured window. */
  readonly calls: number;
  /** Events written (or read) by those calls. */
  readonly events: number;
  readonly elapsedMs: number;
  /** Per-call latencies (ms) of the calls completed inside the measured window. */
  readonly latenciesMs: readonly number[];
}

export interface LoadOptions {
  readonly writers: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /**
   * One call of writer `writer` (0-based); resolves to the number of events it handled.
   * Each writer issues its calls one after another, so `writers` calls are in flight at most.
   */
  readonly call: (writer: number) => Promise<number>;
}

/**
 * Runs `writers` closed loops for warmupMs (not recorded) then durationMs (recorded). A call is
 * counted when it completes inside the measured window; the window's length is the elapsed time.
 */
export async function runClosedLoops(options: LoadOptions): Promise<LoadResult> {
  const { writers, warmupMs, durationMs, call } = options;
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const measureUntil = measureFrom + durationMs;
  const latenciesMs: number[] = [];
  let calls = 0;
  let events = 0;
  let failed = false;
  const loop = async (writer: number) => {
    while (!failed && performance.now() < measureUntil) {
      const before = performance.now();
      const handled = await call(writer);
      const after = performance.now();
      if (after >= measureFrom && after <= measureUntil) {
        calls += 1;
        events += handled;
        latenciesMs.push(after - before);
      }
    }
  };
  // On the first failure every writer stops; the error is thrown once all calls have settled.
  const settled = await Promise.allSettled(
    Array.from({ length: writers }, (_, writer) =>
      loop(writer).catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const failure = settled.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return { calls, events, elapsedMs: durationMs, latenciesMs };
}

/** The q-quantile (0..1) by nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : Number.NaN;
}

/** events/s, calls/s and p50/p99/max latency of a load run. */
export function loadMetrics(result: LoadResult): Record<string, number> {
  return {
    'events/s': perSecond(result.events, result.elapsedMs),
    'calls/s': perSecond(result.calls, result.elapsedMs),
    'p50 ms': quantile(result.latenciesMs, 0.5),
    'p99 ms': quantile(result.latenciesMs, 0.99),
    // A loop, not Math.max(...): a fast run has more latencies than the call stack has room for.
    'max ms':
      result.latenciesMs.length > 0 ? result.latenciesMs.reduce((max, value) => (value > max ? value : max), -Infinity) : Number.NaN,
  };
}

/** A target "actual >= factor x basis" (or an absolute minimum when basisValue is undefined). */
export function atLeast(args: {
  id: string;
  description: string;
  metric: string;
  actual: number;
  factor: number;
  basisValue?: number;
  basisName?: string;
}) {
  const required = args.basisValue === undefined ? args.factor : args.factor * args.basisValue;
  const basis =
    args.basisValue === undefined
      ? `${formatNumber(args.factor)} ${args.metric}`
      : `${args.factor} x ${args.basisName ?? 'reference'} (${formatNumber(args.basisValue)} ${args.metric})`;
  return {
    id: args.id,
    description: args.description,
    metric: args.metric,
    actual: args.actual,
    required,
    basis,
    met: args.actual >= required,
  };
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
