import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { EventStoreTables } from './schema.ts';
import type { Queryable } from './tables.ts';

/**
 * tt_events is range-partitioned by tx_id (see migrations/0002-partitioned-events.ts). A partition
 * spans spanXids transaction ids; partitions are kept created aheadXids past the next one. Every
 * transaction that writes anything takes an id: 50 million ids last about 14 hours at 1,000
 * writing transactions a second, 6 days at 100, far longer at the sandbox's usual rates. Fewer,
 * larger partitions keep stream reads cheap: they probe every partition (docs/scaling.md).
 */
export const eventPartitionDefaults = {
  spanXids: 50_000_000,
  aheadXids: 10_000_000,
  checkIntervalMs: 60_000,
  /** How long creating a partition may wait for its lock (only other DDL on tt_events holds it). */
  lockTimeoutMs: 2_000,
} as const;

export interface EventPartitionOptions {
  readonly spanXids?: number;
  readonly aheadXids?: number;
}

export interface EventPartition {
  readonly name: string;
  /** The first transaction id it holds, and the first it no longer holds, as decimal strings. */
  readonly fromTxId: string;
  readonly toTxId: string;
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be a whole number >= ${min}, got ${value}`);
  return value;
}

/**
 * Creates the partitions of tt_events still missing up to the next transaction id plus aheadXids.
 * Returns how many it created. Safe to call from several processes at once.
 */
export async function ensureEventPartitions<DB extends EventStoreTables>(
  db: Queryable<DB>,
  options: EventPartitionOptions = {},
): Promise<number> {
  const spanXids = wholeNumber('spanXids', options.spanXids ?? eventPartitionDefaults.spanXids, 1);
  const aheadXids = wholeNumber('aheadXids', options.aheadXids ?? eventPartitionDefaults.aheadXids, 0);
  const ensure = async (executor: Queryable<DB>) => {
    const { rows } = await sql<{ created: number }>`
      select tt_ensure_event_partitions(${spanXids}::bigint, ${aheadXids}::bigint) as created`.execute(executor);
    return rows[0]?.created ?? 0;
  };
  if (db.isTransaction) return ensure(db);
  return db.transaction().execute(async (transaction) => {
    await sql`select set_config('lock_timeout', ${`${eventPartitionDefaults.lockTimeoutMs}ms`}, true)`.execute(transaction);
    return ensure(transaction);
  });
}

/** The partitions of tt_events in transaction id order. */
export async function listEventPartitions<DB extends EventStoreTables>(db: Queryable<DB>): Promise<EventPartition[]> {
  const { rows } = await sql<{ name: string; bound: string }>`
    select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'tt_events'::regclass`.execute(db);
  return rows
    .map((row) => {
      const match = /FROM \('(\d+)'\) TO \('(\d+)'\)/.exec(row.bound);
      if (!match) throw new Error(`tt_events partition ${row.name} has an unexpected bound: ${row.bound}`);
      return { name: row.name, fromTxId: match[1]!, toTxId: match[2]! };
    })
    .sort((a, b) => (BigInt(a.fromTxId) < BigInt(b.fromTxId) ? -1 : 1));
}

/**
 * Keeps partitions created ahead of need: now, then every checkIntervalMs. Failures are logged and
 * tried again at the next interval (the margin ahead is far larger than what one interval uses).
 * Returns a function that stops it and waits for a check in progress.
 */
export function keepEventPartitionsAhead<DB extends EventStoreTables>(
  db: Queryable<DB>,
  options: EventPartitionOptions & { readonly checkIntervalMs?: number; readonly logger?: Logger } = {},
): () => Promise<void> {
  const intervalMs = wholeNumber('checkIntervalMs', options.checkIntervalMs ?? eventPartitionDefaults.checkIntervalMs, 1);
  let running: Promise<void> = Promise.resolve();
  const check = () => {
    running = ensureEventPartitions(db, options).then(
      (created) => {
        if (created > 0) options.logger?.info({ created }, 'created tt_events partitions ahead of need');
      },
      (error: unknown) => {
        options.logger?.warn({ err: error }, 'creating tt_events partitions failed; trying again later');
      },
    );
  };
  check();
  const timer = setInterval(check, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
