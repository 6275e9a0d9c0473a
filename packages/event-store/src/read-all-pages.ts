import { decodePosition, type LogPosition } from './position.ts';
import { readAll, type ReadAllOptions, type ReadAllResult } from './read-events.ts';
import type { EventStoreTables } from './schema.ts';
import type { Upcaster } from './types.ts';
import type { Queryable } from './tables.ts';

/**
 * Reads the log forward page by page up to its visible end, asking for the next page as soon as a
 * page arrives, before the caller handles it: PostgreSQL produces page n+1 while this process works
 * on page n, instead of each side waiting for the other.
 */
export async function* readAllPages<DB extends EventStoreTables>(
  db: Queryable<DB>,
  options: Omit<ReadAllOptions, 'after'> & { after?: string | LogPosition },
  upcast?: Upcaster,
): AsyncGenerator<ReadAllResult> {
  let after = typeof options.after === 'object' ? options.after : decodePosition(options.after ?? 'start');
  let pending: Promise<ReadAllResult> | null = readAll(db, { ...options, after }, upcast);
  while (pending) {
    const page: ReadAllResult = await pending;
    after = page.position;
    pending = page.isEnd ? null : readAll(db, { ...options, after }, upcast);
    // If the caller stops early, the prefetched page is read and dropped.
    pending?.catch(() => undefined);
    yield page;
  }
}
