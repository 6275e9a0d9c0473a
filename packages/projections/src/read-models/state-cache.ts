/**
 * Per-key state a rebuild keeps in memory between batches, so that a key touched by many events is
 * read and written once instead of once a batch. Bounded: past maxEntries, the least recently
 * touched entries are evicted and the caller writes the changed ones out.
 */
export interface StateCache<T> {
  get(key: string): T | undefined;
  /** Stores a changed value and marks the key most recently used. */
  set(key: string, value: T): void;
  /** The changed entries evicted to get back under the bound (the caller writes them). */
  evictOverflow(): [string, T][];
  /** Every changed entry, which then count as written. */
  drainChanged(): [string, T][];
  readonly size: number;
}

export function createStateCache<T>(maxEntries: number): StateCache<T> {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be >= 1, got ${maxEntries}`);
  const entries = new Map<string, { value: T; changed: boolean }>();
  return {
    get: (key) => entries.get(key)?.value,
    set(key, value) {
      entries.delete(key);
      entries.set(key, { value, changed: true });
    },
    evictOverflow() {
      const evicted: [string, T][] = [];
      for (const [key, entry] of entries) {
        if (entries.size <= maxEntries) break;
        entries.delete(key);
        if (entry.changed) evicted.push([key, entry.value]);
      }
      return evicted;
    },
    drainChanged() {
      const changed: [string, T][] = [];
      for (const [key, entry] of entries) {
        if (!entry.changed) continue;
        changed.push([key, entry.value]);
        entry.changed = false;
      }
      return changed;
    },
    get size() {
      return entries.size;
    },
  };
}
