import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { appendToStreams, tablesOf, type EventStoreTables, type Queryable } from '@tracktrove/event-store';
import type { TimerTables } from './tables.ts';
import { buildMetadata, ValidationError, type Actor } from '@tracktrove/domain';

export const clockStreamId = 'clock';
export const clockLimits = { maxAdvanceMs: 366 * 86_400_000 } as const;

export type ClockAdvance = { readonly ms: number } | { readonly to: string | Date };

/**
 * The sandbox clock: wall clock plus an offset kept in PostgreSQL, so every process agrees.
 * It only moves forward; each move is also a ClockAdvanced event in the `clock` stream.
 */
export interface SandboxClock {
  /** Sandbox now, with the offset read from the database (inside a transaction, pass it). */
  now<DB extends TimerTables>(executor?: Queryable<DB>): Promise<Date>;
  /** Sandbox now with the last offset this process saw (no I/O; refreshed by now() and the sweeper). */
  nowCached(): Date;
  /**
   * Sandbox now from an offset read at most maxAgeMs ago (read again otherwise): a command skips a
   * round trip; another process's advance reaches it within maxAgeMs.
   */
  nowRecent(maxAgeMs?: number): Promise<Date>;
  offsetMs(): Promise<number>;
  /**
   * Moves the offset forward to `targetMs` (sandbox epoch ms); never backwards.
   * Records nothing: advance() in the timer service records the ClockAdvanced event.
   */
  moveTo(targetMs: number): Promise<Date>;
  /** Appends ClockAdvanced {byMs, from, to} to the clock stream. */
  record(event: { fromMs: number; toMs: number; firedTimers: number; actor: unknown; correlationId: string }): Promise<string>;
}

/** How old an offset nowRecent() accepts, by default: the sweeper's interval. */
export const clockCacheMs = 250;

export function createSandboxClock<DB extends TimerTables & EventStoreTables>(
  db: Queryable<DB>,
  wallClock: () => number = Date.now,
): SandboxClock {
  let cachedOffsetMs = 0;
  let cachedAtWallMs = Number.NEGATIVE_INFINITY;
  const readOffset = async (executor?: Kysely<TimerTables>) => {
    const result = await sql<{ offset_ms: string }>`select offset_ms from tt_clock where id = 1`.execute(executor ?? db);
    cachedOffsetMs = Number(result.rows[0]?.offset_ms ?? 0);
    cachedAtWallMs = wallClock();
    return cachedOffsetMs;
  };
  return {
    async now<Executor extends TimerTables>(executor?: Queryable<Executor>) {
      const offset = await readOffset(executor && tablesOf<TimerTables>()(executor));
      return new Date(wallClock() + offset);
    },
    nowCached: () => new Date(wallClock() + cachedOffsetMs),
    async nowRecent(maxAgeMs = clockCacheMs) {
      if (wallClock() - cachedAtWallMs > maxAgeMs) await readOffset();
      return new Date(wallClock() + cachedOffsetMs);
    },
    offsetMs: readOffset,
    async moveTo(targetMs) {
      const wall = wallClock();
      const result = await sql<{ offset_ms: string }>`
        update tt_clock set offset_ms = greatest(offset_ms, ${Math.round(targetMs - wall)}::bigint), updated_at = now()
        where id = 1 returning offset_ms`.execute(db);
      cachedOffsetMs = Number(result.rows[0]?.offset_ms ?? cachedOffsetMs);
      cachedAtWallMs = wall;
      return new Date(wall + cachedOffsetMs);
    },
    async record({ fromMs, toMs, firedTimers, actor, correlationId }) {
      const result = await appendToStreams(db, [
        {
          streamId: clockStreamId,
          expectedVersion: 'any',
          events: [
            {
              eventId: randomUUID(),
              type: 'ClockAdvanced',
              data: { byMs: toMs - fromMs, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), firedTimers },
              metadata: buildMetadata({ actor: actor as Actor, correlationId, step: 'ClockAdvanced', service: 'clock' }),
            },
          ],
        },
      ]);
      return result.position;
    },
  };
}

/** The target of an advance in sandbox epoch ms, checked: forward only, at most 366 days. */
export function advanceTarget(nowMs: number, advance: ClockAdvance): number {
  let targetMs: number;
  if ('ms' in advance) {
    if (!Number.isSafeInteger(advance.ms) || advance.ms < 0)
      throw new ValidationError([{ path: 'ms', message: 'must be a whole number of milliseconds >= 0' }]);
    targetMs = nowMs + advance.ms;
  } else {
    targetMs = advance.to instanceof Date ? advance.to.getTime() : Date.parse(advance.to);
    if (Number.isNaN(targetMs)) throw new ValidationError([{ path: 'to', message: 'must be an ISO 8601 timestamp' }]);
    if (targetMs < nowMs)
      throw new ValidationError([{ path: 'to', message: `the clock never goes backwards (now is ${new Date(nowMs).toISOString()})` }]);
  }
  if (targetMs - nowMs > clockLimits.maxAdvanceMs) {
    throw new ValidationError([
      { path: 'ms' in advance ? 'ms' : 'to', message: `at most ${clockLimits.maxAdvanceMs} ms (366 days) per advance` },
    ]);
  }
  return targetMs;
}
