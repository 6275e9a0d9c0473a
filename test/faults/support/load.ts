/** Runs `clients` concurrent loops of `step` until `count` steps were started, `durationMs` passed, or stop() is called. */
export interface LoadRun {
  readonly done: Promise<{ started: number; elapsedMs: number }>;
  stop(): void;
  readonly started: number;
}

/**
 * Clients running `step` until `count` steps have started or `durationMs` has passed. With `until`,
 * the load goes on past durationMs until it holds (the work a test's checks need, however slow the
 * machine), but never past `maxDurationMs` (default four times durationMs).
 */
export function runLoad(options: {
  clients: number;
  count: number;
  durationMs: number;
  step: (index: number, client: number) => Promise<void>;
  until?: () => boolean;
  maxDurationMs?: number;
}): LoadRun {
  let started = 0;
  let stopped = false;
  const startedAt = Date.now();
  const deadline = startedAt + options.durationMs;
  const hardDeadline = startedAt + (options.maxDurationMs ?? options.durationMs * 4);
  const goesOn = () => {
    const now = Date.now();
    if (now < deadline) return true;
    return options.until !== undefined && now < hardDeadline && !options.until();
  };
  const loop = async (client: number) => {
    while (!stopped && started < options.count && goesOn()) {
      const index = started;
      started += 1;
      await options.step(index, client);
    }
  };
  const done = Promise.all(Array.from({ length: options.clients }, (_, client) => loop(client))).then(() => ({
    started,
    elapsedMs: Date.now() - startedAt,
  }));
  return {
    done,
    stop() {
      stopped = true;
    },
    get started() {
      return started;
    },
  };
}

/** Figures a test file reports, printed once so the last run's numbers can be copied into docs/reliability.md. */
export function report(name: string, figures: Record<string, unknown>): void {
  process.stdout.write(`\n[faults:${name}] ${JSON.stringify(figures)}\n`);
}
