/**
 * Lets pending I/O callbacks run. A rebuild folds a batch while the previous batch's writes run,
 * and those writes need this thread between statements (to send the next COPY or the commit):
 * folding in slices of this many events, with a yield between them, keeps PostgreSQL busy.
 */
export const eventsPerYield = 500;

export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
