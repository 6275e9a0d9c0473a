import { sql, type Kysely, type Migration } from 'kysely';
import { timerEffectMigrations } from './timer-effects.ts';

/**
 * Tables of the timers package. PostgreSQL is the truth for every simulated delay:
 * - tt_clock: the sandbox clock's offset from the wall clock (one row);
 * - tt_timers: due timers, fired once by an atomic claim (pending -> fired), each claim counted.
 * (Databases made before settlement moved to the application got its tables here too.)
 */
export const timerMigrations: Record<string, Migration> = {
  '0300-timers': {
    async up(db: Kysely<unknown>) {
      await sql`
        create table tt_clock (
          id int primary key check (id = 1),
          offset_ms bigint not null default 0,
          updated_at timestamptz not null default now()
        )`.execute(db);
      await sql`insert into tt_clock (id, offset_ms) values (1, 0)`.execute(db);
      await sql`
        create table tt_timers (
          id uuid primary key,
          kind text not null,
          transaction_id text,
          ref text not null,
          due_at timestamptz not null,
          payload jsonb not null default '{}'::jsonb,
          state text not null default 'pending' check (state in ('pending', 'fired', 'cancelled', 'failed')),
          fired_by text,
          fired_at timestamptz,
          failures int not null default 0,
          last_error text,
          created_at timestamptz not null default now(),
          constraint tt_timers_kind_ref_key unique (kind, ref)
        )`.execute(db);
      await sql`create index tt_timers_pending_due on tt_timers (due_at) where state = 'pending'`.execute(db);
      await sql`create index tt_timers_transaction on tt_timers (transaction_id, kind) where state = 'pending'`.execute(db);
    },
  },
  // Claims are counted, not only the events they lead to: the domain refuses a duplicate event, so a
  // timer claimed twice (fired twice) would not show in the log. Every fired timer has claims = 1.
  '0560-timer-claims': {
    async up(db: Kysely<unknown>) {
      await sql`alter table tt_timers add column claims int not null default 0`.execute(db);
    },
  },
  ...timerEffectMigrations,
};
