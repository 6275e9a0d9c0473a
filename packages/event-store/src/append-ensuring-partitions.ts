import { appendToStreams as appendOnce } from './append-to-streams.ts';
import { ensureEventPartitions } from './event-partitions.ts';
import type { EventStoreTables } from './schema.ts';
import type { AppendOptions, AppendResult, StreamAppend } from './types.ts';
import { tablesOf, type Queryable } from './tables.ts';

/** PostgreSQL's refusal of a row whose tx_id no partition of tt_events holds yet. */
export function isMissingEventPartition(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === '23514' && typeof message === 'string' && message.includes('no partition of relation "tt_events"');
}

/**
 * appendToStreams (see append-to-streams.ts), which also survives partitions that ran out: the
 * stores create them far ahead of need (event-partitions.ts), but should transaction ids outrun
 * that, an append outside a transaction creates the missing ones and runs again, once. Nothing was
 * written by the refused statement. Inside a caller's transaction the refusal aborted it, and the
 * error goes to the caller.
 */
export async function appendToStreams<DB extends EventStoreTables>(
  db: Queryable<DB>,
  appends: readonly StreamAppend[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  const store = tablesOf<EventStoreTables>()(db);
  try {
    return await appendOnce(store, appends, options);
  } catch (error) {
    if (!isMissingEventPartition(error) || db.isTransaction) throw error;
    await ensureEventPartitions(db);
    return appendOnce(store, appends, options);
  }
}
