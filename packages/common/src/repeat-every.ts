/** Runs `work` every intervalMs, one run at a time (the next is scheduled when one ends), until stopped. */
export function repeatEvery(intervalMs: number, work: () => Promise<void>): { start(): void; stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | null = null;
  let repeating = false;
  const schedule = (): void => {
    if (!repeating) return;
    timer = setTimeout(() => {
      current = work().finally(() => {
        current = null;
        schedule();
      });
    }, intervalMs);
    timer.unref?.();
  };
  return {
    start() {
      repeating = true;
      schedule();
    },
    async stop() {
      repeating = false;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
