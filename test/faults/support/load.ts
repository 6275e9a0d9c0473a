/** Runs `clients` concurrent loops of `step` until `count` steps were started, `durationMs` passed, or stop() is called. */
export interface LoadRun {
  readonly done: Promise<{ started: number; elapsedMs: number }>;
  stop(): void;
  readonly started: number;
}

export function runLoad(options: { clients: number; count: number; durationMs: number; step: (index: number, client: number) => Promise<void> }): LoadRun {
  let started = 0;
  let stopped = false;
  const startedAt = Date.now();
  const deadline = startedAt + options.durationMs;
  const loop = async (client: number) => {
    while (!stopped && started < options.count && Date.now() < deadline) {
      const index = started;
      started += 1;
      await options.step(index, client);
    }
  };
  const done = Promise.all(Array.from({ length: options.clients }, (_, client) => loop(client))).then(() => ({ started, elapsedMs: Date.now() - startedAt }));
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
