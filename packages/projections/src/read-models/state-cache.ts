import type { RecordedEvent } from '@tracktrove/event-store';
import type { BulkReadContext } from '../projection.ts';
import { transactionIdOf } from './transaction-stream.ts';

/** States to write out: rows to add, and rows that already exist (written by an earlier batch) to update. */
export interface StatesToWrite<T> {
  readonly added: [string, T][];
  readonly updated: [string, T][];
}

/**
 * Per-transaction state a rebuild keeps in memory between batches, so that a transaction touched
 * by many events is read and written about once instead of once a batch. Bounded: past maxEntries,
 * the least recently touched states are evicted and the caller writes them out. Since the runtime
 * writes a batch while the next one is folded, the states evicted by the previous batch may not be
 * committed yet: they are kept until the next eviction, and found here before the database.
 */
export interface BulkStates<T> {
  /**
   * Makes the states that `records` continue available to get(): from memory, else from the
   * committed rows. A stream's first event needs none, so new transactions cost no read.
   */
  load(records: readonly RecordedEvent[], reader: BulkReadContext): Promise<void>;
  /** The state held for a transaction; undefined before its first event. */
  get(id: string): T | undefined;
  /** Stores a changed state and marks it most recently touched. */
  set(id: string, value: T): void;
  /** The changed states evicted to get back under the bound, or every changed state with `all` (at the end). */
  take(all: boolean): StatesToWrite<T>;
}

type ReadStoredStates<T> = (reader: BulkReadContext, ids: readonly string[]) => Promise<Map<string, T>>;

interface Held<T> {
  value: T;
  changed: boolean;
  /** Whether a row exists for it (committed, or written by the previous batch): an update, not an add. */
  stored: boolean;
  /** The batch that last touched it (a count of take() calls): the least recent are evicted first. */
  touchedIn: number;
}

export function createBulkStates<T>(maxEntries: number, readStored: ReadStoredStates<T>): BulkStates<T> {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be >= 1, got ${maxEntries}`);
  // Recency is the batch of the last touch, updated in place: re-inserting into a Map on every
  // touch to keep it in LRU order cost more than the fold.
  const held = new Map<string, Held<T>>();
  let batch = 0;
  let evictedLast = new Map<string, T>();
  return {
    async load(records, reader) {
      const missing: string[] = [];
      const seen = new Set<string>();
      for (const record of records) {
        const id = transactionIdOf(record.streamId)!;
        if (seen.has(id)) continue;
        seen.add(id);
        if (record.version === 1 || held.has(id)) continue;
        const evicted = evictedLast.get(id);
        if (evicted !== undefined) held.set(id, { value: evicted, changed: false, stored: true, touchedIn: batch });
        else missing.push(id);
      }
      if (missing.length === 0) return;
      for (const [id, value] of await readStored(reader, missing)) held.set(id, { value, changed: false, stored: true, touchedIn: batch });
    },
    get: (id) => held.get(id)?.value,
    set(id, value) {
      const entry = held.get(id);
      if (!entry) {
        held.set(id, { value, changed: true, stored: false, touchedIn: batch });
        return;
      }
      entry.value = value;
      entry.changed = true;
      entry.touchedIn = batch;
    },
    take(all) {
      batch += 1;
      const toWrite: StatesToWrite<T> = { added: [], updated: [] };
      const write = (id: string, entry: Held<T>) => {
        if (entry.changed) (entry.stored ? toWrite.updated : toWrite.added).push([id, entry.value]);
      };
      if (all) {
        for (const [id, entry] of held) {
          write(id, entry);
          Object.assign(entry, { changed: false, stored: true });
        }
        return toWrite;
      }
      const evicted = new Map<string, T>();
      if (held.size > maxEntries) {
        // Oldest touch first; among equals, the Map's insertion order (a stable sort).
        const byRecency = [...held].sort(([, a], [, b]) => a.touchedIn - b.touchedIn);
        for (const [id, entry] of byRecency.slice(0, held.size - maxEntries)) {
          held.delete(id);
          evicted.set(id, entry.value);
          write(id, entry);
        }
      }
      evictedLast = evicted;
      return toWrite;
    },
  };
}
