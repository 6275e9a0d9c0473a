/**
 * Group commit: commands that arrive while earlier ones are being written wait, and go to the
 * database together as the next batch (one statement for all of them). A command that arrives
 * when a writer is free goes at once, alone: batching adds no delay, it only fills the time a
 * command would have spent queueing for the database anyway.
 */

export type BatchOutcome<Result> = { readonly ok: true; readonly value: Result } | { readonly ok: false; readonly error: unknown };

export interface GroupCommitLimits {
  /** Most commands in one batch. */
  readonly maxBatch: number;
  /** Batches being written at once. */
  readonly maxInFlight: number;
  /** Commands waiting for a batch; past that, submit fails at once with GroupCommitFullError. */
  readonly maxQueued: number;
}

/** Too many commands wait already: the caller should try again shortly (a 503, not a lost command). */
export class GroupCommitFullError extends Error {
  readonly code = 'unavailable';
  constructor(readonly queued: number) {
    super(`${queued} commands are waiting to be written; try again shortly`);
  }
}

interface Waiting<Item, Result> {
  readonly item: Item;
  readonly resolve: (value: Result) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Returns submit(item): resolves with the item's result once its batch has committed, rejects with
 * its own error, or with the batch's error when the whole batch failed (nothing of it committed).
 * `write` answers one outcome per item, in order.
 */
export function createGroupCommit<Item, Result>(
  limits: GroupCommitLimits,
  write: (items: readonly Item[]) => Promise<readonly BatchOutcome<Result>[]>,
): (item: Item) => Promise<Result> {
  const queue: Waiting<Item, Result>[] = [];
  let inFlight = 0;

  const flush = async (batch: Waiting<Item, Result>[]): Promise<void> => {
    try {
      const outcomes = await write(batch.map((waiting) => waiting.item));
      if (outcomes.length !== batch.length) throw new Error(`a batch of ${batch.length} commands answered ${outcomes.length} outcomes`);
      batch.forEach((waiting, index) => {
        const outcome = outcomes[index]!;
        if (outcome.ok) waiting.resolve(outcome.value);
        else waiting.reject(outcome.error);
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  };

  const pump = (): void => {
    while (inFlight < limits.maxInFlight && queue.length > 0) {
      inFlight += 1;
      void flush(queue.splice(0, limits.maxBatch)).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  };

  return (item) => {
    if (queue.length >= limits.maxQueued) return Promise.reject(new GroupCommitFullError(queue.length));
    return new Promise<Result>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      pump();
    });
  };
}
