/**
 * Where to resume after a stop: the position of the last event such that it and every event before
 * it are handled (their deliveries delivered, failed or dropped). Events are added in log order and
 * finish in any order; a stop leaves the unfinished ones to be sent again from here.
 */
export function createResumePosition(start: string) {
  const open: { position: string; done: boolean }[] = [];
  let handled = start;
  return {
    /** Answers a function that marks the event handled. */
    add(position: string): () => void {
      const entry = { position, done: false };
      open.push(entry);
      return () => {
        entry.done = true;
        while (open[0]?.done) handled = open.shift()!.position;
      };
    },
    /** The stream is at this position with nothing before it open (the caught-up marker). */
    reached(position: string): void {
      if (open.length === 0) handled = position;
    },
    get position(): string {
      return handled;
    },
    get pending(): number {
      return open.length;
    },
  };
}

export type ResumePosition = ReturnType<typeof createResumePosition>;
