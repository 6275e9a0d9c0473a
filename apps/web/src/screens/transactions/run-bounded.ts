/** Runs `count` tasks with at most `concurrency` in flight; never throws. */
export async function runBounded<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
  onSettled: (index: number, result: PromiseSettledResult<T>) => void,
): Promise<void> {
  let next = 0;
  async function worker() {
    while (next < count) {
      const index = next;
      next += 1;
      try {
        onSettled(index, { status: 'fulfilled', value: await task(index) });
      } catch (reason) {
        onSettled(index, { status: 'rejected', reason });
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
