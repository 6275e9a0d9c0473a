import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { TimerTables } from './tables.ts';
import type { Queryable } from '@tracktrove/event-store';

/** What a timer does when it fires; the application registers one handler per kind. */
export type TimerKind = 'hold_expiry' | 'retry' | 'webhook_delivery' | (string & {});
export type TimerState = 'pending' | 'fired' | 'cancelled' | 'failed';
/** Which path fired a timer (kept on the row, for operations and tests). */
export type FiredBy = 'redis_notification' | 'redis_poll' | 'sweeper' | 'in_process' | 'clock_advance' | 'direct';

export interface Timer {
  readonly id: string;
  readonly kind: TimerKind;
  readonly transactionId: string | null;
  /** Unique per kind: scheduling the same (kind, ref) twice keeps the first. */
  readonly ref: string;
  /** Sandbox time. */
  readonly dueAt: Date;
  readonly payload: Record<string, unknown>;
  readonly state: TimerState;
  readonly firedBy: FiredBy | null;
  /** How many times a claim took it: 1 once fired, never more. */
  readonly claims: number;
}

export interface NewTimer {
  /** Default: a fresh UUID. */
  readonly id?: string;
  readonly kind: TimerKind;
  readonly ref: string;
  readonly transactionId: string | null;
  readonly dueAt: Date;
  readonly payload?: Record<string, unknown>;
}

interface TimerRow {
  id: string;
  kind: string;
  transaction_id: string | null;
  ref: string;
  due_at: Date;
  payload: Record<string, unknown>;
  state: TimerState;
  fired_by: FiredBy | null;
  claims: number;
}

const toTimer = (row: TimerRow): Timer => ({
  id: row.id,
  kind: row.kind,
  transactionId: row.transaction_id,
  ref: row.ref,
  dueAt: new Date(row.due_at),
  payload: row.payload,
  state: row.state,
  firedBy: row.fired_by,
  claims: Number(row.claims),
});

/** Schedules a timer unless (kind, ref) exists; answers the new timer, or null when it existed. */
export async function scheduleTimer<DB extends TimerTables>(db: Queryable<DB>, timer: NewTimer): Promise<Timer | null> {
  const result = await sql<TimerRow>`
    insert into tt_timers (id, kind, transaction_id, ref, due_at, payload)
    values (${timer.id ?? randomUUID()}, ${timer.kind}, ${timer.transactionId}, ${timer.ref}, ${timer.dueAt}, ${JSON.stringify(timer.payload ?? {})}::jsonb)
    on conflict (kind, ref) do nothing
    returning id, kind, transaction_id, ref, due_at, payload, state, fired_by, claims`.execute(db);
  const row = result.rows[0];
  return row ? toTimer(row) : null;
}

/**
 * Claims due pending timers: pending -> fired, atomically. A timer another session holds or has
 * fired is skipped, so each timer fires once however many processes try.
 */
export async function claimTimers<DB extends TimerTables>(
  db: Queryable<DB>,
  ids: readonly string[],
  now: Date,
  firedBy: FiredBy,
): Promise<Timer[]> {
  if (ids.length === 0) return [];
  const result = await sql<TimerRow>`
    update tt_timers set state = 'fired', fired_by = ${firedBy}, fired_at = now(), claims = claims + 1
    where id in (select id from tt_timers where id = any(${[...ids]}::uuid[]) and state = 'pending' and due_at <= ${now} order by id for update skip locked)
    returning id, kind, transaction_id, ref, due_at, payload, state, fired_by, claims`.execute(db);
  return result.rows.map(toTimer).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

/** Ids of pending timers due at `now`, earliest first. */
export async function dueTimerIds<DB extends TimerTables>(db: Queryable<DB>, now: Date, limit: number): Promise<string[]> {
  const result = await sql<{ id: string }>`
    select id from tt_timers where state = 'pending' and due_at <= ${now} order by due_at, id limit ${limit}`.execute(db);
  return result.rows.map((row) => row.id);
}

export async function earliestPendingDueAt<DB extends TimerTables>(db: Queryable<DB>): Promise<Date | null> {
  const result = await sql<{ due_at: Date | null }>`select min(due_at) as due_at from tt_timers where state = 'pending'`.execute(db);
  const dueAt = result.rows[0]?.due_at;
  return dueAt ? new Date(dueAt) : null;
}

/** Records a handler failure; after `maxFailures` the timer is parked as failed (no hot loop). */
export async function recordTimerFailure<DB extends TimerTables>(
  db: Queryable<DB>,
  id: string,
  error: unknown,
  maxFailures: number,
): Promise<void> {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  await sql`
    update tt_timers set failures = failures + 1, last_error = ${message.slice(0, 2000)},
      state = case when failures + 1 >= ${maxFailures} then 'failed' else state end
    where id = ${id} and state = 'pending'`.execute(db);
}

export async function readTimer<DB extends TimerTables>(db: Queryable<DB>, id: string): Promise<Timer | null> {
  const result =
    await sql<TimerRow>`select id, kind, transaction_id, ref, due_at, payload, state, fired_by, claims from tt_timers where id = ${id}`.execute(
      db,
    );
  const row = result.rows[0];
  return row ? toTimer(row) : null;
}

export async function listTimers<DB extends TimerTables>(
  db: Queryable<DB>,
  filter: { transactionId?: string; kind?: TimerKind } = {},
): Promise<Timer[]> {
  const result = await sql<TimerRow>`
    select id, kind, transaction_id, ref, due_at, payload, state, fired_by, claims from tt_timers
    where (${filter.transactionId ?? null}::text is null or transaction_id = ${filter.transactionId ?? null})
      and (${filter.kind ?? null}::text is null or kind = ${filter.kind ?? null})
    order by due_at, id limit 1000`.execute(db);
  return result.rows.map(toTimer);
}

export async function countPendingTimers<DB extends TimerTables>(db: Queryable<DB>, kind?: TimerKind): Promise<number> {
  const result = await sql<{ count: string }>`
    select count(*) as count from tt_timers where state = 'pending' and (${kind ?? null}::text is null or kind = ${kind ?? null})`.execute(
    db,
  );
  return Number(result.rows[0]?.count ?? 0);
}

/** Pending timers that were due before `dueBefore` (sweeps are late: /ready reports them). */
export async function countOverdueTimers<DB extends TimerTables>(db: Queryable<DB>, dueBefore: Date): Promise<number> {
  const result = await sql<{ count: string }>`
    select count(*) as count from tt_timers where state = 'pending' and due_at < ${dueBefore}`.execute(db);
  return Number(result.rows[0]?.count ?? 0);
}
