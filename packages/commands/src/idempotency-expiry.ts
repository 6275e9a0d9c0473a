import { sql, type Kysely } from 'kysely';
import { expireIdempotencyKeys, idempotencyLimits } from './idempotency.ts';
import type { CommandTables } from './tables.ts';
import type { Queryable } from '@tracktrove/event-store';

/**
 * The idempotency store's bounds, kept by a job every `intervalMs`: keys older than the retention
 * (24 h) go, and beyond `maxKeys` the oldest go too, so a client sending key after key cannot grow
 * the table without end. A key dropped early for the bound is a key that will run its command again.
 */
export const idempotencyExpiryDefaults = { intervalMs: 60_000, maxKeys: 1_000_000 } as const;

export interface IdempotencyExpiryOptions {
  readonly db: Kysely<CommandTables>;
  readonly intervalMs?: number;
  readonly maxKeys?: number;
  readonly retentionMs?: number;
  readonly onError?: (error: unknown) => void;
}

export interface IdempotencyExpiry {
  /** Runs the expiry now; answers how many keys went. */
  runOnce(): Promise<number>;
  /** Stops the schedule, after the run in progress ends. */
  stop(): Promise<void>;
}

/** Drops the oldest keys beyond the newest `maxKeys` (keys made in one transaction share a time: all of them go together). */
export async function trimIdempotencyKeys<DB extends CommandTables>(db: Queryable<DB>, maxKeys: number): Promise<number> {
  const result = await sql`
    delete from tt_idempotency
    where created_at <= (select created_at from tt_idempotency order by created_at desc offset ${maxKeys} limit 1)`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** Starts the job; the first run is one interval after the start. */
export function startIdempotencyExpiry(options: IdempotencyExpiryOptions): IdempotencyExpiry {
  const intervalMs = options.intervalMs ?? idempotencyExpiryDefaults.intervalMs;
  const maxKeys = options.maxKeys ?? idempotencyExpiryDefaults.maxKeys;
  const retentionMs = options.retentionMs ?? idempotencyLimits.retentionMs;
  let running: Promise<number> | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const runOnce = () => {
    running ??= (async () => {
      try {
        return (await expireIdempotencyKeys(options.db, new Date(), retentionMs)) + (await trimIdempotencyKeys(options.db, maxKeys));
      } finally {
        running = null;
      }
    })();
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) => options.onError?.(error))
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
