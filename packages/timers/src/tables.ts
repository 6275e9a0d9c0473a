import type { DefaultedColumn, Int8Column, OneRowTable } from '@tracktrove/event-store';

/** tt_clock: the sandbox clock's offset from the wall clock. */
export type ClockTable = OneRowTable<{ offset_ms: Int8Column; updated_at: DefaultedColumn<Date> }>;

/** tt_timers: due timers, fired once by an atomic claim (pending -> fired). */
export type TimersTable = {
  id: string;
  kind: string;
  transaction_id: string | null;
  ref: string;
  due_at: Date;
  payload: DefaultedColumn<unknown>;
  state: DefaultedColumn<'pending' | 'fired' | 'cancelled' | 'failed'>;
  fired_by: string | null;
  fired_at: Date | null;
  failures: DefaultedColumn<number>;
  last_error: string | null;
  created_at: DefaultedColumn<Date>;
  claims: DefaultedColumn<number>;
};

/** The tables the timers package owns (migrations.ts), as kysely sees them. */
export type TimerTables = {
  tt_clock: ClockTable;
  tt_timers: TimersTable;
};
